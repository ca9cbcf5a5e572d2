"""What the Neighbours and Analogies pages ask of a model, one call per question.

`query` answers a word or an expression (`king - man + woman`) with its nearest words;
`suggest_words` completes a typed prefix from the vocabulary (frequent words first);
`solve_analogy` answers "a is to b as c is to ?" with 3CosAdd and 3CosMul and places the
four words in a 2D picture; `analogy_examples` picks the classic analogies the model
can answer; `odd_one_out` finds the word least like the others. Every answer is a plain
value (lists, tuples, small dataclasses) that a page draws as it is.

>>> import numpy as np
>>> from embedlab.embeddings import Embeddings
>>> toy = Embeddings(["king", "queen", "man", "woman", "kingdom"],
...                  np.array([[1, 1], [1, -1], [0.9, 1.1], [0.9, -0.9], [1, 0.9]],
...                           dtype=np.float32))
>>> suggest_words(toy, "kin")
['king', 'kingdom']
>>> query(toy, "king - man + woman", k=1).neighbours[0].word
'queen'
>>> solve_analogy(toy, "man", "king", "woman").add[0].word
'queen'
"""

from __future__ import annotations

import bisect
import re
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from embedlab.app import links
from embedlab.embeddings import Embeddings, Lookup, Neighbour
from embedlab.errors import EmbedlabError, InputError, UnknownWordError
from embedlab.search import METRICS, Metric

if TYPE_CHECKING:
    import pandas as pd

SCORE_LABELS: dict[str, str] = {"cosine": "cosine similarity", "euclidean": "euclidean distance"}
NEIGHBOUR_LINKS: dict[str, links.Field] = {
    "k": links.Field("nb_k", links.whole(1, 50)),
    "metric": links.Field("nb_metric", links.choice(["cosine", "euclidean"])),
    "restrict": links.Field("nb_restrict", links.whole(0, 2**31 - 1)),
}
"""The Neighbours page's settings in its URL (the query itself is `?q=`)."""
ANALOGY_LINKS: dict[str, links.Field] = {
    "inputs": links.Field("an_inputs", links.flag),
    "odd": links.Field("odd"),
}
"""The Analogies page's other settings in its URL (the three words are `?a=&b=&c=`)."""
# Long, frequent words that make poor first examples ("because" has no interesting neighbours).
# fmt: off
_DULL = frozenset({
    "about", "above", "across", "after", "again", "against", "almost", "along", "already", "also",
    "although", "always", "among", "another", "around", "because", "before", "behind", "being",
    "below", "between", "beyond", "could", "during", "either", "enough", "every", "having",
    "however", "itself", "might", "neither", "others", "should", "since", "something", "still",
    "their", "there", "these", "those", "though", "through", "together", "toward", "towards",
    "under", "until", "upon", "whether", "which", "while", "within", "without", "would",
})
# fmt: on


# --- suggestions -----------------------------------------------------------------------
class _PrefixIndex:
    """The vocabulary sorted case-insensitively, with each word's frequency rank."""

    def __init__(self, emb: Embeddings) -> None:
        words = emb.words
        if emb.counts is not None:  # frequent first; ties keep the model's order
            rank = np.empty(len(words), dtype=np.int64)
            rank[np.argsort(-emb.counts, kind="stable")] = np.arange(len(words))
        else:  # trained models and common files list frequent words first
            rank = np.arange(len(words), dtype=np.int64)
        order = sorted(range(len(words)), key=lambda i: words[i].casefold())
        self.keys = [words[i].casefold() for i in order]
        self.words = [words[i] for i in order]
        self.rank = rank[np.asarray(order, dtype=np.int64)]

    def complete(self, prefix: str, n: int) -> list[str]:
        key = prefix.casefold()
        lo = bisect.bisect_left(self.keys, key)
        hi = bisect.bisect_left(self.keys, key + "\U0010ffff", lo)
        if hi <= lo:
            return []
        ranks = self.rank[lo:hi]
        best = np.argpartition(ranks, n - 1)[:n] if len(ranks) > n else np.arange(len(ranks))
        best = best[np.argsort(ranks[best], kind="stable")]
        return [self.words[lo + int(i)] for i in best]


