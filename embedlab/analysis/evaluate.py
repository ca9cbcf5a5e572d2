"""Analogy and word-similarity benchmarks, per section, with the failures to look at.

The numbers agree with gensim's `KeyedVectors.evaluate_word_analogies` and
`evaluate_word_pairs` on the same vectors and defaults (first 300,000 words, words
compared upper-cased), but the analogy questions are answered in batches on the chosen
device. The benchmarks are the files gensim ships (`BENCHMARKS`) or a user's file in the
same format.

>>> import numpy as np
>>> from embedlab.embeddings import Embeddings
>>> toy = Embeddings(["king", "queen", "man", "woman"],
...                  np.array([[1, 1], [1, -1], [0.9, 1.1], [0.9, -0.9]], dtype=np.float32))
>>> result = evaluate_analogies(toy, "analogy", device="cpu")
>>> result.correct, result.total, result.questions
(2, 2, 19544)
"""

from __future__ import annotations

import importlib.util
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from embedlab.checks import positive_int
from embedlab.embeddings import ANALOGY_METHODS, AnalogyMethod, Embeddings
from embedlab.errors import FormatError, InputError, NotInstalled

BENCHMARKS: dict[str, str] = {
    "analogy": "questions-words.txt",
    "ws353": "wordsim353.tsv",
    "simlex": "simlex999.txt",
}
BenchmarkKind = Literal["analogy", "similarity"]
_KINDS: dict[str, BenchmarkKind] = {
    "analogy": "analogy",
    "ws353": "similarity",
    "simlex": "similarity",
}
DEFAULT_RESTRICT = 300_000
WORST_PAIRS = 20
# gensim looks at this many answers, then takes the first that is not a question word.
_CANDIDATES = 5

Question = tuple[str, str, str, str]
Section = tuple[str, list[Question]]
PathLike = str | Path


# --- results ---------------------------------------------------------------------------
@dataclass
class SectionScore:
    """One section of an analogy file: `total` counts the questions the model could answer."""

    name: str
    correct: int
    total: int
    questions: int
    accuracy: float


@dataclass
class AnalogyFailure:
    """A question the model got wrong: a is to b as c is to `expected`, not `predicted`."""

    section: str
    a: str
    b: str
    c: str
    expected: str
    predicted: str


@dataclass
class AnalogyResult:
    """An analogy benchmark's score, per section, with every failure."""

    benchmark: str
    method: str
    accuracy: float
    correct: int
    total: int
    questions: int
    coverage: float
    sections: list[SectionScore]
    semantic_accuracy: float | None
    syntactic_accuracy: float | None
    failures: list[AnalogyFailure]

    def to_dict(self, max_failures: int | None = 100) -> dict[str, Any]:
        """JSON-ready summary; `max_failures=None` keeps every failure.

        >>> r = AnalogyResult("toy", "3cosadd", 0.5, 1, 2, 4, 0.5,
        ...                   [SectionScore("family", 1, 2, 4, 0.5)], 0.5, None,
        ...                   [AnalogyFailure("family", "man", "king", "woman", "queen", "prince")])
        >>> d = r.to_dict(max_failures=0)
        >>> d["sections"], d["failures"], d["failure_count"]
        ({'family': {'accuracy': 0.5, 'correct': 1, 'total': 2, 'questions': 4}}, [], 1)
        """
        shown = self.failures if max_failures is None else self.failures[: max(0, max_failures)]
        sections: dict[str, dict[str, Any]] = {}
        for s in self.sections:
            key, n = s.name, 2
            while key in sections:  # a user's file may repeat a section name
                key, n = f"{s.name} ({n})", n + 1
            sections[key] = {
                "accuracy": s.accuracy,
                "correct": s.correct,
                "total": s.total,
                "questions": s.questions,
            }
        return {
            "benchmark": self.benchmark,
            "method": self.method,
            "accuracy": self.accuracy,
            "coverage": self.coverage,
            "correct": self.correct,
            "total": self.total,
            "questions": self.questions,
            "semantic_accuracy": self.semantic_accuracy,
            "syntactic_accuracy": self.syntactic_accuracy,
            "sections": sections,
            "failure_count": len(self.failures),
            "failures": [asdict(f) for f in shown],
        }


@dataclass
class SimilarityPair:
    """A word pair with the human score and the model's cosine similarity."""

    w1: str
    w2: str
    human: float
    model: float


