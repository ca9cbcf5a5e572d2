"""One word in many contexts: the sentence encoder's vector of a word in each sentence.

A static model (word2vec, GloVe, FastText) gives a word one vector, whatever the sentence.
A contextual encoder (all-MiniLM-L6-v2) gives it a different vector in every sentence: here
the mean of the last hidden states of the word's pieces, found through the tokenizer's
character offsets. `word_contexts` takes these vectors for the sentences that contain the
word, clusters them with k-means (k chosen by the silhouette among 2..4, or given), places
them in 2D with PCA, and names each cluster by the words that only its sentences use.

With a static model (`emb`), it also says where the word's one static vector sits relative
to the clusters. The two models live in different spaces, so the static vector cannot be
drawn on the contextual map; instead `StaticView` gives, in the static model's own space,

- `cluster_cosines`: the cosine between the word's static vector and the mean static vector
  of each cluster's distinctive words (e.g. river, water, fishing for the river sense of
  "bank"). A static vector is a blend of all the uses seen in training: it leans to the
  sense that was most frequent there, and is close to neither when the senses are balanced;
- `neighbours`: the static vector's nearest words, each marked with the cluster whose
  distinctive words it is closest to (its "sense"), so one list shows the senses mixed.

Words match whole and ignoring case ("bank" matches "Bank" and "bank's", not "banks"); the
first occurrence in a sentence is the one measured.

>>> len(EXAMPLE_SENTENCES), EXAMPLE_WORD
(20, 'bank')
>>> find_word("The river bank was muddy.", "BANK")
(10, 14)
>>> find_word("Banks lend money.", "bank") is None
True
"""

from __future__ import annotations

import os
import random
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np

from embedlab.errors import InputError
from embedlab.limits import MAX_CONTEXT_SENTENCES

if TYPE_CHECKING:
    from embedlab.embeddings import Embeddings

MIN_SENTENCES = 3  # fewer cannot be clustered and compared
K_RANGE = (2, 4)  # k tried when it is not given
MAX_K = 8
MAX_WORD_CHARS = 50
WINDOW_CHARS = 200  # a longer sentence is cut to this many characters each side of the word
CLUSTER_WORDS = 8  # distinctive words kept per cluster
STATIC_NEIGHBOURS = 10
EXAMPLE_WORD = "bank"

EXAMPLE_SENTENCES: tuple[str, ...] = (
    # river bank
    "We sat on the grassy bank of the river and watched the boats go by.",
    "The heron stood still on the muddy bank, waiting for a fish.",
    "After the storm the stream overflowed its bank and flooded the meadow.",
    "Wild flowers grew all along the bank of the canal.",
    "He pulled the canoe up onto the sandy bank before it got dark.",
    "Otters dig their dens into the steep bank of the river.",
    "The fisherman cast his line from the far bank of the lake.",
    "Reeds and willows lined the bank where the water ran slowly.",
    "The children slid down the wet bank into the shallow creek.",
    "Erosion has worn away the bank, so the path by the water is closed.",
    # money bank
    "She went to the bank to deposit her salary into her savings account.",
    "The bank approved our mortgage after checking our income.",
    "He asked the bank for a loan to start his small business.",
    "The central bank raised interest rates to slow inflation.",
    "I need to transfer money from my bank account to pay the rent.",
    "The bank charges a fee for every withdrawal at a foreign cash machine.",
    "Robbers broke into the bank and emptied the vault.",
    "Her bank froze the credit card after a suspicious payment.",
    "The bank teller counted the notes and handed me a receipt.",
    "Investors worried that the bank would not repay its debts.",
)
"""The page's first view: ten river-bank sentences, then ten money-bank ones (written for
embedlab; free to reuse)."""

EXAMPLE_SENSES: tuple[str, ...] = ("river",) * 10 + ("money",) * 10
"""The sense of each example sentence, in order."""


@dataclass(frozen=True)
class StaticNeighbour:
    """A nearest word of the static vector and the cluster it is closest to (-1: none)."""

    word: str
    cosine: float
    cluster: int


