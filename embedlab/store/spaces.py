"""Class mode's student spaces: each student works in a sub-workspace of the teacher's.

A space is an ordinary `Workspace` in `<teacher root>/spaces/<name>/` (a `space.json` marks
it). `ClassWorkspace` is a space seen from inside the class: its own corpora, models, runs
and results, plus the teacher's corpora and models listed **read-only**. A teacher's record
has a negative id (`-id` in the teacher's catalog), so ids never collide and `read_only`
tells them apart; deleting or replacing one refuses with one sentence (`PermissionDenied`).
Scores a student computes for a teacher's model stay in the space. Training on a teacher's
corpus first links its files into the space (hard links: no extra disk, never written to).

Names are `space_name`'s: 1-40 lowercase letters, digits, `-` or `_`; anything else (`..`,
`/`, an absolute path, NUL, a long name) is refused with one sentence, so a name never
becomes a path outside `spaces/`. A space is not an account: whoever types its name uses it.

>>> import tempfile, numpy as np
>>> from embedlab.embeddings import Embeddings
>>> teacher = Workspace(tempfile.mkdtemp())
>>> _ = teacher.add_model(Embeddings(["a", "b"], np.eye(2)), name="shared")
>>> alice = ClassWorkspace(teacher, "Alice")
>>> _ = alice.add_model(Embeddings(["c", "d"], np.eye(2)), name="mine")
>>> [(m.name, read_only(m)) for m in alice.models()]
[('mine', False), ('shared', True)]
>>> alice.delete_model("shared")
Traceback (most recent call last):
...
embedlab.errors.PermissionDenied: 'shared' is the teacher's model: a student space can use it but not delete or replace it; ask the teacher, or choose another name.
>>> [m.name for m in ClassWorkspace(teacher, "bob").models()]
['shared']
"""  # noqa: E501 - one sentence

from __future__ import annotations

import dataclasses
import fcntl
import json
import os
import re
import shutil
import sqlite3
import threading
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from embedlab import limits
from embedlab.errors import InputError, NotFoundError, PermissionDenied
from embedlab.store.records import CorpusRecord, ModelRecord, check_name, now
from embedlab.store.workspace import DEFAULT_HOME, Workspace, _jsonable

if TYPE_CHECKING:
    from embedlab.embeddings import Embeddings

SPACES = "spaces"
"""The folder of the teacher's workspace that holds the student spaces."""
MARKER = "space.json"
MAX_NAME = 40
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")
_LOCK = ".queue.lock"
_TEACHER_METRICS = """
CREATE TABLE IF NOT EXISTS teacher_metrics (
    id INTEGER PRIMARY KEY,
    model_name TEXT NOT NULL,
    benchmark TEXT NOT NULL,
    result TEXT NOT NULL,
    created TEXT NOT NULL
);
"""


def space_name(raw: str) -> str:
    """A usable space name (lowercased), or InputError with one sentence.

    >>> space_name(" Alice "), space_name("group_2-b")
    ('alice', 'group_2-b')
    >>> space_name("../teacher")
    Traceback (most recent call last):
    ...
    embedlab.errors.InputError: The space name '../teacher' is not usable; use 1 to 40 letters, digits, '-' or '_', starting with a letter or digit, such as 'alice'.
    """  # noqa: E501 - one sentence
    name = str(raw or "").strip().lower()
    if not name:
        raise InputError("The space name is empty; type a name such as 'alice'.")
    if len(name) > MAX_NAME or not _NAME.fullmatch(name):
        shown = repr(str(raw)[:MAX_NAME] + ("…" if len(str(raw)) > MAX_NAME else ""))
        raise InputError(
            f"The space name {shown} is not usable; use 1 to {MAX_NAME} letters, digits, '-' or "
            "'_', starting with a letter or digit, such as 'alice'."
        )
    return name


def anonymous_name() -> str:
    """A fresh name for a session whose student typed none: `anon-` and 8 random hex digits.

    >>> name = anonymous_name()
    >>> name.startswith("anon-") and space_name(name) == name
    True
    """
    return f"anon-{uuid.uuid4().hex[:8]}"


