"""Search documents by meaning: one query, the top-k passages of a corpus under four methods.

- `minilm`: the sentence encoder's unit vectors (all-MiniLM-L6-v2), cosine, exact search
  with `embedlab.search.ExactIndex` on the chosen device;
- `sif`: a word-vector model's vectors pooled with smooth inverse frequency weights
  (a / (a + p(w)), p from the passages) and the passages' first principal direction
  removed, cosine, same exact search (needs an `Embeddings`);
- `tfidf`: term counts × smooth IDF, rows L2-normalised, cosine with the query's;
- `bm25`: Okapi BM25 (k1 = 1.5, b = 0.75, Lucene's non-negative IDF), on scipy.sparse.
  rank_bm25 was not used: it scores with a Python loop over every passage per query term
  and keeps one dict per passage, which does not reach a million passages.

The passages are the lines of a corpus folder's corpus.txt (one sentence per line; the
folder keeps no document boundaries), read back by byte offset so they are never held in
memory, or a list of texts. What a method computes from them is built once and cached in a
folder the caller gives, keyed by the passages' content hash and the method (and, for sif,
the model): ``<hash>-minilm.npy``, ``<hash>-sif-<model>.npy`` (+ ``.params.npz``) and
``<hash>-terms.npz`` for tfidf and bm25 (term counts; the weights take a second to derive).
Everything is written in chunks and read with ``allow_pickle=False``; dense vectors bigger
than `RESIDENT_BYTES` stay memory-mapped and are scanned shard by shard at each query.

>>> passages = Passages.from_texts(["the river bank was muddy", "the bank raised its rates",
...                                 "a quiet walk by the river"])
>>> index = build_index(passages, "bm25")
>>> [hit.index for hit in index.search("river bank").hits]
[0, 1, 2]
>>> index.search("river bank").hits[0].matched
('river', 'bank')
"""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from embedlab.errors import InputError
from embedlab.limits import MAX_SEARCH_PASSAGES

if TYPE_CHECKING:
    from scipy import sparse

    from embedlab.embeddings import Embeddings
    from embedlab.ingest.tokenize import TokenizeOptions
    from embedlab.search import ExactIndex

METHODS: dict[str, str] = {
    "minilm": "MiniLM sentence encoder",
    "sif": "SIF word vectors",
    "tfidf": "TF-IDF",
    "bm25": "BM25",
}
"""Method key → its name on the page."""
SCORES: dict[str, str] = {
    "minilm": "cosine",
    "sif": "cosine",
    "tfidf": "cosine",
    "bm25": "BM25 score",
}
MAX_QUERY_CHARS = 1_000
MAX_K = 100
CHUNK = 8_192  # passages per encoded, pooled or counted piece (and per progress event)
RESIDENT_BYTES = 1 << 30  # dense vectors up to this size are kept in the index
SHARD_ROWS = 131_072  # rows per shard when they are scanned from disk
SIF_A = 1e-3
BM25_K1 = 1.5
BM25_B = 0.75

ProgressFn = Callable[["SearchEvent"], None]


@dataclass(frozen=True)
class SearchEvent:
    """Progress while an index is built: `stage` is reading, encoding, pooling, counting,
    loading or done; `done` of `total` passages."""

    stage: str
    done: int
    total: int

    @property
    def fraction(self) -> float:
        return min(1.0, self.done / self.total) if self.total else 1.0

    def text(self) -> str:
        """'encoding: 8,192 of 10,662 passages'."""
        return f"{self.stage}: {self.done:,} of {self.total:,} passages"