@dataclass(frozen=True)
class StaticView:
    """Where the word's single static vector sits relative to the contextual clusters.

    `cluster_cosines[c]` is the cosine, in the static model, between the word's vector and
    the mean of the unit vectors of cluster c's distinctive words that the model knows
    (`cluster_words[c]`); nan when it knows none. Empty when the model lacks the word.
    """

    model: str
    in_vocabulary: bool
    neighbours: tuple[StaticNeighbour, ...] = ()
    cluster_cosines: tuple[float, ...] = ()
    cluster_words: tuple[tuple[str, ...], ...] = ()

    @property
    def nearest_cluster(self) -> int | None:
        """The cluster the static vector leans to, or None."""
        finite = [(c, i) for i, c in enumerate(self.cluster_cosines) if np.isfinite(c)]
        return max(finite)[1] if finite else None


@dataclass(frozen=True)
class ContextMap:
    """A word's contextual vectors in several sentences, clustered and drawn in 2D.

    Row i of `vectors`, `coords` and `labels` belongs to `sentences[i]`, where the word is
    `sentences[i][spans[i][0]:spans[i][1]]`. `silhouettes` maps each k tried to its mean
    silhouette (cosine); `centroid_cosines` is k × k between the clusters' mean vectors and
    `within[c]` the mean cosine between two sentences of cluster c.
    """

    word: str
    sentences: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]
    pieces: tuple[str, ...]
    vectors: np.ndarray = field(repr=False, compare=False)
    coords: np.ndarray = field(repr=False, compare=False)
    explained: tuple[float, float]
    labels: tuple[int, ...]
    k: int
    chosen_by: Literal["silhouette", "given"]
    silhouettes: dict[int, float]
    cluster_words: tuple[tuple[str, ...], ...]
    centroid_cosines: np.ndarray = field(repr=False, compare=False)
    within: tuple[float, ...]
    found: int
    skipped: int
    source: str
    static: StaticView | None = None

    def cluster_name(self, c: int) -> str:
        """'cluster 1: river, water, fishing' (its first three distinctive words)."""
        words = ", ".join(self.cluster_words[c][:3])
        return f"cluster {c + 1}" + (f": {words}" if words else "")

    def sizes(self) -> list[int]:
        """Sentences per cluster."""
        return np.bincount(np.asarray(self.labels), minlength=self.k).tolist()


# --- finding the word ---------------------------------------------------------------------------
def check_word(word: str) -> str:
    """The word, stripped; an InputError when it is empty or too long.

    >>> check_word("  bank ")
    'bank'
    """
    word = (word or "").strip()
    if not word:
        raise InputError("The word is empty; type a word such as 'bank'.")
    if len(word) > MAX_WORD_CHARS:
        raise InputError(
            f"The word is {len(word)} characters long; type one word of at most "
            f"{MAX_WORD_CHARS} characters."
        )
    return word


def _pattern(word: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.IGNORECASE)


def find_word(sentence: str, word: str) -> tuple[int, int] | None:
    """The character span of the first whole-word, any-case occurrence of `word`, or None."""
    match = _pattern(word).search(sentence)
    return None if match is None else match.span()


def _window(sentence: str, span: tuple[int, int]) -> tuple[str, tuple[int, int]]:
    """The sentence cut to WINDOW_CHARS each side of the word (at spaces, marked with …)."""
    start, end = span
    left = max(0, start - WINDOW_CHARS)
    right = min(len(sentence), end + WINDOW_CHARS)
    if left > 0:
        space = sentence.find(" ", left, start)
        left = space + 1 if space >= 0 else left
    if right < len(sentence):
        space = sentence.rfind(" ", end, right)
        right = space if space >= 0 else right
    prefix = "… " if left > 0 else ""
    text = prefix + sentence[left:right] + (" …" if right < len(sentence) else "")
    shift = len(prefix) - left
    return text, (start + shift, end + shift)