_PREFIX_INDEXES: weakref.WeakKeyDictionary[Embeddings, _PrefixIndex] = weakref.WeakKeyDictionary()


def _prefix_index(emb: Embeddings) -> _PrefixIndex:
    index = _PREFIX_INDEXES.get(emb)
    if index is None:  # built once per model (an Embeddings never changes)
        index = _PREFIX_INDEXES[emb] = _PrefixIndex(emb)
    return index


def suggest_words(
    emb: Embeddings, prefix: str, n: int = 8, include_exact: bool = True
) -> list[str]:
    """Up to n vocabulary words starting with `prefix` (any case), most frequent first.

    A binary search over the sorted vocabulary, built once per model: fast for any size.

    >>> toy = Embeddings(["the", "police", "policy", "politics", "Polish"], np.eye(5),
    ...                  counts=[9, 5, 4, 2, 1])
    >>> suggest_words(toy, "pol", n=3)
    ['police', 'policy', 'politics']
    >>> suggest_words(toy, "police", include_exact=False)
    []
    """
    prefix = (prefix or "").strip()
    if not prefix or n < 1:
        return []
    found = _prefix_index(emb).complete(prefix, n + 1)
    if not include_exact:
        found = [w for w in found if w != prefix]
    return found[:n]


_LAST_WORD = re.compile(r"-?(?P<word>[^\s()+*]+)$")


def last_word(text: str) -> str:
    """The word being typed at the end of a query ('' after a space or an operator).

    >>> last_word("king - man + wom"), last_word("police"), last_word("king + ")
    ('wom', 'police', '')
    """
    m = _LAST_WORD.search(text or "")
    return m.group("word") if m else ""


def replace_last_word(text: str, word: str) -> str:
    """The query with its last (partly typed) word replaced by `word`.

    >>> replace_last_word("king - man + wom", "woman")
    'king - man + woman'
    >>> replace_last_word("", "police")
    'police'
    """
    text = text or ""
    m = _LAST_WORD.search(text)
    return text[: m.start("word")] + word if m else text + word


def example_words(emb: Embeddings, n: int = 6, among: int = 1000) -> list[str]:
    """A few frequent, content-bearing words to start from (no two sharing a stem).

    >>> toy = Embeddings(["the", "because", "police", "policeman", "government", "fire"],
    ...                  np.eye(6))
    >>> example_words(toy, n=3)
    ['police', 'government', 'fire']
    """
    picked: list[str] = []
    stems: set[str] = set()
    pool = emb.words[:among]
    for min_len in (6, 4, 1):  # prefer longer words; fall back for tiny vocabularies
        for word in pool:
            if len(picked) >= n:
                return picked
            if len(word) < min_len or not word.isalpha() or word.lower() in _DULL:
                continue
            stem = word.lower()[:5]
            if word in picked or stem in stems:
                continue
            picked.append(word)
            stems.add(stem)
    return picked


CLASSIC_WORDS = ("king", "france", "music", "river", "computer", "government", "police")


def default_query(emb: Embeddings) -> str:
    """The word the Neighbours page starts with: a classic demo word the model knows, else
    its first frequent content word.

    >>> toy = Embeddings(["the", "police", "france"], np.eye(3))
    >>> default_query(toy), default_query(Embeddings(["the", "harbour"], np.eye(2)))
    ('france', 'harbour')
    """
    for word in CLASSIC_WORDS:
        if word in emb:
            return word
    picked = example_words(emb, n=1)
    return picked[0] if picked else ""


def example_queries(emb: Embeddings, n: int = 6) -> list[str]:
    """A few example words, and one expression when a classic analogy fits the model.

    >>> toy = Embeddings(["man", "king", "woman", "queen"], np.eye(4))
    >>> example_queries(toy, n=2)
    ['king', 'woman', 'king - man + woman']
    """
    found = classic_examples(emb)
    expression = [f"{found[0].b} - {found[0].a} + {found[0].c}"] if found else []
    return example_words(emb, n=n) + expression