def space_root(teacher_root: str | os.PathLike, name: str) -> Path:
    """The folder of space `name` in the teacher's workspace (checked; not created)."""
    folder = Path(teacher_root).resolve() / SPACES
    root = folder / space_name(name)
    if root.parent != folder:  # cannot happen after space_name; kept as the last guard
        raise InputError(f"The space name '{name}' is not usable; choose another.")
    return root


def is_space(root: str | os.PathLike) -> bool:
    """Whether `root` is a student space (a marked folder inside a `spaces/` folder)."""
    path = Path(root)
    return path.parent.name == SPACES and (path / MARKER).is_file()


def class_place(root: str | os.PathLike) -> tuple[Path, str] | None:
    """(the teacher's root, the space name) for a workspace in a class: a space, or the
    teacher's own workspace once it has spaces (name ""); None outside class mode.

    >>> import tempfile
    >>> class_place(tempfile.mkdtemp()) is None
    True
    """
    path = Path(root).resolve()
    if is_space(path):
        return path.parent.parent, path.name
    if (path / SPACES).is_dir():
        return path, ""
    return None


def read_only(record: ModelRecord | CorpusRecord) -> bool:
    """Whether a record listed in a space is the teacher's (read-only there)."""
    return record.id < 0


def open_workspace(home: str | os.PathLike | None = None, space: str | None = None) -> Workspace:
    """The workspace a command works in: `home` (default $EMBEDLAB_HOME or ./.embedlab), or
    its student space `space`. A `home` that is itself a space opens as that space.

    >>> import tempfile
    >>> type(open_workspace(tempfile.mkdtemp())).__name__
    'Workspace'
    """
    root = Path(home or os.environ.get("EMBEDLAB_HOME") or DEFAULT_HOME).resolve()
    if is_space(root):
        if space:
            raise InputError(
                f"{root} is a student space already; give the teacher's workspace with --space, "
                "or leave --space out."
            )
        return ClassWorkspace(root.parent.parent, root.name)
    if space:
        return ClassWorkspace(root, space)
    return Workspace(root)


def disk_usage(root: str | os.PathLike) -> int:
    """Bytes the files under `root` fill, not counting `tmp/` or files shared by hard link
    with the teacher's workspace (a teacher's corpus a student trained on)."""
    total = 0
    for folder, dirs, files in os.walk(root):
        if Path(folder) == Path(root):
            dirs[:] = [d for d in dirs if d != "tmp"]
        for name in files:
            try:
                st = os.lstat(os.path.join(folder, name))
            except OSError:
                continue
            if st.st_nlink <= 1:
                total += st.st_size
    return total


