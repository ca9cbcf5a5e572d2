"""Embeddings: the immutable value every view, query and export reads.

It feels like gensim's `KeyedVectors`: `len(emb)`, `"word" in emb`, `emb["word"]` (1-D),
`emb[["a", "b"]]` (2-D), and an unknown word raises a `KeyError` that names it. Every
operation returns a new value with its own `meta`; nothing is changed in place.

Those accessors take words exactly as given. The questions (`lookup`, `index`,
`neighbours`, `analogy`, `similarity`, `odd_one_out`) look a word up the way the corpus
was preprocessed: in a lower-case model "King" finds "king", and `lookup` says it did.

>>> import numpy as np
>>> emb = Embeddings(["king", "queen", "man", "woman"],
...                  np.array([[1, 1], [1, -1], [0.9, 1.1], [0.9, -0.9]], dtype=np.float32),
...                  meta={"name": "toy"})
>>> emb
Embeddings(name='toy', vocab=4, dim=2)
>>> emb["king"].tolist()
[1.0, 1.0]
>>> emb.neighbours("king", k=1)
[Neighbour(word='man', score=0.9...)]
>>> emb.analogy("man", "king", "woman", k=1)[0].word
'queen'
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import numpy as np

from embedlab.checks import positive_int
from embedlab.errors import InputError, UnknownWordError
from embedlab.search import METRICS, ExactIndex, Metric
from embedlab.subwords import Subwords

if TYPE_CHECKING:
    from gensim.models import KeyedVectors


AnalogyMethod = Literal["3cosadd", "3cosmul"]
ANALOGY_METHODS: tuple[str, ...] = ("3cosadd", "3cosmul")
MAX_K = 10_000


class Neighbour(NamedTuple):
    """A word and its score: cosine similarity, or euclidean distance for that metric."""

    word: str
    score: float


class Lookup(NamedTuple):
    """A word's vector, whether it was built from subwords (FastText, unseen word), and
    whether the word was lower-cased first to match a lower-case model (`folded`)."""

    vector: np.ndarray
    from_subwords: bool
    folded: bool = False


class Embeddings:
    """Words, their vectors (float32, n × d), optional counts, and how they were made."""

    def __init__(
        self,
        words: Iterable[str],
        vectors: np.ndarray,
        counts: Sequence[int] | np.ndarray | None = None,
        meta: Mapping[str, Any] | None = None,
        subwords: Subwords | None = None,
    ) -> None:
        words = tuple(str(w) for w in words)
        try:
            vectors = np.asarray(vectors, dtype=np.float32)
        except (TypeError, ValueError) as err:
            raise InputError(f"The vectors must be numbers; {err}.") from None
        if vectors.ndim != 2:
            raise InputError(
                f"Vectors must form a 2-D matrix; got an array of shape {vectors.shape}."
            )
        if len(words) != vectors.shape[0]:
            raise InputError(
                f"Got {len(words)} words for {vectors.shape[0]} vectors; they must match."
            )
        if not words:
            raise InputError("The vocabulary is empty; a model needs at least one word.")
        if vectors.shape[1] == 0:
            raise InputError("The vectors have 0 dimensions; a model needs at least one.")
        key_to_index = {w: i for i, w in enumerate(words)}
        if len(key_to_index) != len(words):
            dup = next(w for i, w in enumerate(words) if key_to_index[w] != i)
            raise InputError(
                f"The word '{dup}' appears more than once; each word needs one vector."
            )
        vectors = np.array(vectors, dtype=np.float32, order="C", copy=True)  # own the data
        if not np.isfinite(vectors).all():
            row = int(np.nonzero(~np.isfinite(vectors).all(axis=1))[0][0])
            raise InputError(
                f"The vector of '{words[row]}' contains NaN or infinity; fix the file."
            )
        vectors.setflags(write=False)
        if counts is not None:
            counts = np.array(counts, dtype=np.int64, ndmin=1)
            if counts.shape != (len(words),):
                raise InputError(
                    f"Got {counts.size} counts for {len(words)} words; they must match."
                )
            counts.setflags(write=False)
        if subwords is not None and subwords.vectors_ngrams.shape[1] != vectors.shape[1]:
            raise InputError("The subword vectors and the word vectors have different dimensions.")
        self._words = words
        self._key_to_index = key_to_index
        self._vectors = vectors
        self._counts = counts
        self._meta = MappingProxyType(dict(meta or {}))
        self._subwords = subwords
        self._indexes: dict[str, ExactIndex] = {}

    # --- gensim-like access -------------------------------------------------------------
    @property
    def words(self) -> tuple[str, ...]:
        return self._words

    @property
    def index_to_key(self) -> tuple[str, ...]:
        """gensim's name for `words`."""
        return self._words

    @property
    def key_to_index(self) -> Mapping[str, int]:
        return MappingProxyType(self._key_to_index)

    @property
    def vectors(self) -> np.ndarray:
        return self._vectors

    @property
    def counts(self) -> np.ndarray | None:
        return self._counts

    @property
    def meta(self) -> Mapping[str, Any]:
        return self._meta

    @property
    def subwords(self) -> Subwords | None:
        return self._subwords

    @property
    def name(self) -> str:
        return str(self._meta.get("name", "embeddings"))

    @property
    def dim(self) -> int:
        return int(self._vectors.shape[1])

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self._words), self.dim)

    @cached_property
    def normed(self) -> np.ndarray:
        """Unit-length rows, computed once."""
        norms = np.linalg.norm(self._vectors, axis=1, keepdims=True)
        out = self._vectors / np.maximum(norms, 1e-12)
        out.setflags(write=False)
        return out

    def __len__(self) -> int:
        return len(self._words)

    def __contains__(self, word: object) -> bool:
        return word in self._key_to_index

    def __iter__(self) -> Iterator[str]:
        return iter(self._words)

    def __getitem__(self, key: str | Sequence[str]) -> np.ndarray:
        if isinstance(key, str):
            return self.vector(key)
        if not len(key):
            return np.zeros((0, self.dim), np.float32)
        return np.stack([self.vector(w) for w in key])

    def __repr__(self) -> str:
        return f"Embeddings(name={self.name!r}, vocab={len(self)}, dim={self.dim})"

    __str__ = __repr__

    # --- case -----------------------------------------------------------------------------
    @cached_property
    def lowercase(self) -> bool:
        """Whether the model's words are lower-case, so a query is lower-cased to match.

        `meta["case"]` ("lower", or "cased"/"mixed") or the training corpus' options
        (`meta["corpus_options"]["lowercase"]`) decide; without them, a vocabulary with no
        upper-case letter is lower-case. Worked out once, on the first word that misses.

        >>> Embeddings(["king"], [[1.0]]).lowercase, Embeddings(["King"], [[1.0]]).lowercase
        (True, False)
        """
        case = self._meta.get("case")
        if case in ("lower", "cased", "mixed"):
            return case == "lower"
        options = self._meta.get("corpus_options")
        if isinstance(options, Mapping) and isinstance(options.get("lowercase"), bool):
            return bool(options["lowercase"])
        joined = "\n".join(self._words)
        return joined == joined.lower()

    def fold(self, word: str) -> str:
        """The word as the model's corpus spelled it: lower-cased in a lower-case model.

        >>> Embeddings(["king"], [[1.0]]).fold("King"), Embeddings(["K"], [[1.0]]).fold("King")
        ('king', 'King')
        """
        if word in self._key_to_index:
            return word
        lowered = word.lower()
        return lowered if lowered != word and self.lowercase else word

    def resolve(self, word: str) -> str | None:
        """The vocabulary word a query means (itself, or `fold(word)`), or None.

        >>> toy = Embeddings(["king", "queen"], np.eye(2))
        >>> toy.resolve("King"), toy.resolve("queen"), toy.resolve("prince")
        ('king', 'queen', None)
        """
        if word in self._key_to_index:
            return word
        folded = self.fold(word)
        return folded if folded in self._key_to_index else None

    def index(self, word: str) -> int:
        """The row of a vocabulary word (lower-cased first in a lower-case model); an
        unknown word raises `UnknownWordError`.

        >>> Embeddings(["queen", "king"], np.eye(2)).index("King")
        1
        """
        row = self._key_to_index.get(word)
        if row is None:
            key = self.resolve(word)
            if key is None:
                raise UnknownWordError(word, self.suggest(word))
            row = self._key_to_index[key]
        return row

    def lookup(self, word: str, fold: bool = True) -> Lookup:
        """The word's vector, from the vocabulary or (FastText) from its subwords.

        In a lower-case model a word with capitals is looked up lower-cased (`folded` says
        so); `fold=False` takes the word exactly as given, as `emb[word]` does.

        >>> toy = Embeddings(["a", "b"], np.eye(2, dtype=np.float32))
        >>> toy.lookup("b")
        Lookup(vector=array([0., 1.], dtype=float32), from_subwords=False, folded=False)
        >>> toy.lookup("B").folded
        True
        """
        row = self._key_to_index.get(word)
        if row is not None:
            return Lookup(self._vectors[row], False)
        key = self.fold(word) if fold else word
        folded = key != word
        if folded and key in self._key_to_index:
            return Lookup(self._vectors[self._key_to_index[key]], False, True)
        if self._subwords is not None:
            vec = self._subwords.vector(key)
            if vec is not None and np.any(vec):
                return Lookup(vec, True, folded)
        raise UnknownWordError(word, self.suggest(word))

    def vector(self, word: str) -> np.ndarray:
        """The word's vector (1-D), the word taken exactly as given (gensim's
        `get_vector`); see `lookup` for case folding and whether subwords made it."""
        return self.lookup(word, fold=False).vector

    def suggest(self, word: str, n: int = 3) -> list[str]:
        """Close spellings from the vocabulary (frequent words first), for error messages.

        >>> Embeddings(["king", "kind", "queen"], np.eye(3, dtype=np.float32)).suggest("kinq")
        ['king', 'kind']
        """
        lowered = word.lower()
        if lowered != word and lowered in self._key_to_index:
            return [lowered]
        pool = [w for w in self._words[:50_000] if abs(len(w) - len(word)) <= 2]
        cutoff = 0.6 if len(word) <= 4 else 0.75  # one slip in a short word costs more
        return difflib.get_close_matches(word, pool, n=n, cutoff=cutoff)

    # --- queries ------------------------------------------------------------------------
    def _index(self, device: str | None = None) -> ExactIndex:
        from embedlab.device import resolve_device

        resolved = resolve_device(device)
        if resolved not in self._indexes:
            self._indexes[resolved] = ExactIndex(self._vectors, device=resolved)
        return self._indexes[resolved]

    def neighbours(
        self,
        query: str | np.ndarray,
        k: int = 10,
        metric: Metric = "cosine",
        restrict: int | None = None,
        exclude: Iterable[str] = (),
        device: str | None = None,
    ) -> list[Neighbour]:
        """The k nearest words to a word or a vector, exact, on the chosen device.

        A word query excludes the word itself. `restrict=N` searches only the first N
        words (the most frequent ones, for a trained model). Cosine scores are
        similarities; euclidean scores are distances.
        """
        k = positive_int(k, "k", maximum=MAX_K)
        restrict = positive_int(restrict, "restrict", allow_none=True)
        if metric not in METRICS:
            raise InputError(f"Unknown metric '{metric}'; choose cosine or euclidean.")
        skip = set(exclude)
        if isinstance(query, str):
            vec = self.lookup(query).vector
            skip.add(query)
        else:
            vec = np.asarray(query, dtype=np.float32).reshape(-1)
            if vec.shape[0] != self.dim:
                raise InputError(
                    f"The vector has {vec.shape[0]} dimensions but the model has {self.dim}; "
                    "use a vector from the same model."
                )
        ids = {self._key_to_index[key] for key in map(self.resolve, skip) if key is not None}
        rows, scores = self._index(device).search(
            vec[None, :], k=k, metric=metric, exclude=[ids], restrict=restrict
        )
        return _neighbours(self._words, rows[0], scores[0])

    def analogy(
        self,
        a: str,
        b: str,
        c: str,
        k: int = 5,
        method: AnalogyMethod = "3cosadd",
        restrict: int | None = None,
        device: str | None = None,
        include_inputs: bool = False,
    ) -> list[Neighbour]:
        """ "a is to b as c is to ?": the k best answers, the three input words excluded
        (as gensim's `most_similar` does; `include_inputs` lists them too, and then b or c
        often ranks first, which is why they are left out).

        3CosAdd ranks d by cos(d, b) − cos(d, a) + cos(d, c) and reports the cosine of d
        with b − a + c (unit vectors); 3CosMul (Levy & Goldberg, 2014) ranks by
        cos'(d, b)·cos'(d, c) / (cos'(d, a) + 0.001) with cos' = (1 + cos) / 2.
        """
        k = positive_int(k, "k", maximum=MAX_K)
        restrict = positive_int(restrict, "restrict", allow_none=True)
        results = self.analogies(
            [(a, b, c)], k, method, restrict, device, include_inputs=include_inputs
        )
        return results[0]

    def analogies(
        self,
        questions: Sequence[tuple[str, str, str]],
        k: int = 1,
        method: AnalogyMethod = "3cosadd",
        restrict: int | None = None,
        device: str | None = None,
        include_inputs: bool = False,
    ) -> list[list[Neighbour]]:
        """`analogy` for many questions in one pass over the vocabulary (benchmarks use it)."""
        import torch

        if method not in ANALOGY_METHODS:
            raise InputError(f"Unknown analogy method '{method}'; choose 3cosadd or 3cosmul.")
        k = positive_int(k, "k", maximum=MAX_K)
        restrict = positive_int(restrict, "restrict", allow_none=True)
        if not questions:
            return []
        index = self._index(device)
        vecs = np.stack([np.stack([self.lookup(w).vector for w in q]) for q in questions])
        unit = vecs / np.maximum(np.linalg.norm(vecs, axis=2, keepdims=True), 1e-12)
        abc = torch.from_numpy(unit.astype(np.float32)).to(index.device)  # q × 3 × d
        exclude = [
            set()
            if include_inputs
            else {self._key_to_index[key] for key in map(self.resolve, q) if key is not None}
            for q in questions
        ]
        if method == "3cosadd":
            target = abc[:, 1] - abc[:, 0] + abc[:, 2]
            target = target / target.norm(dim=1, keepdim=True).clamp_min(1e-12)

            def score(unit_rows, raw, sq):  # noqa: ANN001 - torch tensors
                return target @ unit_rows.T

        else:

            def score(unit_rows, raw, sq):  # noqa: ANN001 - torch tensors
                sims = (abc.reshape(-1, abc.shape[2]) @ unit_rows.T).reshape(abc.shape[0], 3, -1)
                sims = (1.0 + sims) / 2.0
                return sims[:, 1] * sims[:, 2] / (sims[:, 0] + 1e-3)

        rows, scores = index.top_by(score, len(questions), k=k, exclude=exclude, restrict=restrict)
        return [_neighbours(self._words, r, sc) for r, sc in zip(rows, scores, strict=True)]

    def similarity(self, a: str, b: str) -> float:
        """Cosine similarity of two words.

        >>> toy = Embeddings(["x", "y"], np.array([[1, 0], [1, 1]], dtype=np.float32))
        >>> toy.similarity("x", "y")
        0.7071...
        """
        va, vb = self.lookup(a).vector, self.lookup(b).vector
        denom = max(float(np.linalg.norm(va) * np.linalg.norm(vb)), 1e-12)
        return float(np.dot(va, vb) / denom)

    def odd_one_out(self, words: Sequence[str]) -> str:
        """The word least like the others: furthest (cosine) from the mean of the unit vectors.

        >>> toy = Embeddings(["cat", "dog", "car"],
        ...                  np.array([[1, 0.1], [1, 0.2], [0, 1]], dtype=np.float32))
        >>> toy.odd_one_out(["cat", "dog", "car"])
        'car'
        """
        words = list(words)
        if len(words) < 3:
            raise InputError(f"Odd-one-out needs at least 3 words; got {len(words)}.")
        vecs = np.stack([self.lookup(w).vector for w in words])
        unit = vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
        mean = unit.mean(axis=0)
        mean /= max(float(np.linalg.norm(mean)), 1e-12)
        return words[int(np.argmin(unit @ mean))]

    # --- new values ---------------------------------------------------------------------
    def with_meta(self, **changes: Any) -> Embeddings:
        """A copy whose meta has these keys changed."""
        return Embeddings(
            self._words, self._vectors, self._counts, {**self._meta, **changes}, self._subwords
        )

    def top(self, n: int) -> Embeddings:
        """The first n words (the most frequent, for a trained model), as a new value."""
        n = max(1, int(n))
        counts = None if self._counts is None else self._counts[:n]
        meta = {**self._meta, "name": f"{self.name}[:{n}]"}
        return Embeddings(self._words[:n], self._vectors[:n], counts, meta, self._subwords)

    def subset(self, words: Iterable[str]) -> Embeddings:
        """Only these words (each must be in the vocabulary), in the order given, spelled
        as the vocabulary spells them."""
        ids = [self.index(w) for w in words]
        words = [self._words[i] for i in ids]
        counts = None if self._counts is None else self._counts[ids]
        meta = {**self._meta, "name": f"{self.name}[subset of {len(ids)}]"}
        return Embeddings(words, self._vectors[ids], counts, meta, self._subwords)

    def to_names_X(self) -> tuple[list[str], np.ndarray]:  # noqa: N802 - whatlies' name
        """The words and the vector matrix, ready for any scikit-learn estimator."""
        return list(self._words), np.array(self._vectors)

    @classmethod
    def from_names_X(  # noqa: N802 - whatlies' name
        cls,
        names: Iterable[str],
        X: np.ndarray,
        meta: Mapping[str, Any] | None = None,  # noqa: N803
    ) -> Embeddings:
        """Build from words and a matrix.

        >>> Embeddings.from_names_X(["a", "b"], np.eye(2)).shape
        (2, 2)
        """
        return cls(names, X, meta=meta)

    # --- gensim ------------------------------------------------------------------------
    def to_keyedvectors(self) -> KeyedVectors:
        """A gensim `KeyedVectors` with the same words, vectors and counts.

        >>> toy = Embeddings(["a", "b"], np.eye(2, dtype=np.float32), counts=[5, 3])
        >>> kv = toy.to_keyedvectors()
        >>> kv.index_to_key, int(kv.get_vecattr("a", "count"))
        (['a', 'b'], 5)
        """
        from gensim.models import KeyedVectors

        kv = KeyedVectors(self.dim, count=0, dtype=np.float32)
        kv.index_to_key = list(self._words)
        kv.key_to_index = dict(self._key_to_index)
        kv.vectors = np.array(self._vectors)
        if self._counts is not None:
            kv.expandos["count"] = np.array(self._counts)
        return kv

    @classmethod
    def from_keyedvectors(
        cls, kv: KeyedVectors, meta: Mapping[str, Any] | None = None
    ) -> Embeddings:
        """From gensim's `KeyedVectors` (FastText ones keep their subword vectors)."""
        counts = None
        if "count" in getattr(kv, "expandos", {}):
            raw = np.asarray(kv.expandos["count"])
            if raw.shape == (len(kv.index_to_key),) and raw.any():
                counts = raw
        subwords = None
        ngrams = getattr(kv, "vectors_ngrams", None)
        if ngrams is not None and getattr(kv, "bucket", 0):
            subwords = Subwords(np.asarray(ngrams, dtype=np.float32), int(kv.min_n), int(kv.max_n))
        return cls(kv.index_to_key, kv.vectors, counts, meta, subwords)


def _neighbours(words: Sequence[str], rows: np.ndarray, scores: np.ndarray) -> list[Neighbour]:
    """Pair rows with scores, dropping the infinite scores of excluded rows."""
    return [
        Neighbour(words[i], float(s)) for i, s in zip(rows, scores, strict=True) if np.isfinite(s)
    ]