# --- unknown words -----------------------------------------------------------------------
def lookup_all(emb: Embeddings, words: Sequence[str]) -> dict[str, Lookup]:
    """Each word's vector; unknown words raise one error that names them all.

    >>> toy = Embeddings(["police", "fire"], np.eye(2))
    >>> sorted(lookup_all(toy, ["fire", "police"]))
    ['fire', 'police']
    >>> lookup_all(toy, ["polise", "fyre"])
    Traceback (most recent call last):
    ...
    embedlab.errors.InputError: These words are not in the vocabulary: 'polise' (did you \
mean: police?), 'fyre' (did you mean: fire?).
    """
    found: dict[str, Lookup] = {}
    unknown: list[UnknownWordError] = []
    for word in words:
        try:
            found[word] = emb.lookup(word)
        except UnknownWordError as err:
            unknown.append(err)
    if len(unknown) == 1:
        raise unknown[0]
    if unknown:
        parts = [
            f"'{e.word}'"
            + (f" (did you mean: {', '.join(e.suggestions)}?)" if e.suggestions else "")
            for e in unknown
        ]
        raise InputError(f"These words are not in the vocabulary: {', '.join(parts)}.")
    return found


def folded_pairs(emb: Embeddings, found: dict[str, Lookup]) -> list[tuple[str, str]]:
    """(typed, looked-up) for each word a lower-case model looked up lower-cased.

    >>> toy = Embeddings(["king", "queen"], np.eye(2))
    >>> folded_pairs(toy, lookup_all(toy, ["King", "queen"]))
    [('King', 'king')]
    """
    return [(w, emb.fold(w)) for w, f in found.items() if f.folded]


def notes(
    from_subwords: Sequence[str],
    folded: Sequence[tuple[str, str]],
    shown: Callable[[str], str] = str,
) -> str | None:
    """One or two sentences on how unusual words were looked up, or None when none were
    (`shown` formats each word, e.g. escaped for Markdown).

    >>> notes([], [("King", "king"), ("Man", "man")])
    "'King' looked up as 'king', 'Man' as 'man' (this model is lower-case)."
    >>> notes([], []) is None
    True
    """
    said = []
    if from_subwords:
        unseen = ", ".join(f"'{shown(w)}'" for w in from_subwords)
        said.append(
            f"Not in the vocabulary: {unseen}. This FastText model built the vector from "
            "character n-grams (subwords)."
        )
    if folded:
        parts = [
            f"'{shown(w)}' {'as' if i else 'looked up as'} '{shown(key)}'"
            for i, (w, key) in enumerate(folded)
        ]
        said.append(", ".join(parts) + " (this model is lower-case).")
    return " ".join(said) or None


# --- neighbours --------------------------------------------------------------------------
@dataclass(frozen=True)
class QueryResult:
    """The nearest words to a word or an expression, and how they were found.

    `metric` is the metric used: expressions are always ranked by cosine similarity, so
    `metric_ignored` says when euclidean was asked for and cosine answered.
    """

    text: str
    words: list[str]
    neighbours: list[Neighbour]
    metric: str
    is_expression: bool
    from_subwords: list[str] = field(default_factory=list)
    metric_ignored: bool = False
    folded: list[tuple[str, str]] = field(default_factory=list)

    def note(self, shown: Callable[[str], str] = str) -> str | None:
        """Which words came from subwords or were looked up lower-cased, or None."""
        return notes(self.from_subwords, self.folded, shown)

    @property
    def score_label(self) -> str:
        """The name of the score column: "cosine similarity" or "euclidean distance"."""
        return SCORE_LABELS[self.metric]

    def rows(self) -> list[tuple[str, float]]:
        """(word, score) pairs, nearest first."""
        return [(n.word, n.score) for n in self.neighbours]

    def table(self) -> pd.DataFrame:
        """rank, word and the score under its own name, one row per neighbour."""
        return neighbours_table(self.neighbours, self.score_label)


