"""The workspace: one folder with a SQLite catalog and one sub-folder per corpus and model.

`./.embedlab` by default; `EMBEDLAB_HOME` or an explicit root overrides it. Items are
written under `tmp/`, then renamed into place, and only then listed in the catalog, so
a crash never leaves half a model listed. The catalog runs in WAL mode with a busy
timeout, so several processes (the app, its training jobs, the CLI) share it safely.

>>> import tempfile, numpy as np
>>> from embedlab.embeddings import Embeddings
>>> ws = Workspace(tempfile.mkdtemp())
>>> record = ws.add_model(Embeddings(["a", "b"], np.eye(2)), name="toy")
>>> [m.name for m in ws.models()], ws.load_model("toy").shape
(['toy'], (2, 2))
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from embedlab.errors import EmbedlabError, InputError, NotFoundError
from embedlab.store.disk import DiskFull, disk_full_message, is_disk_full
from embedlab.store.records import (
    AnalysisRecord,
    ClassificationRecord,
    CorpusRecord,
    ModelRecord,
    RunRecord,
    check_name,
    now,
    slug,
)

if TYPE_CHECKING:
    from embedlab.embeddings import Embeddings

DEFAULT_HOME = ".embedlab"
RUN_STATES = ("queued", "running", "done", "failed", "cancelled")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS corpora (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    path TEXT NOT NULL,
    source TEXT NOT NULL,
    created TEXT NOT NULL,
    stats TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    model_name TEXT,
    corpus_id INTEGER REFERENCES corpora(id) ON DELETE SET NULL,
    algo TEXT NOT NULL,
    config TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued','running','done','failed','cancelled')),
    pid INTEGER,
    created TEXT NOT NULL,
    started TEXT,
    finished TEXT,
    error TEXT,
    model_id INTEGER,
    info TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS models (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    path TEXT NOT NULL,
    origin TEXT NOT NULL,
    corpus_id INTEGER REFERENCES corpora(id) ON DELETE SET NULL,
    run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,
    vocab INTEGER NOT NULL,
    dim INTEGER NOT NULL,
    created TEXT NOT NULL,
    meta TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS progress (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    ts REAL NOT NULL,
    event TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
);
CREATE TABLE IF NOT EXISTS metrics (
    id INTEGER PRIMARY KEY,
    model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    benchmark TEXT NOT NULL,
    result TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS classifications (
    id INTEGER PRIMARY KEY,
    dataset TEXT NOT NULL,
    features TEXT NOT NULL,
    classifier TEXT NOT NULL,
    model_id INTEGER REFERENCES models(id) ON DELETE SET NULL,
    accuracy REAL NOT NULL,
    macro_f1 REAL NOT NULL,
    created TEXT NOT NULL,
    report TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS analyses (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    created TEXT NOT NULL,
    payload TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS analyses_kind ON analyses (kind, id);
"""