def corpus_sentences(
    corpus: str | os.PathLike[str], word: str, limit: int | None = None, seed: int = 0
) -> tuple[list[str], int]:
    """(sentences of a corpus folder that contain `word`, how many do): a sample of at most
    `limit` (MAX_CONTEXT_SENTENCES by default), drawn evenly with `seed`, in corpus order.

    >>> import tempfile
    >>> from embedlab.ingest.corpus import ingest
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     _ = ingest(b"The bank is open. Birds sing. A river bank.", folder, filename="b.txt")
    ...     corpus_sentences(folder, "bank")
    (['the bank is open', 'a river bank'], 2)
    """
    from embedlab.ingest.corpus import corpus_file

    word = check_word(word)
    limit = MAX_CONTEXT_SENTENCES.value() if limit is None else int(limit)
    path = corpus_file(corpus)
    if not path.is_file():
        raise InputError(f"There is no corpus at '{path.parent}'; ingest a corpus there first.")
    search = _pattern(word).search
    rng = random.Random(seed)
    kept: list[tuple[int, str]] = []
    found = 0
    with open(path, encoding="utf-8", newline="\n") as lines:
        for line in lines:
            if not search(line):
                continue
            found += 1
            sentence = line.strip()
            if len(kept) < limit:  # reservoir sampling: every sentence equally likely
                kept.append((found, sentence))
            else:
                slot = rng.randrange(found)
                if slot < limit:
                    kept[slot] = (found, sentence)
    return [s for _, s in sorted(kept)], found


# --- the analysis -------------------------------------------------------------------------------
def word_contexts(
    word: str,
    sentences: Sequence[str] | None = None,
    *,
    corpus: str | os.PathLike[str] | None = None,
    k: int | None = None,
    emb: Embeddings | None = None,
    device: str = "cpu",
    seed: int = 0,
) -> ContextMap:
    """The contextual vectors of `word` in `sentences` (or in a sample of a corpus folder's
    sentences; the examples when neither is given), clustered, mapped and compared with the
    static vector of `emb` when one is given.

    Sentences without the word are skipped (counted in `skipped`); MAX_CONTEXT_SENTENCES bounds a
    given list, and a corpus gives a sample of that size.
    """
    word = check_word(word)
    if sentences is not None and corpus is not None:
        raise InputError("Give sentences or a corpus, not both.")
    limit = MAX_CONTEXT_SENTENCES.value()
    if corpus is not None:
        texts, found = corpus_sentences(corpus, word, limit, seed)
        source = f"corpus {os.fspath(corpus)}"
    else:
        if sentences is None:
            sentences, source = EXAMPLE_SENTENCES, "examples"
        else:
            source = "given sentences"
        if isinstance(sentences, str):
            raise InputError("Pass a list of sentences, not one string.")
        texts = [str(s).strip() for s in sentences if str(s).strip()]
        if len(texts) > limit:
            raise InputError(
                f"Got {len(texts):,} sentences but the limit is "
                f"{MAX_CONTEXT_SENTENCES.describe(limit)} ({MAX_CONTEXT_SENTENCES.env}); pass "
                "fewer sentences."
            )
        if not texts:
            raise InputError(f"There are no sentences; give some that use '{word}'.")
        found = sum(find_word(t, word) is not None for t in texts)
    kept, spans = [], []
    for text in texts:
        span = find_word(text, word)
        if span is not None:
            text, span = _window(text, span)
            kept.append(text)
            spans.append(span)
    if not kept:
        where = "the corpus" if corpus is not None else f"any of the {len(texts):,} sentences"
        raise InputError(f"'{word}' does not occur in {where}; choose a word that does.")
    if k is not None and (isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K):
        raise InputError(f"The number of clusters must be between 1 and {MAX_K}; got {k!r}.")
    _check_enough(len(kept), word, k)  # before encoding: that takes seconds
    vectors, pieces, kept, spans = _contextual_vectors(kept, spans, device)
    _check_enough(len(kept), word, k)  # a word cut off by the encoder's length limit
    skipped = len(texts) - len(kept)
    labels, chosen_k, silhouettes = _cluster(vectors, k, seed)
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    coords, explained = _pca(unit)
    cluster_words = _distinctive_words(kept, labels, chosen_k, word)
    centroids = np.stack([unit[labels == c].mean(axis=0) for c in range(chosen_k)])
    centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
    within = tuple(_mean_pairwise(unit[labels == c]) for c in range(chosen_k))
    return ContextMap(
        word=word,
        sentences=tuple(kept),
        spans=tuple(spans),
        pieces=tuple(pieces),
        vectors=vectors,
        coords=coords,
        explained=explained,
        labels=tuple(int(x) for x in labels),
        k=chosen_k,
        chosen_by="given" if k is not None else "silhouette",
        silhouettes=silhouettes,
        cluster_words=cluster_words,
        centroid_cosines=(centroids @ centroids.T).astype(np.float32),
        within=within,
        found=found,
        skipped=skipped,
        source=source,
        static=None if emb is None else static_view(emb, word, cluster_words),
    )