def neighbours_table(neighbours: Sequence[Neighbour], score_label: str) -> pd.DataFrame:
    """A rank / word / score table (rank from 1).

    >>> neighbours_table([Neighbour("queen", 0.9)], "cosine similarity").columns.tolist()
    ['rank', 'word', 'cosine similarity']
    """
    import pandas as pd

    return pd.DataFrame(
        {
            "rank": np.arange(1, len(neighbours) + 1),
            "word": [n.word for n in neighbours],
            score_label: np.array([n.score for n in neighbours], dtype=np.float64),
        }
    )


def query(
    emb: Embeddings,
    text: str,
    k: int = 10,
    metric: Metric = "cosine",
    restrict: int | None = None,
) -> QueryResult:
    """The k nearest words to a word or an expression such as `king - man + woman`.

    A word of the vocabulary is searched as it is (even `c++`); anything else is read as
    an expression. `restrict` = N searches only the N most frequent words; 0 or None
    searches all. A FastText model answers an unseen word from its subwords and says so.

    >>> toy = Embeddings(["king", "queen", "man", "woman"],
    ...     np.array([[1, 1], [1, -1], [0.9, 1.1], [0.9, -0.9]], dtype=np.float32))
    >>> query(toy, "king", k=1).rows()
    [('man', 0.99...)]
    >>> query(toy, "king - man + woman", metric="euclidean").metric_ignored
    True
    """
    from embedlab.expressions import evaluate_expression, parse

    text = (text or "").strip()
    if not text:
        raise InputError("Type a word, or an expression such as king - man + woman.")
    if metric not in METRICS:
        raise InputError(f"Unknown metric '{metric}'; choose cosine or euclidean.")
    restrict = int(restrict) if restrict and int(restrict) < len(emb) else None
    word, terms = (text, None) if text in emb else (None, parse(text))
    if terms is not None and len(terms) == 1 and terms[0][0] == 1.0:
        word = terms[0][1]
    if word is not None:
        found = emb.lookup(word)
        neighbours = emb.neighbours(
            found.vector, k=k, metric=metric, restrict=restrict, exclude=[word]
        )
        subwords = [word] if found.from_subwords else []
        folded = folded_pairs(emb, {word: found})
        key = folded[0][1] if folded else word
        return QueryResult(key, [key], neighbours, metric, False, subwords, folded=folded)
    result = evaluate_expression(emb, terms or text, k=k, restrict=restrict)
    return QueryResult(
        result.expression,
        list(result.words),
        list(result.neighbours),
        "cosine",
        True,
        list(result.from_subwords),
        metric_ignored=metric != "cosine",
        folded=folded_pairs(emb, {w: emb.lookup(w) for w in result.words}),
    )


# --- analogies ---------------------------------------------------------------------------
class ExampleAnalogy(NamedTuple):
    """a is to b as c is to `expected`; `source` says where the example comes from."""

    a: str
    b: str
    c: str
    expected: str
    source: str = "classic"

    @property
    def label(self) -> str:
        return f"{self.a} : {self.b} :: {self.c} : ?"


CLASSIC_ANALOGIES: tuple[tuple[str, str, str, str], ...] = (
    ("man", "king", "woman", "queen"),
    ("paris", "france", "berlin", "germany"),
    ("good", "better", "bad", "worse"),
    ("walk", "walked", "go", "went"),
    ("big", "bigger", "small", "smaller"),
    ("he", "she", "his", "her"),
    ("boy", "girl", "brother", "sister"),
    ("france", "french", "germany", "german"),
    ("car", "cars", "child", "children"),
    ("tokyo", "japan", "rome", "italy"),
)


def _vocab_form(emb: Embeddings, word: str) -> str | None:
    """The word as the vocabulary spells it: as given, lower-case or capitalised."""
    for form in (word, word.lower(), word.capitalize()):
        if form in emb:
            return form
    return None


def _fit(emb: Embeddings, words: Iterable[str]) -> tuple[str, ...] | None:
    forms = tuple(_vocab_form(emb, w) for w in words)
    return None if any(f is None for f in forms) else forms  # type: ignore[return-value]