def _tree_size(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


class ClassWorkspace(Workspace):
    """A student space with the teacher's corpora and models listed read-only beside its own.

    Everything it writes (uploads, models, runs, scores, classifications) goes to the space;
    the teacher's catalog is only read. Disk use is capped by `limits.SPACE_MAX_MB`.
    """

    def __init__(self, teacher: Workspace | str | os.PathLike, name: str) -> None:
        self.teacher = teacher if isinstance(teacher, Workspace) else Workspace(teacher)
        self.space = space_name(name)
        self._local = threading.local()  # .adopting: placing a teacher's corpus under its name
        self._create(space_root(self.teacher.root, self.space))

    def _create(self, root: Path) -> None:
        super().__init__(root)
        marker = self.root / MARKER
        if not marker.is_file():
            tmp = self.root / f".{MARKER}.{uuid.uuid4().hex}"
            tmp.write_text(json.dumps({"name": self.space, "created": now()}) + "\n")
            os.replace(tmp, marker)
        with super()._db() as db:
            db.execute(_TEACHER_METRICS)

    def __repr__(self) -> str:
        return f"ClassWorkspace({str(self.teacher.root)!r}, {self.space!r})"

    @contextmanager
    def _db(self, write: bool = True) -> Iterator[sqlite3.Connection]:
        if not self.catalog.exists():  # the teacher cleared this space: start it afresh
            self._create(self.root)
        with super()._db(write) as db:
            yield db

    # --- names --------------------------------------------------------------------------
    def _teacher_names(self, table: str) -> set[str]:
        listed = self.teacher.models() if table == "models" else self.teacher.corpora()
        return {r.name for r in listed}

    def _check_free(self, table: str, name: str, db: sqlite3.Connection | None = None) -> None:
        super()._check_free(table, name, db)
        if getattr(self._local, "adopting", False) or name not in self._teacher_names(table):
            return
        kind = "model" if table == "models" else "corpus"
        raise PermissionDenied(_teacher_sentence(kind, name))

    def _unique_name(self, db: sqlite3.Connection, table: str, base: str) -> str:
        base = check_name(base)
        sql = f"SELECT name FROM {table}"  # noqa: S608 - fixed names
        taken = {r[0] for r in db.execute(sql)} | self._teacher_names(table)
        if base not in taken:
            return base
        n = 2
        while f"{base}-{n}" in taken:
            n += 1
        return f"{base}-{n}"

    def _check_room(self, extra: int) -> None:
        """Refuse a write that would take the space over `limits.SPACE_MAX_MB`."""
        limit = limits.SPACE_MAX_MB.value()
        used = disk_usage(self.root)
        if used + extra > limit * 1024**2:
            need, most = (used + extra) / 1024**2, limits.SPACE_MAX_MB.describe(limit)
            raise InputError(
                f"This space would fill {need:,.0f} MB, over its {most}"
                f" ({limits.SPACE_MAX_MB.env}); delete a model or corpus you no longer need, or "
                "ask the teacher to raise the limit."
            )

    # --- corpora ------------------------------------------------------------------------
    def corpora(self) -> list[CorpusRecord]:
        """The space's corpora, newest first, then the teacher's (read-only) it does not shadow."""
        own = super().corpora()
        names = {c.name for c in own}
        theirs = [_teacher_corpus(c) for c in self.teacher.corpora() if c.name not in names]
        return own + theirs

    def corpus(self, key: str | int) -> CorpusRecord:
        """A corpus by name or id: the space's own first, then the teacher's."""
        if isinstance(key, int) and key < 0:
            return _teacher_corpus(self.teacher.corpus(-key))
        try:
            return super().corpus(key)
        except NotFoundError:
            if isinstance(key, int):
                raise
        try:
            return _teacher_corpus(self.teacher.corpus(key))
        except NotFoundError:
            raise NotFoundError(
                f"No corpus named '{key}' in this space or the teacher's workspace; "
                "`embedlab corpora` lists them."
            ) from None

    def place_corpus(
        self, folder: Path, *, name: str | None, base: str, source: str, stats: Mapping[str, Any]
    ) -> CorpusRecord:
        """Place a corpus in the space (refused over its disk limit or under a teacher's name)."""
        if not getattr(self._local, "adopting", False):
            self._check_room(_tree_size(Path(folder)))
        return super().place_corpus(folder, name=name, base=base, source=source, stats=stats)

    def delete_corpus(self, key: str | int) -> None:
        """Delete one of the space's corpora; a teacher's corpus is refused."""
        record = self.corpus(key)
        if read_only(record):
            raise PermissionDenied(_teacher_sentence("corpus", record.name))
        super().delete_corpus(record.id)

    def _adopt(self, teacher_id: int) -> CorpusRecord:
        """The teacher's corpus as one of the space's (its files linked in), to train on."""
        theirs = self.teacher.corpus(teacher_id)
        for own in super().corpora():
            if own.name == theirs.name:
                return own
        tmp = self.tmp_dir()
        try:
            shutil.copytree(theirs.path, tmp / "corpus", copy_function=_link_or_copy)
            self._local.adopting = True
            try:
                return super().place_corpus(
                    tmp / "corpus",
                    name=theirs.name,
                    base=theirs.name,
                    source=theirs.source,
                    stats=theirs.stats,
                )
            except InputError:  # another tab of this space adopted it a moment ago
                return super().corpus(theirs.name)
            finally:
                self._local.adopting = False
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    # --- models -------------------------------------------------------------------------
    def models(self) -> list[ModelRecord]:
        """The space's models, newest first, then the teacher's (read-only) it does not shadow."""
        own = super().models()
        names = {m.name for m in own}
        return own + [_teacher_model(m) for m in self.teacher.models() if m.name not in names]

    def model(self, key: str | int) -> ModelRecord:
        """A model by name or id: the space's own first, then the teacher's."""
        if isinstance(key, int) and key < 0:
            return _teacher_model(self.teacher.model(-key))
        try:
            return super().model(key)
        except NotFoundError:
            if isinstance(key, int):
                raise
        try:
            return _teacher_model(self.teacher.model(key))
        except NotFoundError:
            raise NotFoundError(
                f"No model named '{key}' in this space or the teacher's workspace; "
                "`embedlab models` lists them."
            ) from None

    def add_model(
        self,
        emb: Embeddings,
        name: str | None = None,
        *,
        corpus_id: int | None = None,
        run_id: int | None = None,
    ) -> ModelRecord:
        """Save a model in the space (refused over its disk limit or under a teacher's name)."""
        self._check_room(int(emb.vectors.nbytes) + 16 * len(emb))
        if corpus_id is not None and corpus_id < 0:
            corpus_id = None
        return super().add_model(emb, name, corpus_id=corpus_id, run_id=run_id)

    def delete_model(self, key: str | int) -> None:
        """Delete one of the space's models; a teacher's model is refused."""
        record = self.model(key)
        if read_only(record):
            raise PermissionDenied(_teacher_sentence("model", record.name))
        super().delete_model(record.id)

    def save_metrics(self, model: str | int, benchmark: str, result: Mapping[str, Any]) -> None:
        """Store a score; a teacher's model's scores stay in this space."""
        record = self.model(model)
        if not read_only(record):
            super().save_metrics(record.id, benchmark, result)
            return
        with self._db() as db:
            db.execute(
                "INSERT INTO teacher_metrics (model_name, benchmark, result, created)"
                " VALUES (?,?,?,?)",
                (record.name, benchmark, json.dumps(_jsonable(dict(result))), now()),
            )

    def metrics(self, model: str | int) -> dict[str, dict[str, Any]]:
        """The latest score per benchmark; for a teacher's model, the teacher's scores with
        the ones computed in this space on top."""
        record = self.model(model)
        if not read_only(record):
            return super().metrics(record.id)
        found = self.teacher.metrics(-record.id)
        with self._db(write=False) as db:
            rows = db.execute(
                "SELECT benchmark, result FROM teacher_metrics WHERE model_name = ? ORDER BY id",
                (record.name,),
            ).fetchall()
        return found | {r["benchmark"]: json.loads(r["result"]) for r in rows}

    # --- runs and results ----------------------------------------------------------------
    def create_run(
        self, algo: str, config: Mapping[str, Any], corpus_id: int | None, model_name: str | None
    ) -> int:
        """A queued run in the space; a teacher's corpus (negative id) is linked in first."""
        if corpus_id is not None and corpus_id < 0:
            corpus_id = self._adopt(-corpus_id).id
        return super().create_run(algo, config, corpus_id, model_name)

    def save_classification(self, report: Mapping[str, Any], model_id: int | None = None):  # noqa: ANN201
        """Store a classification result in the space (a teacher's model is named in the
        report, not linked)."""
        if model_id is not None and model_id < 0:
            model_id = None
        return super().save_classification(report, model_id=model_id)


def _teacher_sentence(kind: str, name: str) -> str:
    return (
        f"'{name}' is the teacher's {kind}: a student space can use it but not delete or "
        "replace it; ask the teacher, or choose another name."
    )


def _teacher_model(record: ModelRecord) -> ModelRecord:
    meta = {**record.meta, "read_only": True, "owner": "teacher"}
    corpus_id = -record.corpus_id if record.corpus_id is not None else None
    return dataclasses.replace(record, id=-record.id, corpus_id=corpus_id, run_id=None, meta=meta)


def _teacher_corpus(record: CorpusRecord) -> CorpusRecord:
    return dataclasses.replace(record, id=-record.id)


# --- the class as a whole: its spaces, the teacher's admin, the shared queue ---------------
@dataclass(frozen=True)
class SpaceInfo:
    """One student space: its name, folder, disk use and what it holds."""

    name: str
    root: Path
    bytes: int
    corpora: int
    models: int
    active_runs: int


def list_spaces(teacher_root: str | os.PathLike) -> list[SpaceInfo]:
    """Every student space of a class, by name.

    >>> import tempfile
    >>> root = tempfile.mkdtemp()
    >>> _ = ClassWorkspace(root, "bob"), ClassWorkspace(root, "alice")
    >>> [(s.name, s.models, s.active_runs) for s in list_spaces(root)]
    [('alice', 0, 0), ('bob', 0, 0)]
    """
    folder = Path(teacher_root).resolve() / SPACES
    found = []
    for root in sorted(folder.iterdir()) if folder.is_dir() else []:
        if not (root.is_dir() and is_space(root)):
            continue
        ws = Workspace(root)
        active = sum(r.status in ("queued", "running") for r in ws.runs())
        found.append(
            SpaceInfo(
                root.name, root, disk_usage(root), len(ws.corpora()), len(ws.models()), active
            )
        )
    return found


def clear_space(teacher_root: str | os.PathLike, name: str) -> SpaceInfo:
    """Remove a student space with everything in it (the teacher's action); refused while one
    of its runs is queued or running. Returns what it held.
    """
    root = space_root(teacher_root, name)
    info = next((s for s in list_spaces(teacher_root) if s.root == root), None)
    if info is None:
        raise NotFoundError(f"No space named '{name}' in this class; `embedlab spaces` lists them.")
    if info.active_runs:
        raise InputError(
            f"The space '{info.name}' has a training run going; cancel it (or wait) first."
        )
    trash = Path(teacher_root).resolve() / "tmp" / f"cleared-{info.name}-{uuid.uuid4().hex[:8]}"
    trash.parent.mkdir(parents=True, exist_ok=True)
    os.replace(root, trash)  # gone from the listing at once; the files go next
    shutil.rmtree(trash, ignore_errors=True)
    return info


@dataclass(frozen=True)
class QueueRow:
    """A run that a process has taken (queued or running), in one of the class's catalogs."""

    space: str  # "" for the teacher's own workspace
    root: Path
    run_id: int
    status: str
    pid: int
    created: str


def queue_rows(teacher_root: str | os.PathLike) -> list[QueueRow]:
    """The queued and running runs (with a process) of the teacher and of every space."""
    teacher = Path(teacher_root).resolve()
    folder = teacher / SPACES
    roots = [("", teacher)]
    if folder.is_dir():
        roots += [(p.name, p) for p in sorted(folder.iterdir()) if p.is_dir() and is_space(p)]
    rows: list[QueueRow] = []
    for space, root in roots:
        catalog = root / "catalog.sqlite"
        if not catalog.exists():
            continue
        db = sqlite3.connect(catalog, timeout=30.0)
        try:
            db.execute("PRAGMA busy_timeout = 30000")
            found = db.execute(
                "SELECT id, status, pid, created FROM runs"
                " WHERE status IN ('queued', 'running') AND pid IS NOT NULL"
            ).fetchall()
        except sqlite3.OperationalError:  # a space being created or cleared right now
            found = []
        finally:
            db.close()
        rows += [QueueRow(space, root, int(i), s, int(p), c) for i, s, p, c in found]
    return rows


@contextmanager
def queue_lock(teacher_root: str | os.PathLike) -> Iterator[None]:
    """Hold the class's queue lock (a file lock): one claim at a time across all catalogs."""
    folder = Path(teacher_root).resolve() / SPACES
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / _LOCK, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