@dataclass
class SimilarityResult:
    """A word-similarity benchmark's correlations, the skipped pairs and the worst pairs."""

    benchmark: str
    spearman: float
    pearson: float
    pairs: int
    total: int
    coverage: float
    oov_pairs: list[tuple[str, str]]
    worst: list[SimilarityPair]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary; an undefined correlation (NaN) becomes None.

        >>> SimilarityResult("toy", float("nan"), 1.0, 2, 3, 2 / 3, [("a", "zz")], []).to_dict()
        {'benchmark': 'toy', 'spearman': None, 'pearson': 1.0, 'pairs': 2, 'total': 3, \
'coverage': 0.666..., 'oov_pairs': [['a', 'zz']], 'worst': []}
        """
        return {
            "benchmark": self.benchmark,
            "spearman": _finite_or_none(self.spearman),
            "pearson": _finite_or_none(self.pearson),
            "pairs": self.pairs,
            "total": self.total,
            "coverage": self.coverage,
            "oov_pairs": [list(p) for p in self.oov_pairs],
            "worst": [asdict(p) for p in self.worst],
        }


def _finite_or_none(x: float) -> float | None:
    return x if math.isfinite(x) else None


# --- files -----------------------------------------------------------------------------
def benchmark_path(name: str) -> Path:
    """The file gensim ships for a benchmark name in `BENCHMARKS`.

    >>> benchmark_path("ws353").name
    'wordsim353.tsv'
    """
    if name not in BENCHMARKS:
        raise InputError(f"Unknown benchmark '{name}'; choose one of {', '.join(BENCHMARKS)}.")
    spec = importlib.util.find_spec("gensim")  # locate the data without importing gensim
    if spec is None or not spec.submodule_search_locations:
        raise NotInstalled("gensim")
    folder = Path(next(iter(spec.submodule_search_locations)))
    return folder / "test" / "test_data" / BENCHMARKS[name]


def _resolve(path_or_name: PathLike) -> tuple[str, Path]:
    """(display name, file) for a benchmark name or a user's path."""
    if isinstance(path_or_name, str) and path_or_name in BENCHMARKS:
        return path_or_name, benchmark_path(path_or_name)
    path = Path(path_or_name)
    if not path.is_file():
        raise InputError(
            f"There is no benchmark file '{path}'; give the path of a file or one of "
            f"{', '.join(BENCHMARKS)}."
        )
    return path.name, path


def _read_lines(path: PathLike) -> list[str]:
    """The file's lines, decoded as UTF-8 (a BOM is dropped)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise InputError(f"Cannot read '{path}' ({err.strerror}); check the path.") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise FormatError(
            f"Line {line} of '{path.name}' is not UTF-8 text; save the file as UTF-8."
        ) from None
    return text.splitlines()


def _content(lines: Sequence[str]) -> list[tuple[int, str]]:
    """(line number, stripped text) of the lines that are neither blank nor # comments."""
    out = []
    for no, line in enumerate(lines, 1):
        text = line.strip()
        if text and not text.startswith("#"):
            out.append((no, text))
    return out


def read_analogy_file(path: PathLike) -> list[Section]:
    """[(section, questions)] in file order; lines are `a b c d`, `: name` starts a section.

    Questions before any `: name` line go to a section named after the file. Blank lines
    and lines starting with `#` are skipped.

    >>> sections = read_analogy_file(benchmark_path("analogy"))
    >>> sections[0][0], sections[0][1][0], len(sections)
    ('capital-common-countries', ('Athens', 'Greece', 'Baghdad', 'Iraq'), 14)
    """
    path = Path(path)
    sections: list[Section] = []
    for no, text in _content(_read_lines(path)):
        if text.startswith(":"):
            sections.append((text.lstrip(": ").strip() or f"section {len(sections) + 1}", []))
            continue
        words = text.split()
        if len(words) != 4:
            raise FormatError(
                f"Line {no} of '{path.name}' has {len(words)} words; an analogy line needs 4 "
                "(a b c d), or ': name' to start a section."
            )
        if not sections:
            sections.append((path.stem, []))
        sections[-1][1].append((words[0], words[1], words[2], words[3]))
    if not any(questions for _, questions in sections):
        raise FormatError(
            f"'{path.name}' has no analogy questions; add lines of 4 words (a b c d)."
        )
    return sections