def classic_examples(emb: Embeddings) -> list[ExampleAnalogy]:
    """The classic analogies whose four words are all in the vocabulary.

    >>> toy = Embeddings(["man", "king", "woman", "queen"], np.eye(4))
    >>> [e.label for e in classic_examples(toy)]
    ['man : king :: woman : ?']
    """
    out = []
    for question in CLASSIC_ANALOGIES:
        forms = _fit(emb, question)
        if forms is not None:
            out.append(ExampleAnalogy(*forms, source="classic"))
    return out


def derived_examples(
    emb: Embeddings, n: int = 2, per_section: int = 10, skip: Iterable[tuple[str, ...]] = ()
) -> list[ExampleAnalogy]:
    """Up to n questions of Google's analogy test that fit the vocabulary, one per section.

    Questions the model answers right come first, then those with the answer in its top
    five, then the rest, so a small model still gets an example to try. Returns [] when
    no question fits (or the test file is missing).

    >>> toy = Embeddings(["athens", "greece", "baghdad", "iraq"], np.eye(4))
    >>> derived_examples(toy)[0].label
    'athens : greece :: baghdad : ?'
    """
    from embedlab.analysis.evaluate import benchmark_path, read_analogy_file

    try:
        sections = read_analogy_file(benchmark_path("analogy"))
    except (EmbedlabError, OSError):
        return []
    skip = {tuple(q[:3]) for q in skip}
    candidates: list[tuple[int, tuple[str, ...]]] = []
    for no, (_, questions) in enumerate(sections):
        taken = 0
        for question in questions:
            forms = _fit(emb, question)
            if forms is None or forms[:3] in skip or len(set(forms)) < 4:
                continue
            candidates.append((no, forms))
            taken += 1
            if taken >= per_section:
                break
    if not candidates or n < 1:
        return []
    answers = emb.analogies([q[:3] for _, q in candidates], k=5)
    ranked = []
    for i, ((section, q), found) in enumerate(zip(candidates, answers, strict=True)):
        words = [nb.word for nb in found]
        rank = words.index(q[3]) if q[3] in words else len(words)
        ranked.append((rank > 0, rank, i, section, q))
    ranked.sort()
    out: list[ExampleAnalogy] = []
    used: set[int] = set()
    seen: set[tuple[str, ...]] = set()  # the test repeats questions across sections
    for *_, section, q in ranked:
        if section in used or q[:3] in seen:
            continue
        used.add(section)
        seen.add(q[:3])
        out.append(ExampleAnalogy(*q, source="Google analogy test"))
        if len(out) >= n:
            break
    return out


def analogy_examples(emb: Embeddings, classic: int = 6, derived: int = 2) -> list[ExampleAnalogy]:
    """The classic analogies the model can answer, then a few drawn from the analogy test.

    >>> toy = Embeddings(["man", "king", "woman", "queen"], np.eye(4))
    >>> [e.source for e in analogy_examples(toy)]
    ['classic', 'Google analogy test']
    """
    fitting = classic_examples(emb)[:classic]
    more = derived_examples(emb, n=derived, skip=[e[:3] for e in fitting]) if derived else []
    return fitting + more


@dataclass(frozen=True)
class AnalogyPicture:
    """2D coordinates (PCA of the unit vectors) of a, b, c, the answer d and b − a + c."""

    roles: tuple[str, ...]
    words: tuple[str, ...]
    xy: np.ndarray
    explained: float

    def points(self) -> list[tuple[str, str, float, float]]:
        """(role, word, x, y) for each point, as the chart takes them."""
        return [
            (r, w, float(x), float(y))
            for r, w, (x, y) in zip(self.roles, self.words, self.xy, strict=True)
        ]