# --- passages -----------------------------------------------------------------------------------
class Passages:
    """The texts a search runs over: a corpus file's lines (read back by byte offset, never
    held whole) or a list of texts. `key` is a hash of the content.

    >>> p = Passages.from_texts(["One cat.", "Two dogs!"])
    >>> len(p), p.text(1), p.tokens(p.text(1))
    (2, 'Two dogs!', ['two', 'dogs'])
    """

    def __init__(
        self,
        name: str,
        key: str,
        count: int,
        *,
        texts: Sequence[str] | None = None,
        path: Path | None = None,
        offsets: np.ndarray | None = None,
        options: TokenizeOptions | None = None,
    ) -> None:
        from embedlab.ingest.tokenize import TokenizeOptions

        self.name, self.key, self._count = name, key, count
        self._texts = None if texts is None else list(texts)
        self._path, self._offsets = path, offsets
        self.options = options or TokenizeOptions()

    @classmethod
    def from_texts(cls, texts: Sequence[str], name: str = "texts") -> Passages:
        """Passages from a list of texts (tokenised with the default options)."""
        if isinstance(texts, str):
            raise InputError("Pass a list of texts, not one string.")
        texts = [str(t) for t in texts]
        _check_count(len(texts), name)
        digest = hashlib.sha256()
        for text in texts:
            raw = text.encode("utf-8", "surrogatepass")
            digest.update(len(raw).to_bytes(8, "little") + raw)
        return cls(name, digest.hexdigest()[:24], len(texts), texts=texts)

    @classmethod
    def from_corpus(cls, corpus: str | os.PathLike[str], name: str | None = None) -> Passages:
        """The lines of a corpus folder's corpus.txt (one pass: hash and line offsets)."""
        from embedlab.ingest.corpus import corpus_file, read_stats
        from embedlab.ingest.tokenize import TokenizeOptions

        path = corpus_file(corpus)
        if not path.is_file():
            raise InputError(f"There is no corpus at '{path.parent}'; ingest a corpus there first.")
        digest = hashlib.sha256()
        starts: list[int] = []
        limit = MAX_SEARCH_PASSAGES.value()
        position = 0
        with open(path, "rb") as lines:
            for line in lines:
                if line.strip():
                    starts.append(position)
                    if len(starts) > limit:
                        _check_count(len(starts), path.parent.name)
                position += len(line)
                digest.update(line)
        try:  # the query is tokenised as the corpus was (lower-casing, punctuation...)
            options = TokenizeOptions.from_dict(read_stats(path.parent).extra.get("options", {}))
        except Exception:  # noqa: BLE001 - a corpus.txt without its stats: the defaults
            options = TokenizeOptions()
        return cls(
            name or path.parent.name,
            digest.hexdigest()[:24],
            len(starts),
            path=path,
            offsets=np.array(starts, dtype=np.int64),
            options=options,
        )

    def __len__(self) -> int:
        return self._count

    def __repr__(self) -> str:
        return f"Passages({self.name!r}, {self._count:,} passages)"

    def text(self, i: int) -> str:
        """Passage i."""
        if self._texts is not None:
            return self._texts[i]
        assert self._path is not None and self._offsets is not None
        with open(self._path, "rb") as fh:
            fh.seek(int(self._offsets[i]))
            return fh.readline().decode("utf-8").strip()

    def chunks(self, size: int = CHUNK) -> Iterator[list[str]]:
        """The passages in order, `size` at a time (a corpus is streamed)."""
        if self._texts is not None:
            for start in range(0, len(self._texts), size):
                yield self._texts[start : start + size]
            return
        assert self._path is not None
        chunk: list[str] = []
        with open(self._path, encoding="utf-8", newline="\n") as lines:
            for line in lines:
                line = line.strip()
                if line:
                    chunk.append(line)
                    if len(chunk) == size:
                        yield chunk
                        chunk = []
        if chunk:
            yield chunk

    def tokens(self, text: str) -> list[str]:
        """The tokens of a passage (a corpus line is tokenised already: split at spaces)."""
        if self._texts is None:
            return text.split()
        return self.query_tokens(text)

    def query_tokens(self, query: str) -> list[str]:
        """The tokens of a query, tokenised as the passages were."""
        from embedlab.ingest.tokenize import tokenizer

        return tokenizer(self.options)(query)