def _check_enough(n: int, word: str, k: int | None) -> None:
    need = max(MIN_SENTENCES, k or 0)
    if n < need:
        raise InputError(
            f"Only {n} sentence(s) contain '{word}'; give at least {need} so that they can be "
            "compared."
        )


def piece_vector(
    offsets: np.ndarray, vectors: np.ndarray, span: tuple[int, int]
) -> tuple[np.ndarray, list[int]] | None:
    """The mean of the vectors of the pieces whose character spans overlap `span`, and
    their rows; None when no piece does (the text was cut before the word).

    >>> offsets = np.array([[0, 0], [0, 3], [4, 6], [6, 9], [0, 0]])
    >>> vec, rows = piece_vector(offsets, np.arange(10.0).reshape(5, 2), (4, 9))
    >>> vec.tolist(), rows
    ([5.0, 6.0], [2, 3])
    """
    start, end = span
    hit = (offsets[:, 1] > offsets[:, 0]) & (offsets[:, 0] < end) & (offsets[:, 1] > start)
    rows = np.flatnonzero(hit).tolist()
    if not rows:
        return None
    return vectors[rows].mean(axis=0), rows


def _contextual_vectors(
    texts: list[str], spans: list[tuple[int, int]], device: str
) -> tuple[np.ndarray, list[str], list[str], list[tuple[int, int]]]:
    """(vectors, the word's pieces in each text, texts, spans) for the texts whose word
    survived the encoder's length cut."""
    from embedlab.analysis.encoders import token_vectors

    vectors, pieces, kept, kept_spans = [], [], [], []
    for text, span, tv in zip(texts, spans, token_vectors(texts, device), strict=True):
        found = piece_vector(tv.offsets, tv.vectors, span)
        if found is None:
            continue
        vectors.append(found[0])
        pieces.append(" ".join(tv.pieces[i] for i in found[1]))
        kept.append(text)
        kept_spans.append(span)
    dim = vectors[0].shape[0] if vectors else 0
    matrix = np.stack(vectors).astype(np.float32) if vectors else np.zeros((0, dim), np.float32)
    return matrix, pieces, kept, kept_spans