def analogy_plane(vectors: np.ndarray) -> tuple[np.ndarray, float]:
    """Project a, b, c, d (rows, any length) with b − a + c added: 5 × 2 coordinates.

    The vectors are unit-normalised first (3CosAdd works on directions), and the picture
    is a PCA of the five points, so parallel offsets stay parallel. Also returns the
    share of the points' spread that the two axes keep.

    >>> xy, kept = analogy_plane(np.eye(4))
    >>> xy.shape, 0 < kept <= 1
    ((5, 2), True)
    """
    vectors = np.asarray(vectors, dtype=np.float64)
    if vectors.ndim != 2 or vectors.shape[0] != 4:
        raise InputError(f"The analogy picture needs 4 vectors (a, b, c, d); got {len(vectors)}.")
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    a, b, c, _ = unit
    points = np.vstack([unit, b - a + c])
    centred = points - points.mean(axis=0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    xy = centred @ vt[:2].T
    if xy.shape[1] < 2:  # 1-D vectors: a flat picture
        xy = np.hstack([xy, np.zeros((len(xy), 2 - xy.shape[1]))])
    total = float((s**2).sum())
    kept = float((s[:2] ** 2).sum() / total) if total > 0 else 1.0
    return xy, kept


@dataclass(frozen=True)
class AnalogyAnswer:
    """ "a is to b as c is to ?" answered by 3CosAdd (`add`) and 3CosMul (`mul`)."""

    a: str
    b: str
    c: str
    add: list[Neighbour]
    mul: list[Neighbour]
    picture: AnalogyPicture | None
    from_subwords: list[str] = field(default_factory=list)
    folded: list[tuple[str, str]] = field(default_factory=list)

    def note(self, shown: Callable[[str], str] = str) -> str | None:
        """Which words came from subwords or were looked up lower-cased, or None."""
        return notes(self.from_subwords, self.folded, shown)

    def table(self, method: str) -> pd.DataFrame:
        """rank, word, score for "3cosadd" or "3cosmul"."""
        found = self.add if method == "3cosadd" else self.mul
        label = "cosine with b − a + c" if method == "3cosadd" else "3CosMul score"
        return neighbours_table(found, label)

    def rank(self, word: str, method: str = "3cosadd") -> int | None:
        """The 1-based rank of `word` among the answers, or None when it is not there."""
        words = [n.word for n in (self.add if method == "3cosadd" else self.mul)]
        return words.index(word) + 1 if word in words else None


def solve_analogy(
    emb: Embeddings,
    a: str,
    b: str,
    c: str,
    k: int = 5,
    restrict: int | None = None,
    include_inputs: bool = False,
) -> AnalogyAnswer:
    """a is to b as c is to ?: the top k by 3CosAdd and by 3CosMul, and the 2D picture.
    The input words are left out of the answers unless `include_inputs`.

    >>> toy = Embeddings(["king", "queen", "man", "woman"],
    ...     np.array([[1, 1], [1, -1], [0.9, 1.1], [0.9, -0.9]], dtype=np.float32))
    >>> answer = solve_analogy(toy, "man", "king", "woman", k=1)
    >>> answer.mul[0].word, [p[0] for p in answer.picture.points()]
    ('queen', ['a', 'b', 'c', 'd', 'target'])
    """
    words = [(w or "").strip() for w in (a, b, c)]
    missing = [name for name, w in zip("abc", words, strict=True) if not w]
    if missing:
        raise InputError(f"Fill in {', '.join(missing)}: an analogy needs three words.")
    found = lookup_all(emb, words)
    folded = folded_pairs(emb, found)
    a, b, c = keys = [dict(folded).get(w, w) for w in words]  # as the vocabulary spells them
    restrict = int(restrict) if restrict else None
    add = emb.analogy(a, b, c, k, "3cosadd", restrict, include_inputs=include_inputs)
    mul = emb.analogy(a, b, c, k, "3cosmul", restrict, include_inputs=include_inputs)
    picture = None
    answer = next((n.word for n in add if n.word not in keys), None)
    if answer is not None:
        d = answer
        vectors = [found[w].vector for w in words] + [emb.vector(d)]
        xy, kept = analogy_plane(np.stack(vectors))
        picture = AnalogyPicture(
            ("a", "b", "c", "d", "target"), (a, b, c, d, f"{b} − {a} + {c}"), xy, kept
        )
    subwords = [w for w in dict.fromkeys(words) if found[w].from_subwords]
    return AnalogyAnswer(a, b, c, add, mul, picture, subwords, folded)


def expected_rank_text(
    examples: Sequence[ExampleAnalogy],
    answer: AnalogyAnswer,
    shown: Callable[[str], str] = str,
) -> str | None:
    """Where each method ranked the expected answer, when the question is a known example
    (`shown` formats the word, e.g. escaped for Markdown).

    >>> toy = Embeddings(["king", "queen", "man", "woman"],
    ...     np.array([[1, 1], [1, -1], [0.9, 1.1], [0.9, -0.9]], dtype=np.float32))
    >>> ex = ExampleAnalogy("man", "king", "woman", "queen", "classic")
    >>> expected_rank_text([ex], solve_analogy(toy, "man", "king", "woman", k=1))
    'Expected answer: queen. 3CosAdd: rank 1 · 3CosMul: rank 1'
    """
    key = (answer.a, answer.b, answer.c)
    expected = next((e.expected for e in examples if (e.a, e.b, e.c) == key), None)
    if expected is None:
        return None
    ranks = [answer.rank(expected, m) for m in ("3cosadd", "3cosmul")]
    return f"Expected answer: {shown(expected)}. " + " · ".join(
        f"{name}: " + (f"rank {r}" if r else f"not in the top {len(answer.add)}")
        for name, r in zip(("3CosAdd", "3CosMul"), ranks, strict=True)
    )


# --- odd one out -------------------------------------------------------------------------
@dataclass(frozen=True)
class OddOneOut:
    """The odd word, and each word's cosine similarity to the mean direction of all."""

    odd: str
    similarities: list[tuple[str, float]]
    folded: list[tuple[str, str]] = field(default_factory=list)

    def note(self, shown: Callable[[str], str] = str) -> str | None:
        """Which words were looked up lower-cased (or came from subwords), or None."""
        return notes([], self.folded, shown)

    def table(self) -> pd.DataFrame:
        """word and its similarity to the mean, least similar (the odd one) first."""
        import pandas as pd

        rows = sorted(self.similarities, key=lambda ws: ws[1])
        return pd.DataFrame(
            {
                "word": [w for w, _ in rows],
                "similarity to the mean": np.array([s for _, s in rows], dtype=np.float64),
            }
        )


def split_words(text: str) -> list[str]:
    """Words separated by commas and/or spaces, repeats dropped.

    >>> split_words("cat, dog  car,cat")
    ['cat', 'dog', 'car']
    """
    return list(dict.fromkeys(w for w in re.split(r"[\s,;]+", text or "") if w))


def odd_one_out(emb: Embeddings, text: str | Sequence[str]) -> OddOneOut:
    """The word least like the others (see `Embeddings.odd_one_out`), with the numbers.

    >>> toy = Embeddings(["cat", "dog", "car"],
    ...                  np.array([[1, 0.1], [1, 0.2], [0, 1]], dtype=np.float32))
    >>> odd_one_out(toy, "cat, dog, car").odd
    'car'
    """
    words = split_words(text) if isinstance(text, str) else list(dict.fromkeys(text))
    if len(words) < 3:
        raise InputError(
            f"Odd-one-out needs at least 3 words; got {len(words)}. "
            "Type 3 or more, separated by commas or spaces."
        )
    found = lookup_all(emb, words)
    folded = folded_pairs(emb, found)
    spelled = dict(folded)
    vectors = {spelled.get(w, w): found[w].vector for w in words}  # 'Cat, cat' is one word
    if len(vectors) < 3:
        raise InputError(
            f"Odd-one-out needs at least 3 different words; got {len(vectors)} "
            "(this model is lower-case, so 'Cat' and 'cat' are one word)."
        )
    words = list(vectors)
    vecs = np.stack(list(vectors.values())).astype(np.float64)
    unit = vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
    mean = unit.mean(axis=0)
    mean /= max(float(np.linalg.norm(mean)), 1e-12)
    sims = unit @ mean
    return OddOneOut(
        words[int(np.argmin(sims))],
        [(w, float(s)) for w, s in zip(words, sims, strict=True)],
        folded,
    )