def _check_count(n: int, name: str) -> None:
    if n == 0:
        raise InputError(f"'{name}' has no passages to search; give some text.")
    limit = MAX_SEARCH_PASSAGES.value()
    if n > limit:
        raise InputError(
            f"'{name}' has more than {MAX_SEARCH_PASSAGES.describe(limit)} to search; use a "
            f"smaller corpus or raise {MAX_SEARCH_PASSAGES.env}."
        )


# --- results ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Hit:
    """One passage found: its rank (1 = best), row, text, score and the query terms in it."""

    rank: int
    index: int
    text: str
    score: float
    matched: tuple[str, ...]


@dataclass(frozen=True)
class SearchResult:
    """The top passages for a query under one method; `terms` are the query's words to
    highlight (without stop words), `seconds` the query's latency."""

    query: str
    method: str
    hits: tuple[Hit, ...]
    terms: tuple[str, ...]
    seconds: float
    passages: int
    note: str | None = None

    @property
    def score_label(self) -> str:
        return SCORES[self.method]


def check_query(query: str) -> str:
    """The query, stripped; an InputError when empty or too long.

    >>> check_query("  river bank ")
    'river bank'
    """
    query = (query or "").strip()
    if not query:
        raise InputError("The query is empty; type a few words to search for.")
    if len(query) > MAX_QUERY_CHARS:
        raise InputError(
            f"The query is {len(query):,} characters long; shorten it to at most "
            f"{MAX_QUERY_CHARS:,}."
        )
    return query


def check_method(method: str) -> str:
    if method not in METHODS:
        raise InputError(f"Unknown search method '{method}'; choose one of {', '.join(METHODS)}.")
    return method