def _cluster(
    vectors: np.ndarray, k: int | None, seed: int
) -> tuple[np.ndarray, int, dict[int, float]]:
    """k-means on the unit vectors; k by the best cosine silhouette when not given."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    n = len(unit)

    def fit(n_clusters: int) -> np.ndarray:
        model = KMeans(n_clusters=n_clusters, n_init=10, random_state=seed)
        return model.fit_predict(unit.astype(np.float64))

    candidates = [k] if k is not None else list(range(K_RANGE[0], min(K_RANGE[1], n - 1) + 1))
    silhouettes: dict[int, float] = {}
    best: tuple[float, int, np.ndarray] | None = None
    for n_clusters in candidates:
        labels = fit(n_clusters)
        distinct = len(set(labels.tolist()))
        score = (
            float(silhouette_score(unit, labels, metric="cosine"))
            if 2 <= distinct <= n - 1
            else float("nan")
        )
        silhouettes[n_clusters] = score
        if best is None or (np.isfinite(score) and not score <= best[0]):
            best = (score if np.isfinite(score) else -np.inf, n_clusters, labels)
    assert best is not None
    _, chosen, labels = best
    return _renumber(labels), chosen, silhouettes


def _renumber(labels: np.ndarray) -> np.ndarray:
    """Clusters numbered in order of their first sentence (stable across k-means seeds)."""
    order = {}
    for label in labels.tolist():
        order.setdefault(label, len(order))
    return np.array([order[x] for x in labels.tolist()], dtype=np.int64)


def _pca(unit: np.ndarray) -> tuple[np.ndarray, tuple[float, float]]:
    from sklearn.decomposition import PCA

    pca = PCA(n_components=2, random_state=0)
    coords = pca.fit_transform(unit.astype(np.float64)).astype(np.float32)
    ratio = pca.explained_variance_ratio_.tolist() + [0.0, 0.0]
    return coords, (float(ratio[0]), float(ratio[1]))


def _mean_pairwise(unit: np.ndarray) -> float:
    n = len(unit)
    if n < 2:
        return float("nan")
    sims = unit @ unit.T
    return float((sims.sum() - np.trace(sims)) / (n * (n - 1)))


def _distinctive_words(
    texts: Sequence[str], labels: np.ndarray, k: int, word: str
) -> tuple[tuple[str, ...], ...]:
    """Per cluster, the words (not stop words, not the word) its sentences use and the
    other clusters' do not, most sentences first; if it has none, those it uses most more
    often than the others."""
    from embedlab.ingest.tokenize import TokenizeOptions, tokenizer

    split = tokenizer(TokenizeOptions(remove_stopwords=True))
    skip = {t for t in split(word)} | {word.lower()}
    df = [Counter() for _ in range(k)]
    for text, label in zip(texts, labels.tolist(), strict=True):
        df[label].update({t for t in split(text) if t not in skip and not t.isdigit()})
    out = []
    for c in range(k):
        others: Counter[str] = Counter()
        for o in range(k):
            if o != c:
                others.update(df[o])
        only = [w for w in df[c] if others[w] == 0]
        if not only:
            only = [w for w in df[c] if df[c][w] > others[w]]
        only.sort(key=lambda w: (-(df[c][w] - others[w]), w))
        out.append(tuple(only[:CLUSTER_WORDS]))
    return tuple(out)


def static_view(emb: Embeddings, word: str, cluster_words: Sequence[Iterable[str]]) -> StaticView:
    """The static vector of `word` in `emb` against each cluster's distinctive words.

    >>> from embedlab.embeddings import Embeddings
    >>> toy = Embeddings(["bank", "river", "money"],
    ...                  np.array([[1, 1], [1, 0], [0, 1]], dtype=np.float32))
    >>> view = static_view(toy, "bank", [("river",), ("money",)])
    >>> [round(c, 3) for c in view.cluster_cosines], view.neighbours[0].cluster
    ([0.707, 0.707], 0)
    """
    name = emb.name
    key = word if word in emb else word.lower()
    if key not in emb:
        return StaticView(name, False)
    vec = emb.normed[emb.index(key)]
    centroids, used = [], []
    for words in cluster_words:
        known = [w for w in words if w in emb and w != key]
        used.append(tuple(known))
        if known:
            mean = emb.normed[[emb.index(w) for w in known]].mean(axis=0)
            centroids.append(mean / max(float(np.linalg.norm(mean)), 1e-12))
        else:
            centroids.append(np.full(emb.dim, np.nan, dtype=np.float32))
    cents = np.stack(centroids) if centroids else np.zeros((0, emb.dim), np.float32)
    cosines = tuple(float(x) for x in cents @ vec)
    neighbours = []
    for nb in emb.neighbours(key, k=STATIC_NEIGHBOURS):
        nvec = emb.normed[emb.index(nb.word)]
        sims = cents @ nvec
        leans = int(np.nanargmax(sims)) if np.isfinite(sims).any() else -1
        neighbours.append(StaticNeighbour(nb.word, float(nb.score), leans))
    return StaticView(name, True, tuple(neighbours), cosines, tuple(used))