class Workspace:
    """The on-disk store: catalog.sqlite plus corpora/, models/ and tmp/ folders."""

    def __init__(self, root: str | os.PathLike | None = None) -> None:
        self.root = Path(root or os.environ.get("EMBEDLAB_HOME") or DEFAULT_HOME).resolve()
        try:
            for sub in ("corpora", "models", "tmp"):
                (self.root / sub).mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise InputError(
                f"Cannot create the workspace at {self.root} ({err.strerror})."
            ) from err
        self.catalog = self.root / "catalog.sqlite"
        db = sqlite3.connect(self.catalog, timeout=30.0, isolation_level=None)
        try:
            db.execute("PRAGMA busy_timeout = 30000")
            db.execute("PRAGMA journal_mode = WAL")
            db.executescript("BEGIN IMMEDIATE;" + _SCHEMA + "COMMIT;")
        finally:
            db.close()

    def __repr__(self) -> str:
        return f"Workspace({str(self.root)!r})"

    # --- database -----------------------------------------------------------------------
    @contextmanager
    def _db(self, write: bool = True) -> Iterator[sqlite3.Connection]:
        """A connection in one transaction: committed on success, rolled back on error.

        Writers take the write lock up front (BEGIN IMMEDIATE) so two writers never
        deadlock on an upgrade; readers use a plain BEGIN and, in WAL mode, never wait.
        """
        db = sqlite3.connect(self.catalog, timeout=30.0, isolation_level=None)
        try:
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA busy_timeout = 30000")
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA foreign_keys = ON")
            db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        finally:
            db.close()

    def tmp_dir(self) -> Path:
        """A fresh folder under tmp/ to write an item into before it is placed."""
        path = self.root / "tmp" / uuid.uuid4().hex
        path.mkdir(parents=True)
        return path

    def _unique_name(self, db: sqlite3.Connection, table: str, base: str) -> str:
        base = check_name(base)
        taken = {r[0] for r in db.execute(f"SELECT name FROM {table}")}  # noqa: S608 - fixed names
        if base not in taken:
            return base
        n = 2
        while f"{base}-{n}" in taken:
            n += 1
        return f"{base}-{n}"

    def _relative(self, path: Path) -> str:
        """Paths are stored relative to the root, so a workspace folder can be moved."""
        return path.relative_to(self.root).as_posix()

    def _place(self, tmp: Path, kind: str, name: str) -> Path:
        final = self.root / kind / f"{slug(name)}-{uuid.uuid4().hex[:8]}"
        os.replace(tmp, final)
        return final

    # --- corpora ------------------------------------------------------------------------
    def place_corpus(
        self, folder: Path, *, name: str | None, base: str, source: str, stats: Mapping[str, Any]
    ) -> CorpusRecord:
        """Move a finished corpus folder (written by `ingest` into `tmp_dir()`) into place and
        list it. Without `name` one is made from `base`, unique with a suffix; a `name` that
        is taken is an error, so nothing is silently replaced.
        """
        with self._db() as db:
            final_name = check_name(name) if name else self._unique_name(db, "corpora", base)
            if name:
                self._check_free("corpora", final_name, db)
            final = self._place(folder, "corpora", final_name)
            try:
                cur = db.execute(
                    "INSERT INTO corpora (name, path, source, created, stats) VALUES (?,?,?,?,?)",
                    (final_name, self._relative(final), source, now(), json.dumps(dict(stats))),
                )
            except BaseException:
                shutil.rmtree(final, ignore_errors=True)
                raise
            corpus_id = int(cur.lastrowid)
        return self.corpus(corpus_id)

    def check_free(self, kind: str, name: str) -> str:
        """`name`, checked as a name and not yet taken by a corpus or model (`kind`)."""
        table = {"corpus": "corpora", "model": "models"}[kind]
        self._check_free(table, check_name(name))
        return check_name(name)

    def _check_free(self, table: str, name: str, db: sqlite3.Connection | None = None) -> None:
        def taken(conn: sqlite3.Connection) -> bool:
            sql = f"SELECT 1 FROM {table} WHERE name = ?"  # noqa: S608 - fixed names
            return conn.execute(sql, (name,)).fetchone() is not None

        if db is not None:
            exists = taken(db)
        else:
            with self._db() as conn:
                exists = taken(conn)
        if exists:
            kind = "corpus" if table == "corpora" else "model"
            raise InputError(
                f"A {kind} named '{name}' already exists; choose another name or delete it."
            )

    def _corpus_row(self, row: sqlite3.Row) -> CorpusRecord:
        return CorpusRecord(
            row["id"],
            row["name"],
            self.root / row["path"],
            row["source"],
            row["created"],
            json.loads(row["stats"]),
        )

    def corpora(self) -> list[CorpusRecord]:
        """Every corpus, newest first."""
        with self._db(write=False) as db:
            rows = db.execute("SELECT * FROM corpora ORDER BY id DESC").fetchall()
        return [self._corpus_row(r) for r in rows]

    def corpus(self, key: str | int) -> CorpusRecord:
        """A corpus by name or id."""
        with self._db(write=False) as db:
            row = db.execute(
                "SELECT * FROM corpora WHERE name = ? OR (id = ? AND typeof(?) = 'integer')",
                (str(key), key if isinstance(key, int) else -1, key),
            ).fetchone()
        if row is None:
            raise NotFoundError(
                f"No corpus named '{key}' in the workspace; `embedlab corpora` lists them."
            )
        return self._corpus_row(row)

    def delete_corpus(self, key: str | int) -> None:
        """Remove a corpus; models trained on it stay (their corpus link is cleared)."""
        record = self.corpus(key)
        with self._db() as db:
            db.execute("DELETE FROM corpora WHERE id = ?", (record.id,))
        shutil.rmtree(record.path, ignore_errors=True)

    # --- models -------------------------------------------------------------------------
    def add_model(
        self,
        emb: Embeddings,
        name: str | None = None,
        *,
        corpus_id: int | None = None,
        run_id: int | None = None,
    ) -> ModelRecord:
        """Save vectors in the native format and list them; returns the new record."""
        from embedlab.formats import save_native

        if name is not None:
            self._check_free("models", check_name(name))
        tmp = self.tmp_dir()
        try:
            try:
                save_native(emb, tmp / "model")
            except (OSError, EmbedlabError) as err:  # formats names the OSError as its cause
                if is_disk_full(err):
                    raise DiskFull(disk_full_message("the model could not be saved")) from err
                raise
            meta = dict(emb.meta)
            with self._db() as db:
                if name:
                    self._check_free("models", check_name(name), db)
                    final_name = check_name(name)
                else:
                    final_name = self._unique_name(db, "models", emb.name)
                final = self._place(tmp / "model", "models", final_name)
                try:
                    cur = db.execute(
                        "INSERT INTO models (name, path, origin, corpus_id, run_id, vocab, dim,"
                        " created, meta) VALUES (?,?,?,?,?,?,?,?,?)",
                        (
                            final_name,
                            self._relative(final),
                            str(meta.get("origin", "imported")),
                            corpus_id,
                            run_id,
                            len(emb),
                            emb.dim,
                            now(),
                            json.dumps(_jsonable(meta)),
                        ),
                    )
                except BaseException:
                    shutil.rmtree(final, ignore_errors=True)
                    raise
                model_id = int(cur.lastrowid)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return self.model(model_id)

    def _model_row(self, row: sqlite3.Row) -> ModelRecord:
        return ModelRecord(
            row["id"],
            row["name"],
            self.root / row["path"],
            row["origin"],
            row["corpus_id"],
            row["corpus_name"],
            row["run_id"],
            row["vocab"],
            row["dim"],
            row["created"],
            json.loads(row["meta"]),
        )

    _MODEL_SQL = (
        "SELECT m.*, c.name AS corpus_name FROM models m LEFT JOIN corpora c ON c.id = m.corpus_id"
    )

    def models(self) -> list[ModelRecord]:
        """Every model, newest first."""
        with self._db(write=False) as db:
            rows = db.execute(self._MODEL_SQL + " ORDER BY m.id DESC").fetchall()
        return [self._model_row(r) for r in rows]

    def model(self, key: str | int) -> ModelRecord:
        """A model by name or id."""
        with self._db(write=False) as db:
            row = db.execute(
                self._MODEL_SQL + " WHERE m.name = ? OR (m.id = ? AND typeof(?) = 'integer')",
                (str(key), key if isinstance(key, int) else -1, key),
            ).fetchone()
        if row is None:
            raise NotFoundError(
                f"No model named '{key}' in the workspace; `embedlab models` lists them."
            )
        return self._model_row(row)

    def has_model(self, name: str) -> bool:
        """Whether a model of this name is listed."""
        try:
            self.model(name)
        except NotFoundError:
            return False
        return True

    def load_model(self, key: str | int) -> Embeddings:
        """The model's vectors; its catalog name is in `meta['name']`."""
        from embedlab.formats import load_native

        record = self.model(key)
        return load_native(record.path).with_meta(name=record.name)

    def delete_model(self, key: str | int) -> None:
        """Unlist a model, then remove its folder (its metrics go with it)."""
        record = self.model(key)
        with self._db() as db:
            db.execute("DELETE FROM models WHERE id = ?", (record.id,))
        shutil.rmtree(record.path, ignore_errors=True)

    # --- runs ---------------------------------------------------------------------------
    def create_run(
        self, algo: str, config: Mapping[str, Any], corpus_id: int | None, model_name: str | None
    ) -> int:
        """A new queued run; the trainer process moves it along."""
        with self._db() as db:
            cur = db.execute(
                "INSERT INTO runs (model_name, corpus_id, algo, config, status, created)"
                " VALUES (?,?,?,?, 'queued', ?)",
                (model_name, corpus_id, algo, json.dumps(dict(config)), now()),
            )
            return int(cur.lastrowid)

    def set_run_pid(self, run_id: int, pid: int) -> None:
        """Record the process that will execute a queued run, so its death is noticed."""
        with self._db() as db:
            db.execute("UPDATE runs SET pid=? WHERE id=? AND status='queued'", (pid, run_id))

    def start_run(self, run_id: int, pid: int | None = None) -> None:
        """Mark a run as running in process `pid` (this process by default)."""
        with self._db() as db:
            db.execute(
                "UPDATE runs SET status='running', pid=?, started=? WHERE id=?",
                (pid or os.getpid(), now(), run_id),
            )

    def claim_slot(self, run_id: int, max_running: int, pid: int | None = None) -> bool:
        """Start a queued run if fewer than `max_running` run and no older one waits.

        One guarded UPDATE under the write lock, so two processes never both take the
        last free slot; returns whether this run is now running (in process `pid`).

        An older queued run counts only while a process waits for it (its pid is set).

        >>> import tempfile
        >>> ws = Workspace(tempfile.mkdtemp())
        >>> a, b = [ws.create_run("word2vec", {}, None, None) for _ in range(2)]
        >>> for run_id in (a, b):
        ...     ws.set_run_pid(run_id, os.getpid())
        >>> ws.claim_slot(b, 1), ws.claim_slot(a, 1), ws.claim_slot(b, 1)
        (False, True, False)
        >>> ws.queue_position(b), ws.queue_position(a)
        (1, None)
        """
        with self._db() as db:
            cur = db.execute(
                "UPDATE runs SET status='running', pid=?, started=? WHERE id=? AND status='queued'"
                " AND (SELECT COUNT(*) FROM runs WHERE status='running')"
                " + (SELECT COUNT(*) FROM runs WHERE status='queued' AND id<? AND pid IS NOT NULL)"
                " < ?",
                (pid or os.getpid(), now(), run_id, run_id, max_running),
            )
            return cur.rowcount == 1

    def queue_position(self, run_id: int) -> int | None:
        """A queued run's place in the queue (1 = next to start); None when not queued."""
        with self._db(write=False) as db:
            row = db.execute("SELECT status FROM runs WHERE id=?", (run_id,)).fetchone()
            if row is None or row["status"] != "queued":
                return None
            ahead = db.execute(
                "SELECT COUNT(*) FROM runs WHERE status='queued' AND id<? AND pid IS NOT NULL",
                (run_id,),
            ).fetchone()[0]
        return int(ahead) + 1

    def add_progress(self, run_id: int, event: Mapping[str, Any]) -> None:
        """Append one progress event (a trainer's event as a dict) to a run."""
        data = dict(event)
        with self._db() as db:
            seq = db.execute(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM progress WHERE run_id = ?", (run_id,)
            ).fetchone()[0]
            db.execute(
                "INSERT INTO progress (run_id, seq, ts, event) VALUES (?,?,?,?)",
                (run_id, seq, time.time(), json.dumps(_jsonable(data))),
            )

    def finish_run(self, run_id: int, model_id: int, info: Mapping[str, Any]) -> None:
        """Mark a run done, linked to the model it produced."""
        with self._db() as db:
            db.execute(
                "UPDATE runs SET status='done', finished=?, model_id=?, info=?,"
                " model_name=(SELECT name FROM models WHERE id=?) WHERE id=?",
                (now(), model_id, json.dumps(_jsonable(dict(info))), model_id, run_id),
            )

    def fail_run(self, run_id: int, error: str, status: str = "failed") -> None:
        """Mark a run failed (or cancelled) with the message a user will see."""
        if status not in ("failed", "cancelled"):
            raise ValueError(status)
        with self._db() as db:
            db.execute(
                "UPDATE runs SET status=?, finished=?, error=? WHERE id=? AND status IN"
                " ('queued','running')",
                (status, now(), error, run_id),
            )

    def _run_row(self, row: sqlite3.Row) -> RunRecord:
        return RunRecord(
            row["id"],
            row["model_name"],
            row["corpus_id"],
            row["algo"],
            json.loads(row["config"]),
            row["status"],
            row["pid"],
            row["created"],
            row["started"],
            row["finished"],
            row["error"],
            row["model_id"],
            json.loads(row["info"] or "{}"),
        )

    def runs(self) -> list[RunRecord]:
        """Every run, newest first."""
        with self._db(write=False) as db:
            rows = db.execute("SELECT * FROM runs ORDER BY id DESC").fetchall()
        return [self._run_row(r) for r in rows]

    def run(self, run_id: int) -> RunRecord:
        """One run by id."""
        with self._db(write=False) as db:
            row = db.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"No run with id {run_id} in the workspace.")
        return self._run_row(row)

    def progress(self, run_id: int) -> list[dict[str, Any]]:
        """A run's progress events, in order."""
        with self._db(write=False) as db:
            rows = db.execute(
                "SELECT event FROM progress WHERE run_id = ? ORDER BY seq", (run_id,)
            ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def unfinished_runs(self) -> list[tuple[int, int]]:
        """(run id, pid) of the queued or running runs that a process has taken."""
        with self._db(write=False) as db:
            rows = db.execute(
                "SELECT id, pid FROM runs WHERE status IN ('queued', 'running') AND pid IS NOT NULL"
            ).fetchall()
        return [(int(r["id"]), int(r["pid"])) for r in rows]

    def unclaimed_runs(self) -> list[tuple[int, str]]:
        """(run id, created) of the queued runs that no process has taken yet."""
        with self._db(write=False) as db:
            rows = db.execute(
                "SELECT id, created FROM runs WHERE status = 'queued' AND pid IS NULL"
            ).fetchall()
        return [(int(r["id"]), str(r["created"])) for r in rows]

    # --- metrics ------------------------------------------------------------------------
    def save_metrics(self, model: str | int, benchmark: str, result: Mapping[str, Any]) -> None:
        """Store a benchmark result for a model (the latest per benchmark is what shows)."""
        record = self.model(model)
        with self._db() as db:
            db.execute(
                "INSERT INTO metrics (model_id, benchmark, result, created) VALUES (?,?,?,?)",
                (record.id, benchmark, json.dumps(_jsonable(dict(result))), now()),
            )

    def metrics(self, model: str | int) -> dict[str, dict[str, Any]]:
        """The latest result of each benchmark run on a model."""
        record = self.model(model)
        with self._db(write=False) as db:
            rows = db.execute(
                "SELECT benchmark, result FROM metrics WHERE model_id = ? ORDER BY id",
                (record.id,),
            ).fetchall()
        return {r["benchmark"]: json.loads(r["result"]) for r in rows}

    # --- housekeeping -------------------------------------------------------------------
    def collect_garbage(self) -> list[Path]:
        """Remove leftover temp folders and folders no catalog row points to."""
        removed = []
        with self._db() as db:  # the write lock keeps a concurrent add from being swept
            sql = "SELECT path FROM corpora UNION SELECT path FROM models"
            listed = {self.root / r[0] for r in db.execute(sql)}
            for kind in ("corpora", "models"):
                for path in (self.root / kind).iterdir():
                    if path not in listed:
                        shutil.rmtree(path, ignore_errors=True)
                        removed.append(path)
        return removed

    # --- classifications ----------------------------------------------------------------
    def save_classification(
        self, report: Mapping[str, Any], model_id: int | None = None
    ) -> ClassificationRecord:
        """Store a classification report (`ClassificationResult.to_json()`); returns it.

        >>> import tempfile
        >>> ws = Workspace(tempfile.mkdtemp())
        >>> rec = ws.save_classification({"dataset": {"name": "demo"}, "accuracy": 0.8,
        ...     "macro_f1": 0.79, "config": {"features": "tfidf", "classifier": "logreg"}})
        >>> [(r.dataset, r.features, r.accuracy) for r in ws.classifications()]
        [('demo', 'tfidf', 0.8)]
        """
        data = _jsonable(dict(report))
        config, dataset = data.get("config") or {}, data.get("dataset") or {}
        with self._db() as db:
            cur = db.execute(
                "INSERT INTO classifications (dataset, features, classifier, model_id, accuracy,"
                " macro_f1, created, report) VALUES (?,?,?,?,?,?,?,?)",
                (
                    str(dataset.get("name") or "dataset"),
                    str(config.get("features") or ""),
                    str(config.get("classifier") or ""),
                    model_id,
                    float(data["accuracy"]),
                    float(data["macro_f1"]),
                    now(),
                    json.dumps(data, allow_nan=False),
                ),
            )
            new_id = int(cur.lastrowid)
        return self.classification(new_id)

    def _classification_row(self, row: sqlite3.Row) -> ClassificationRecord:
        return ClassificationRecord(
            row["id"],
            row["dataset"],
            row["features"],
            row["classifier"],
            row["model_id"],
            row["accuracy"],
            row["macro_f1"],
            row["created"],
            json.loads(row["report"]),
        )

    def classifications(self) -> list[ClassificationRecord]:
        """Every stored classification result, newest first."""
        with self._db(write=False) as db:
            rows = db.execute("SELECT * FROM classifications ORDER BY id DESC").fetchall()
        return [self._classification_row(r) for r in rows]

    def classification(self, result_id: int) -> ClassificationRecord:
        """One classification result by id."""
        with self._db(write=False) as db:
            row = db.execute("SELECT * FROM classifications WHERE id = ?", (result_id,)).fetchone()
        if row is None:
            raise NotFoundError(
                f"No classification result with id {result_id} in the workspace; "
                "`embedlab classifications` lists them."
            )
        return self._classification_row(row)

    def delete_classification(self, result_id: int) -> None:
        """Remove a stored classification result."""
        self.classification(result_id)
        with self._db() as db:
            db.execute("DELETE FROM classifications WHERE id = ?", (result_id,))

    # --- other analyses (language models, comparisons, saved views) ----------------------
    def add_analysis(self, kind: str, name: str, payload: Mapping[str, Any]) -> AnalysisRecord:
        """Store one analysis result as JSON under a kind ("lm", "compare", ...).

        >>> import tempfile
        >>> ws = Workspace(tempfile.mkdtemp())
        >>> _ = ws.add_analysis("lm", "lee: random vs word2vec", {"test_perplexity": 212.5})
        >>> [(r.kind, r.payload["test_perplexity"]) for r in ws.analyses("lm")]
        [('lm', 212.5)]
        """
        data = json.dumps(_jsonable(dict(payload)), allow_nan=False)
        with self._db() as db:
            cur = db.execute(
                "INSERT INTO analyses (kind, name, created, payload) VALUES (?,?,?,?)",
                (kind, name, now(), data),
            )
            new_id = int(cur.lastrowid)
        return self.analysis(new_id)

    def analyses(self, kind: str | None = None) -> list[AnalysisRecord]:
        """Stored analyses (of one kind), newest first."""
        with self._db(write=False) as db:
            if kind is None:
                rows = db.execute("SELECT * FROM analyses ORDER BY id DESC").fetchall()
            else:
                rows = db.execute(
                    "SELECT * FROM analyses WHERE kind = ? ORDER BY id DESC", (kind,)
                ).fetchall()
        return [_analysis_row(r) for r in rows]

    def analysis(self, analysis_id: int) -> AnalysisRecord:
        """One stored analysis by id."""
        with self._db(write=False) as db:
            row = db.execute("SELECT * FROM analyses WHERE id = ?", (analysis_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"No stored analysis with id {analysis_id} in the workspace.")
        return _analysis_row(row)

    def delete_analysis(self, analysis_id: int) -> None:
        """Remove a stored analysis."""
        self.analysis(analysis_id)
        with self._db() as db:
            db.execute("DELETE FROM analyses WHERE id = ?", (analysis_id,))


def _analysis_row(row: sqlite3.Row) -> AnalysisRecord:
    return AnalysisRecord(
        row["id"], row["kind"], row["name"], row["created"], json.loads(row["payload"])
    )


def _jsonable(value: Any) -> Any:
    """Turn numpy scalars/arrays and paths into JSON-ready values, recursively."""
    import numpy as np

    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, float) and value != value:
        return None
    return value