# --- the index ----------------------------------------------------------------------------------
@dataclass
class SearchIndex:
    """What `build_index` made for one method over `passages`; `search` answers queries.

    `info` says whether the cache was used, the seconds spent building and the files.
    """

    method: str
    passages: Passages
    info: dict[str, Any]
    _dense: np.ndarray | None = field(default=None, repr=False)
    _shards: list[ExactIndex] | None = field(default=None, repr=False)
    _weights: sparse.csc_matrix | None = field(default=None, repr=False)
    _vocab: dict[str, int] | None = field(default=None, repr=False)
    _query_idf: np.ndarray | None = field(default=None, repr=False)
    _sif: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)
    _emb: Embeddings | None = field(default=None, repr=False)
    device: str = "cpu"

    def __len__(self) -> int:
        return len(self.passages)

    def search(self, query: str, k: int = 10) -> SearchResult:
        """The top-k passages for `query`, best first, with their scores."""
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS as stop

        from embedlab.checks import positive_int

        query = check_query(query)
        k = int(positive_int(k, "k", maximum=MAX_K))  # type: ignore[arg-type]
        start = time.perf_counter()
        tokens = self.passages.query_tokens(query)
        terms = tuple(dict.fromkeys(t for t in tokens if t.lower() not in stop))
        note = None
        if self.method in ("tfidf", "bm25"):
            ids, scores = self._sparse_top(tokens, k)
            if not len(ids):
                note = "No passage contains any word of the query."
        else:
            vector = self._query_vector(query, tokens)
            if vector is None:
                ids, scores = np.zeros(0, np.int64), np.zeros(0, np.float32)
                note = f"None of the query's words is in the model '{self._model_name()}'."
            else:
                ids, scores = self._dense_top(vector, k)
        seconds = time.perf_counter() - start
        hits = []
        for rank, (i, s) in enumerate(zip(ids.tolist(), scores.tolist(), strict=True), 1):
            text = self.passages.text(i)
            words = {t.lower() for t in self.passages.tokens(text)}
            matched = tuple(t for t in terms if t.lower() in words)
            hits.append(Hit(rank, int(i), text, float(s), matched))
        return SearchResult(
            query, self.method, tuple(hits), terms, seconds, len(self.passages), note
        )

    def _model_name(self) -> str:
        return self._emb.name if self._emb is not None else "?"

    # dense: minilm and sif
    def _query_vector(self, query: str, tokens: list[str]) -> np.ndarray | None:
        if self.method == "minilm":
            from embedlab.analysis import encoders

            return encoders.encode([query], self.device)[0]
        assert self._sif is not None and self._emb is not None
        weights, u = self._sif
        index = self._emb.key_to_index
        ids = [index[t] for t in tokens if t in index]
        if not ids:
            return None
        vec = (weights[ids, None] * self._emb.vectors[ids]).sum(axis=0) / len(tokens)
        vec = vec - (vec @ u) * u
        return vec.astype(np.float32)

    def _dense_top(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        from embedlab.search import ExactIndex

        assert self._dense is not None
        if self._shards is not None:  # kept in memory (or on the device)
            pairs = [(s.search(vector[None, :], k), o) for s, o in self._shards_with_offsets()]
        else:  # scanned from the memory-mapped cache, one shard at a time
            pairs = []
            for start in range(0, len(self._dense), SHARD_ROWS):
                shard = ExactIndex(self._dense[start : start + SHARD_ROWS], device=self.device)
                pairs.append((shard.search(vector[None, :], k), start))
        ids = np.concatenate([r[0][0] + o for r, o in pairs])
        scores = np.concatenate([r[1][0] for r, _ in pairs])
        order = np.argsort(-scores, kind="stable")[:k]
        return ids[order], scores[order]

    def _shards_with_offsets(self) -> Iterator[tuple[ExactIndex, int]]:
        assert self._shards is not None
        offset = 0
        for shard in self._shards:
            yield shard, offset
            offset += len(shard)

    # sparse: tfidf and bm25
    def _sparse_top(self, tokens: list[str], k: int) -> tuple[np.ndarray, np.ndarray]:
        assert self._weights is not None and self._vocab is not None
        counts: dict[int, float] = {}
        for t in tokens:
            j = self._vocab.get(t)
            if j is not None:
                counts[j] = counts.get(j, 0.0) + 1.0
        if not counts:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        cols = np.fromiter(counts, np.int64)
        q = np.fromiter(counts.values(), np.float64)
        if self.method == "tfidf":
            assert self._query_idf is not None
            q = q * self._query_idf[cols]
            q /= max(float(np.linalg.norm(q)), 1e-12)
        scores = np.asarray(self._weights[:, cols] @ q).ravel()
        positive = np.flatnonzero(scores > 0)
        if len(positive) > k:
            part = np.argpartition(-scores[positive], k - 1)[:k]
            positive = positive[part]
        order = positive[np.lexsort((positive, -scores[positive]))]
        return order.astype(np.int64), scores[order].astype(np.float32)


# --- building -----------------------------------------------------------------------------------
def model_fingerprint(emb: Embeddings) -> str:
    """A short hash of a model's words, shape and a sample of its rows (for cache names).

    >>> from embedlab.embeddings import Embeddings
    >>> len(model_fingerprint(Embeddings(["a", "b"], np.eye(2))))
    12
    """
    digest = hashlib.sha256(f"{emb.shape}".encode())
    for word in emb.words:
        digest.update(word.encode("utf-8", "surrogatepass") + b"\n")
    step = max(1, len(emb) // 4096)
    digest.update(np.ascontiguousarray(emb.vectors[::step], dtype=np.float32).tobytes())
    return digest.hexdigest()[:12]


def cache_files(
    passages: Passages, method: str, cache_dir: str | os.PathLike[str], emb: Embeddings | None
) -> list[Path]:
    """The files a method's index is cached in (all must exist for a cache hit)."""
    folder = Path(cache_dir)
    if method == "minilm":
        return [folder / f"{passages.key}-minilm.npy"]
    if method == "sif":
        if emb is None:
            raise InputError("SIF search needs word vectors; choose a model.")
        stem = f"{passages.key}-sif-{model_fingerprint(emb)}"
        return [folder / f"{stem}.npy", folder / f"{stem}.params.npz"]
    return [folder / f"{passages.key}-terms.npz"]


def is_cached(
    passages: Passages,
    method: str,
    cache_dir: str | os.PathLike[str] | None,
    emb: Embeddings | None = None,
) -> bool:
    """Whether `build_index` would only read the cache (seconds at most)."""
    if cache_dir is None:
        return False
    return all(f.is_file() for f in cache_files(passages, check_method(method), cache_dir, emb))


def build_index(
    passages: Passages,
    method: str = "minilm",
    cache_dir: str | os.PathLike[str] | None = None,
    *,
    emb: Embeddings | None = None,
    device: str | None = None,
    on_progress: ProgressFn | None = None,
) -> SearchIndex:
    """The search index of `passages` for `method`: read from `cache_dir` when it holds
    it, else built (in chunks, reporting `SearchEvent`s) and written there. Without a
    `cache_dir` nothing is written."""
    from embedlab.device import resolve_device

    check_method(method)
    _check_count(len(passages), passages.name)
    if method == "sif" and emb is None:
        raise InputError("SIF search needs word vectors; choose a model.")
    device = resolve_device(device)
    report = on_progress or (lambda event: None)
    files = cache_files(passages, method, cache_dir, emb) if cache_dir is not None else []
    cached = bool(files) and all(f.is_file() for f in files)
    start = time.perf_counter()
    index = SearchIndex(method, passages, {}, device=device, _emb=emb)
    if cached:
        report(SearchEvent("loading", 0, len(passages)))
        try:
            _load(index, files)
        except (OSError, ValueError, KeyError):  # a damaged cache is rebuilt
            cached = False
    if not cached:
        _build(index, files, report)
    if index._dense is not None and index._dense.nbytes * 2 <= RESIDENT_BYTES:
        from embedlab.search import ExactIndex

        dense = np.asarray(index._dense)
        index._shards = [
            ExactIndex(dense[s : s + SHARD_ROWS], device=device)
            for s in range(0, len(dense), SHARD_ROWS)
        ]
    index.info = {
        "cached": cached,
        "seconds": time.perf_counter() - start,
        "device": device,
        "files": [str(f) for f in files],
        "passages": len(passages),
    }
    report(SearchEvent("done", len(passages), len(passages)))
    return index


def _load(index: SearchIndex, files: list[Path]) -> None:
    n = len(index.passages)
    if index.method in ("minilm", "sif"):
        dense = np.load(files[0], mmap_mode="r", allow_pickle=False)
        if dense.ndim != 2 or dense.shape[0] != n:
            raise ValueError("stale cache")
        index._dense = dense
        if index.method == "sif":
            with np.load(files[1], allow_pickle=False) as params:
                index._sif = (params["weights"], params["u"])
        return
    with np.load(files[0], allow_pickle=False) as data:
        counts, vocab = _terms_from_arrays(data, n)
    _set_weights(index, counts, vocab)


def _build(index: SearchIndex, files: list[Path], report: ProgressFn) -> None:
    if index.method == "minilm":
        index._dense = _encode(index, files[0] if files else None, report)
    elif index.method == "sif":
        index._dense, index._sif = _sif(index, files, report)
    else:
        counts, vocab = _count_terms(index.passages, report)
        if files:
            _save_terms(files[0], counts, vocab)
        _set_weights(index, counts, vocab)


def _new_array(path: Path | None, shape: tuple[int, int]) -> tuple[np.ndarray, Path | None]:
    """An array to fill: a .npy memory map beside `path` (renamed into place when done)."""
    if path is None:
        return np.zeros(shape, dtype=np.float32), None
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{uuid.uuid4().hex}.npy")
    return np.lib.format.open_memmap(tmp, mode="w+", dtype=np.float32, shape=shape), tmp


def _place(array: np.ndarray, tmp: Path | None, path: Path | None) -> np.ndarray:
    """Flush a filled memory map into `path` and reopen it read-only."""
    if tmp is None or path is None:
        return array
    array.flush()  # type: ignore[attr-defined]
    del array
    os.replace(tmp, path)
    return np.load(path, mmap_mode="r", allow_pickle=False)


def _encode(index: SearchIndex, path: Path | None, report: ProgressFn) -> np.ndarray:
    from embedlab.analysis import encoders

    n = len(index.passages)
    out, tmp = _new_array(path, (n, encoders.DIM))
    try:
        done = 0
        report(SearchEvent("encoding", 0, n))
        for chunk in index.passages.chunks():
            out[done : done + len(chunk)] = encoders.encode(chunk, index.device)
            done += len(chunk)
            report(SearchEvent("encoding", done, n))
        return _place(out, tmp, path)
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


def _sif(
    index: SearchIndex, files: list[Path], report: ProgressFn
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """SIF vectors of the passages: three streamed passes (counts; weighted means and their
    Gram matrix; the first principal direction removed and rows normalised)."""
    from scipy import sparse

    emb = index._emb
    assert emb is not None
    passages, n, vocab = index.passages, len(index.passages), emb.key_to_index
    counts = np.zeros(len(emb), dtype=np.float64)
    done = 0
    for chunk in passages.chunks():
        ids = [vocab[t] for text in chunk for t in passages.tokens(text) if t in vocab]
        counts += np.bincount(np.asarray(ids, dtype=np.int64), minlength=len(emb))
        done += len(chunk)
        report(SearchEvent("counting", done, n))
    prob = np.maximum(counts, 1) / max(float(counts.sum()), 1.0)
    weights = (SIF_A / (SIF_A + prob)).astype(np.float32)
    path = files[0] if files else None
    out, tmp = _new_array(path, (n, emb.dim))
    try:
        gram = np.zeros((emb.dim, emb.dim), dtype=np.float64)
        vectors = emb.vectors.astype(np.float32, copy=False)
        done = 0
        for chunk in passages.chunks():
            docs = [passages.tokens(text) for text in chunk]
            rows, cols = [], []
            for r, doc in enumerate(docs):
                for t in doc:
                    j = vocab.get(t)
                    if j is not None:
                        rows.append(r)
                        cols.append(j)
            cols_a = np.asarray(cols, dtype=np.int64)
            matrix = sparse.csr_matrix(
                (weights[cols_a], (np.asarray(rows, dtype=np.int64), cols_a)),
                shape=(len(docs), len(emb)),
            )
            lengths = np.array([max(len(d), 1) for d in docs], dtype=np.float32)
            pooled = np.asarray(matrix @ vectors, dtype=np.float32) / lengths[:, None]
            out[done : done + len(docs)] = pooled
            gram += pooled.T.astype(np.float64) @ pooled.astype(np.float64)
            done += len(docs)
            report(SearchEvent("pooling", done, n))
        _, eigvecs = np.linalg.eigh(gram)
        u = eigvecs[:, -1].astype(np.float32)  # the first principal direction (uncentred)
        for start in range(0, n, CHUNK):
            block = np.asarray(out[start : start + CHUNK], dtype=np.float32)
            block -= (block @ u)[:, None] * u[None, :]
            norms = np.linalg.norm(block, axis=1, keepdims=True)
            out[start : start + CHUNK] = block / np.maximum(norms, 1e-12)
        if files:
            tmp_params = files[1].with_name(f".{uuid.uuid4().hex}.npz")
            try:
                np.savez(tmp_params, weights=weights, u=u)
                os.replace(tmp_params, files[1])
            finally:
                tmp_params.unlink(missing_ok=True)
        return _place(out, tmp, path), (weights, u)
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


def _count_terms(passages: Passages, report: ProgressFn) -> tuple[sparse.csr_matrix, list[str]]:
    """The passages × terms count matrix, streamed chunk by chunk, and the terms."""
    from scipy import sparse

    vocab: dict[str, int] = {}
    indptr = [np.zeros(1, dtype=np.int64)]
    indices: list[np.ndarray] = []
    data: list[np.ndarray] = []
    total, n = 0, len(passages)
    done = 0
    for chunk in passages.chunks():
        lengths, cols = [], []
        for text in chunk:
            ids = [vocab.setdefault(t, len(vocab)) for t in passages.tokens(text)]
            uniq, counts = np.unique(np.asarray(ids, dtype=np.int32), return_counts=True)
            lengths.append(len(uniq))
            cols.append((uniq, counts))
        indices.extend(c[0] for c in cols)
        data.extend(c[1].astype(np.float32) for c in cols)
        indptr.append(total + np.cumsum(lengths, dtype=np.int64))
        total += int(sum(lengths))
        done += len(chunk)
        report(SearchEvent("counting", done, n))
    matrix = sparse.csr_matrix(
        (
            np.concatenate(data) if data else np.zeros(0, np.float32),
            np.concatenate(indices) if indices else np.zeros(0, np.int32),
            np.concatenate(indptr),
        ),
        shape=(n, len(vocab)),
    )
    return matrix, list(vocab)


def _save_terms(path: Path, counts: sparse.csr_matrix, vocab: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    words = np.frombuffer("\n".join(vocab).encode("utf-8", "surrogatepass"), dtype=np.uint8)
    tmp = path.with_name(f".{uuid.uuid4().hex}.npz")
    try:
        np.savez(
            tmp,
            indptr=counts.indptr,
            indices=counts.indices,
            data=counts.data,
            shape=np.array(counts.shape, dtype=np.int64),
            vocab=words,
        )
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _terms_from_arrays(data: Any, n: int) -> tuple[sparse.csr_matrix, list[str]]:
    from scipy import sparse

    shape = tuple(int(x) for x in data["shape"])
    if shape[0] != n:
        raise ValueError("stale cache")
    raw = data["vocab"].tobytes().decode("utf-8", "surrogatepass")
    vocab = raw.split("\n") if raw else []
    if len(vocab) != shape[1]:
        raise ValueError("stale cache")
    counts = sparse.csr_matrix((data["data"], data["indices"], data["indptr"]), shape=shape)
    return counts, vocab


def _set_weights(index: SearchIndex, counts: sparse.csr_matrix, vocab: list[str]) -> None:
    """TF-IDF or BM25 weights of every (passage, term), column-major for query lookups."""
    from scipy import sparse

    n = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1]).astype(np.float64)
    rows = np.repeat(np.arange(n), np.diff(counts.indptr))
    tf = counts.data.astype(np.float64)
    if index.method == "tfidf":
        idf = np.log((1.0 + n) / (1.0 + df)) + 1.0
        values = tf * idf[counts.indices]
        norms = np.sqrt(np.bincount(rows, weights=values * values, minlength=n))
        values /= np.maximum(norms, 1e-12)[rows]
        index._query_idf = idf
    else:
        idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5))
        lengths = np.asarray(counts.sum(axis=1)).ravel()
        norm = BM25_K1 * (1.0 - BM25_B + BM25_B * lengths / max(float(lengths.mean()), 1e-12))
        values = idf[counts.indices] * tf * (BM25_K1 + 1.0) / (tf + norm[rows])
    weights = sparse.csr_matrix(
        (values.astype(np.float32), counts.indices, counts.indptr), shape=counts.shape
    )
    index._weights = weights.tocsc()
    index._vocab = {t: i for i, t in enumerate(vocab)}