def _fields(text: str) -> list[str]:
    """Tab-separated fields when the line has a tab, else whitespace-separated ones."""
    return [f.strip() for f in text.split("\t")] if "\t" in text else text.split()


def _score(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def read_similarity_file(path: PathLike) -> list[tuple[str, str, float]]:
    """[(word, word, human score)] from lines `w1<TAB>w2<TAB>score` (`#` lines are comments).

    Fields may also be separated by spaces when a line has no tab. A first line whose
    score is not a number is taken as a header and skipped.

    >>> pairs = read_similarity_file(benchmark_path("ws353"))
    >>> len(pairs), pairs[0]
    (353, ('love', 'sex', 6.77))
    """
    path = Path(path)
    pairs: list[tuple[str, str, float]] = []
    for i, (no, text) in enumerate(_content(_read_lines(path))):
        fields = _fields(text)
        if len(fields) != 3:
            raise FormatError(
                f"Line {no} of '{path.name}' has {len(fields)} fields; a similarity line needs 3 "
                "(word, word, score), separated by tabs."
            )
        score = _score(fields[2])
        if score is None:
            if i == 0:  # a header such as "word1  word2  score"
                continue
            raise FormatError(
                f"Line {no} of '{path.name}' has the score '{fields[2]}', which is not a number; "
                "make the third field a number."
            )
        pairs.append((fields[0], fields[1], score))
    if not pairs:
        raise FormatError(f"'{path.name}' has no word pairs; add lines of: word, word, score.")
    return pairs


def detect_kind(path: Path) -> BenchmarkKind:
    """Analogy (`: name` or 4 words a line) or similarity (3 fields, numeric third)."""
    for _, text in _content(_read_lines(path))[:20]:
        fields = _fields(text)  # first, so that "new york<TAB>city<TAB>7" is a pair
        if len(fields) == 3 and _score(fields[2]) is not None:
            return "similarity"
        if text.startswith(":") or len(text.split()) == 4:
            return "analogy"
    raise FormatError(
        f"'{path.name}' is neither an analogy file (lines of 4 words) nor a similarity file "
        "(lines of: word, word, score); fix its format."
    )


# --- shared checks ---------------------------------------------------------------------


def _folder(case_insensitive: bool) -> Callable[[str], str]:
    return str.upper if case_insensitive else str


def _vocabulary(emb: Embeddings, restrict: int | None, case_insensitive: bool) -> dict[str, str]:
    """Folded word -> model word, over the first `restrict` words.

    Like gensim, the list is walked backwards so the first (most frequent) spelling wins.
    """
    fold = _folder(case_insensitive)
    return {fold(w): w for w in reversed(emb.words[:restrict])}


def _cut(emb: Embeddings, restrict: int | None) -> int | None:
    """`restrict` when it leaves words out of `emb`, else None (the whole vocabulary)."""
    return restrict if restrict is not None and restrict < len(emb) else None


def _no_coverage(
    n: int, what: str, name: str, restrict: int | None, case_insensitive: bool
) -> InputError:
    scope = "vocabulary" if restrict is None else f"first {restrict:,} words"
    fixes = "a larger restrict" if case_insensitive else "a larger restrict, case_insensitive=True"
    return InputError(
        f"None of the {n} {what} of '{name}' are in the model's {scope}; use a model "
        f"trained on a larger corpus, or {fixes}."
    )


# --- analogies -------------------------------------------------------------------------
def evaluate_analogies(
    emb: Embeddings,
    path: PathLike | None = None,
    *,
    method: AnalogyMethod = "3cosadd",
    restrict: int | None = DEFAULT_RESTRICT,
    case_insensitive: bool = True,
    batch_size: int = 1024,
    device: str | None = None,
) -> AnalogyResult:
    """Accuracy on an analogy file (default: Google's questions-words), per section.

    A question with a word outside the first `restrict` words is skipped (it counts in
    `questions`, not in `total`). The answer is the best word other than the three
    question words, as gensim's `most_similar(positive=[b, c], negative=[a])` finds it
    (or `most_similar_cosmul` for "3cosmul").

    >>> import numpy as np
    >>> from embedlab.embeddings import Embeddings
    >>> toy = Embeddings(["king", "queen", "man", "woman", "boy", "girl"],  # royal, young, male
    ...     np.array([[1, 0, 1], [1, 0, -1], [0, 0, 1], [0, 0, -1], [0, 1, 1], [0, 1, -1]]))
    >>> r = evaluate_analogies(toy, device="cpu")
    >>> r.accuracy, r.total, r.sections[4].name
    (1.0, 6, 'family')
    """
    if method not in ANALOGY_METHODS:
        raise InputError(f"Unknown analogy method '{method}'; choose 3cosadd or 3cosmul.")
    restrict = positive_int(restrict, "restrict", allow_none=True)
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise InputError(f"batch_size must be a positive whole number; got {batch_size!r}.")
    name, file = _resolve("analogy" if path is None else path)
    sections = read_analogy_file(file)
    fold = _folder(case_insensitive)
    vocab = _vocabulary(emb, restrict, case_insensitive)
    asked: list[tuple[int, Question]] = []
    for i, (_, questions) in enumerate(sections):
        asked += [(i, q) for q in questions if all(fold(w) in vocab for w in q)]
    n_questions = sum(len(qs) for _, qs in sections)
    if not asked:
        raise _no_coverage(n_questions, "questions", name, _cut(emb, restrict), case_insensitive)
    inputs = [(vocab[fold(a)], vocab[fold(b)], vocab[fold(c)]) for _, (a, b, c, _) in asked]
    predicted = _predict(emb, inputs, method, restrict, batch_size, device, fold)
    return _analogy_result(name, method, sections, asked, predicted, fold)


def _predict(
    emb: Embeddings,
    inputs: Sequence[tuple[str, str, str]],
    method: AnalogyMethod,
    restrict: int | None,
    batch_size: int,
    device: str | None,
    fold: Callable[[str], str],
) -> list[str]:
    """The answer to each question: of the top candidates, the first that is no question
    word once folded (another spelling of one); "" when the search returns nothing."""
    out: list[str] = []
    for start in range(0, len(inputs), batch_size):
        batch = inputs[start : start + batch_size]
        found = emb.analogies(batch, k=_CANDIDATES, method=method, restrict=restrict, device=device)
        for question, candidates in zip(batch, found, strict=True):
            ignore = {fold(w) for w in question}
            words = [n.word for n in candidates]
            # gensim keeps the last candidate when all of them are question words
            fallback = words[-1] if words else ""
            out.append(next((w for w in words if fold(w) not in ignore), fallback))
    return out


def _analogy_result(
    name: str,
    method: str,
    sections: list[Section],
    asked: list[tuple[int, Question]],
    predicted: list[str],
    fold: Callable[[str], str],
) -> AnalogyResult:
    correct = [0] * len(sections)
    total = [0] * len(sections)
    failures: list[AnalogyFailure] = []
    for (i, (a, b, c, d)), guess in zip(asked, predicted, strict=True):
        total[i] += 1
        if fold(guess) == fold(d):
            correct[i] += 1
        else:
            failures.append(AnalogyFailure(sections[i][0], a, b, c, d, guess))
    scores = [
        SectionScore(s, correct[i], total[i], len(qs), _ratio(correct[i], total[i]))
        for i, (s, qs) in enumerate(sections)
    ]
    n_correct, n_total = sum(correct), sum(total)
    n_questions = sum(s.questions for s in scores)
    semantic, syntactic = _split_accuracy(scores)
    return AnalogyResult(
        benchmark=name,
        method=method,
        accuracy=_ratio(n_correct, n_total),
        correct=n_correct,
        total=n_total,
        questions=n_questions,
        coverage=_ratio(n_total, n_questions),
        sections=scores,
        semantic_accuracy=semantic,
        syntactic_accuracy=syntactic,
        failures=failures,
    )


def _ratio(num: int, den: int) -> float:
    return num / den if den else 0.0


def _split_accuracy(scores: Sequence[SectionScore]) -> tuple[float | None, float | None]:
    """Semantic and syntactic accuracy, for files that name syntactic sections "gram...".

    Both are None for a file without such sections, where the split means nothing.
    """
    syntactic = [s for s in scores if s.name.startswith("gram")]
    if not syntactic:
        return None, None
    semantic = [s for s in scores if not s.name.startswith("gram")]

    def acc(group: Sequence[SectionScore]) -> float | None:
        return _ratio(sum(s.correct for s in group), sum(s.total for s in group)) if group else None

    return acc(semantic), acc(syntactic)


# --- word similarity -------------------------------------------------------------------
def evaluate_similarity(
    emb: Embeddings,
    path_or_name: PathLike = "ws353",
    *,
    case_insensitive: bool = True,
    restrict: int | None = DEFAULT_RESTRICT,
) -> SimilarityResult:
    """Spearman and Pearson correlation of cosine similarity with human scores.

    Pairs with a word outside the first `restrict` words are skipped and listed in
    `oov_pairs`; `worst` holds the pairs whose model rank is furthest from the human one.

    >>> import numpy as np
    >>> from embedlab.embeddings import Embeddings
    >>> toy = Embeddings(["tiger", "cat", "love", "sex"],
    ...                  np.array([[1, 0.2], [1, 0.1], [0, 1], [0.3, 1]], dtype=np.float32))
    >>> r = evaluate_similarity(toy, "ws353")
    >>> r.pairs, r.total, r.spearman, round(r.pearson, 3)
    (3, 353, 1.0, 0.715)
    """
    restrict = positive_int(restrict, "restrict", allow_none=True)
    if isinstance(path_or_name, str) and _KINDS.get(path_or_name, "similarity") != "similarity":
        raise InputError(
            f"'{path_or_name}' is an analogy benchmark; use evaluate_analogies for it."
        )
    name, file = _resolve(path_or_name)
    rows = read_similarity_file(file)
    fold = _folder(case_insensitive)
    vocab = _vocabulary(emb, restrict, case_insensitive)
    used = [r for r in rows if fold(r[0]) in vocab and fold(r[1]) in vocab]
    oov = [(w1, w2) for w1, w2, _ in rows if fold(w1) not in vocab or fold(w2) not in vocab]
    if not used:
        raise _no_coverage(len(rows), "word pairs", name, _cut(emb, restrict), case_insensitive)
    index = emb.key_to_index
    ia = [index[vocab[fold(w1)]] for w1, _, _ in used]
    ib = [index[vocab[fold(w2)]] for _, w2, _ in used]
    model = np.einsum("ij,ij->i", emb.normed[ia], emb.normed[ib]).astype(np.float64)
    human = np.array([s for _, _, s in used], dtype=np.float64)
    spearman, pearson = _correlations(human, model)
    return SimilarityResult(
        benchmark=name,
        spearman=spearman,
        pearson=pearson,
        pairs=len(used),
        total=len(rows),
        coverage=len(used) / len(rows),
        oov_pairs=oov,
        worst=_worst_pairs(used, human, model),
    )


def _correlations(human: np.ndarray, model: np.ndarray) -> tuple[float, float]:
    """(Spearman, Pearson); NaN where undefined (fewer than 2 pairs, or a constant side)."""
    from scipy import stats

    if len(human) < 2:
        return float("nan"), float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", stats.ConstantInputWarning)
        spearman = float(stats.spearmanr(human, model).statistic)
        pearson = float(stats.pearsonr(human, model).statistic)
    return spearman, pearson


def _worst_pairs(
    used: Sequence[tuple[str, str, float]], human: np.ndarray, model: np.ndarray
) -> list[SimilarityPair]:
    """The pairs whose model rank differs most from their human rank (equal ranks left out)."""
    from scipy.stats import rankdata

    gap = np.abs(rankdata(human) - rankdata(model))
    order = [i for i in np.argsort(-gap, kind="stable")[:WORST_PAIRS] if gap[i] > 0]
    return [SimilarityPair(used[i][0], used[i][1], float(human[i]), float(model[i])) for i in order]


# --- one entry point -------------------------------------------------------------------
def run_benchmark(
    emb: Embeddings, benchmark: PathLike, **kw: Any
) -> AnalogyResult | SimilarityResult:
    """Run a named benchmark ("analogy", "ws353", "simlex") or a user's file of either kind.

    A file's kind is told from its content; keywords go to `evaluate_analogies` or
    `evaluate_similarity`.

    >>> import numpy as np
    >>> from embedlab.embeddings import Embeddings
    >>> toy = Embeddings(["old", "new", "smart", "intelligent"],
    ...                  np.array([[1, 0], [-1, 0.2], [0, 1], [0.1, 1]], dtype=np.float32))
    >>> run_benchmark(toy, "simlex").pairs
    2
    """
    if isinstance(benchmark, str) and benchmark in BENCHMARKS:
        kind, path = _KINDS[benchmark], benchmark
    else:
        _, file = _resolve(benchmark)
        kind, path = detect_kind(file), file
    if kind == "analogy":
        return evaluate_analogies(emb, path, **kw)
    return evaluate_similarity(emb, path, **kw)
