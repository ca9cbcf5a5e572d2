"""Tests for embedlab.analysis.evaluate: our numbers against gensim's on the same vectors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from embedlab.analysis.evaluate import (
    BENCHMARKS,
    AnalogyResult,
    SimilarityResult,
    benchmark_path,
    evaluate_analogies,
    evaluate_similarity,
    read_analogy_file,
    read_similarity_file,
    run_benchmark,
)
from embedlab.embeddings import Embeddings
from embedlab.errors import FormatError, InputError

# A toy where a:b::c:d holds exactly: axes are (royal, young, male/female).
TOY_WORDS = ["king", "queen", "man", "woman", "boy", "girl"]
TOY_VECTORS = np.array(
    [[1, 0, 1], [1, 0, -1], [0, 0, 1], [0, 0, -1], [0, 1, 1], [0, 1, -1]], dtype=np.float32
)


@pytest.fixture(scope="module")
def lee_kv():
    """gensim Word2Vec on lee_background.cor, trained once for the module (~2 s)."""
    from gensim.models import Word2Vec
    from gensim.test.utils import datapath
    from gensim.utils import simple_preprocess

    with open(datapath("lee_background.cor"), encoding="utf8") as fin:
        sentences = [simple_preprocess(line) for line in fin]
    model = Word2Vec(sentences, vector_size=50, min_count=2, epochs=10, workers=1, seed=42)
    return model.wv


@pytest.fixture(scope="module")
def lee(lee_kv) -> Embeddings:
    return Embeddings.from_keyedvectors(lee_kv, meta={"name": "lee"})


@pytest.fixture(scope="module")
def lee_result(lee) -> AnalogyResult:
    return evaluate_analogies(lee)


@pytest.fixture(scope="module")
def gensim_result(lee_kv):
    return lee_kv.evaluate_word_analogies(str(benchmark_path("analogy")))


@pytest.fixture
def toy() -> Embeddings:
    return Embeddings(TOY_WORDS, TOY_VECTORS, meta={"name": "toy"})


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def gensim_counts(sections: list[dict]) -> list[tuple[str, int, int]]:
    return [
        (s["section"], len(s["correct"]), len(s["correct"]) + len(s["incorrect"])) for s in sections
    ]


def gensim_prediction(kv, a: str, b: str, c: str) -> str:
    """What gensim's evaluate_word_analogies predicts for one question (case-insensitive)."""
    vocab = {w.upper(): w for w in reversed(kv.index_to_key[:300_000])}
    sims = kv.most_similar(
        positive=[vocab[b.upper()], vocab[c.upper()]], negative=[vocab[a.upper()]], topn=5
    )
    ignore = {a.upper(), b.upper(), c.upper()}
    return next(w for w, _ in sims if w.upper() not in ignore)


# --- the lee model against gensim -----------------------------------------------------------
def test_analogy_totals_match_gensim(lee_result, gensim_result):
    score, sections = gensim_result
    total = sections[-1]
    assert lee_result.accuracy == score
    assert lee_result.correct == len(total["correct"])
    assert lee_result.total == len(total["correct"]) + len(total["incorrect"])
    assert lee_result.questions == 19544
    assert lee_result.coverage == lee_result.total / lee_result.questions


def test_analogy_sections_match_gensim(lee_result, gensim_result):
    ours = [(s.name, s.correct, s.total) for s in lee_result.sections]
    assert ours == gensim_counts(gensim_result[1][:-1])
    assert [s.questions for s in lee_result.sections][:2] == [506, 4524]
    for s in lee_result.sections:
        assert s.accuracy == (s.correct / s.total if s.total else 0.0)


def test_analogy_failures_predict_what_gensim_predicts(lee_result, lee_kv):
    assert len(lee_result.failures) == lee_result.total - lee_result.correct
    differ = [
        f for f in lee_result.failures if gensim_prediction(lee_kv, f.a, f.b, f.c) != f.predicted
    ]
    assert len(differ) <= 1, differ  # only a float tie could tip one question


def test_semantic_and_syntactic_split(lee_result):
    def acc(sections):
        total = sum(s.total for s in sections)
        return sum(s.correct for s in sections) / total if total else 0.0

    gram = [s for s in lee_result.sections if s.name.startswith("gram")]
    other = [s for s in lee_result.sections if not s.name.startswith("gram")]
    assert len(gram) == 9
    assert lee_result.syntactic_accuracy == acc(gram)
    assert lee_result.semantic_accuracy == acc(other)


@pytest.mark.parametrize("name", ["ws353", "simlex"])
def test_similarity_matches_gensim(lee, lee_kv, name):
    ours = evaluate_similarity(lee, name)
    pearson, spearman, oov_ratio = lee_kv.evaluate_word_pairs(str(benchmark_path(name)))
    assert ours.spearman == pytest.approx(spearman.statistic, abs=1e-6)
    assert ours.pearson == pytest.approx(pearson.statistic, abs=1e-6)
    assert 100 * len(ours.oov_pairs) / ours.total == pytest.approx(oov_ratio)
    assert ours.pairs + len(ours.oov_pairs) == ours.total
    assert ours.coverage == ours.pairs / ours.total


def test_restrict_matches_gensim(lee, lee_kv):
    ours = evaluate_analogies(lee, restrict=500)
    _, sections = lee_kv.evaluate_word_analogies(str(benchmark_path("analogy")), restrict_vocab=500)
    assert [(s.name, s.correct, s.total) for s in ours.sections] == gensim_counts(sections[:-1])
    sim = evaluate_similarity(lee, "ws353", restrict=500)
    _, spearman, _ = lee_kv.evaluate_word_pairs(str(benchmark_path("ws353")), restrict_vocab=500)
    assert sim.spearman == pytest.approx(spearman.statistic, abs=1e-6)


def test_case_sensitive_matches_gensim_and_loses_capitalised_questions(lee, lee_kv, lee_result):
    ours = evaluate_analogies(lee, case_insensitive=False)
    _, sections = lee_kv.evaluate_word_analogies(
        str(benchmark_path("analogy")), case_insensitive=False
    )
    assert [(s.name, s.correct, s.total) for s in ours.sections] == gensim_counts(sections[:-1])
    # the lee model is lower-cased; "Athens Greece Baghdad Iraq" needs case folding
    assert ours.coverage < lee_result.coverage
    assert ours.sections[0].total == 0


def test_batch_size_does_not_change_the_answers(lee, lee_result):
    small = evaluate_analogies(lee, batch_size=7)
    assert small.failures == lee_result.failures


def test_3cosmul_runs_and_differs_from_3cosadd(lee, lee_kv, lee_result):
    mul = evaluate_analogies(lee, method="3cosmul")
    assert mul.method == "3cosmul" and mul.total == lee_result.total
    add = {(f.a, f.b, f.c, f.expected): f.predicted for f in lee_result.failures}
    changed = [f for f in mul.failures if add.get((f.a, f.b, f.c, f.expected)) != f.predicted]
    assert changed
    # gensim's most_similar_cosmul adds 1e-6 to the denominator, Embeddings 1e-3 (Levy &
    # Goldberg's value), so a few near ties may go the other way.
    vocab = {w.upper(): w for w in reversed(lee_kv.index_to_key)}
    agree = 0
    for f in mul.failures:
        sims = lee_kv.most_similar_cosmul(
            positive=[vocab[f.b.upper()], vocab[f.c.upper()]], negative=[vocab[f.a.upper()]], topn=5
        )
        ignore = {f.a.upper(), f.b.upper(), f.c.upper()}
        agree += next(w for w, _ in sims if w.upper() not in ignore) == f.predicted
    assert agree >= 0.95 * len(mul.failures)


def test_results_are_json_ready(lee, lee_result):
    data = json.loads(json.dumps(lee_result.to_dict(), allow_nan=False))
    assert set(data) >= {
        "accuracy",
        "coverage",
        "correct",
        "total",
        "questions",
        "method",
        "sections",
        "failures",
    }
    assert len(data["failures"]) == 100
    assert data["failure_count"] == len(lee_result.failures)
    assert data["sections"]["family"]["total"] == lee_result.sections[4].total
    assert len(lee_result.to_dict(max_failures=None)["failures"]) == len(lee_result.failures)
    sim = evaluate_similarity(lee, "simlex")
    data = json.loads(json.dumps(sim.to_dict(), allow_nan=False))
    assert set(data) >= {"spearman", "pearson", "pairs", "total", "coverage", "oov_pairs", "worst"}
    assert data["oov_pairs"][0] == list(sim.oov_pairs[0])


def test_worst_pairs_are_the_largest_rank_gaps(lee):
    from scipy.stats import rankdata

    sim = evaluate_similarity(lee, "ws353")
    assert len(sim.worst) == 20
    used = [
        (a, b, h)
        for a, b, h in read_similarity_file(benchmark_path("ws353"))
        if (a, b) not in set(sim.oov_pairs)
    ]
    human = np.array([h for _, _, h in used])
    model = np.array([lee.similarity(a.lower(), b.lower()) for a, b, _ in used])
    gaps = np.abs(rankdata(human) - rankdata(model))
    assert sim.worst[0].model == pytest.approx(model[int(np.argmax(gaps))], abs=1e-6)
    cutoff = np.sort(gaps)[-20]
    gap_of = dict(zip([(a, b) for a, b, _ in used], gaps, strict=True))
    assert all(gap_of[(p.w1, p.w2)] >= cutoff for p in sim.worst)


@pytest.mark.parametrize("name", list(BENCHMARKS))
def test_run_benchmark_by_name(lee, name):
    result = run_benchmark(lee, name)
    expected = AnalogyResult if name == "analogy" else SimilarityResult
    assert isinstance(result, expected)
    assert result.benchmark == name


def test_cuda_matches_cpu(lee, lee_result):
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    cpu = evaluate_analogies(lee, device="cpu")
    cuda = evaluate_analogies(lee, device="cuda")
    assert cuda.correct == cpu.correct and cuda.total == cpu.total
    differ = [(c, g) for c, g in zip(cpu.failures, cuda.failures, strict=True) if c != g]
    assert len(differ) <= 1, differ


# --- toys where the answers are known -------------------------------------------------------
def test_toy_analogies_are_all_right(toy, tmp_path):
    path = write(
        tmp_path,
        "royal.txt",
        ": gender\nman woman king queen\nking queen boy girl\n: royalty\nman king woman queen\n",
    )
    r = evaluate_analogies(toy, path)
    assert (r.accuracy, r.correct, r.total, r.coverage) == (1.0, 3, 3, 1.0)
    assert [s.name for s in r.sections] == ["gender", "royalty"]
    assert r.failures == []
    assert r.benchmark == "royal.txt"
    assert (r.semantic_accuracy, r.syntactic_accuracy) == (None, None)


def test_planted_wrong_answer_is_a_failure(toy, tmp_path):
    path = write(tmp_path, "planted.txt", ": royalty\nman king woman queen\nman king woman girl\n")
    r = evaluate_analogies(toy, path)
    assert (r.correct, r.total, r.accuracy) == (1, 2, 0.5)
    [failure] = r.failures
    assert (failure.section, failure.expected, failure.predicted) == ("royalty", "girl", "queen")
    assert (failure.a, failure.b, failure.c) == ("man", "king", "woman")


def test_file_without_sections_is_one_section(toy, tmp_path):
    text = "# my questions\nman woman king queen\n\nMAN KING WOMAN QUEEN\n"
    path = write(tmp_path, "mine.txt", text)
    assert read_analogy_file(path) == [
        ("mine", [("man", "woman", "king", "queen"), ("MAN", "KING", "WOMAN", "QUEEN")])
    ]
    r = evaluate_analogies(toy, path)
    assert [(s.name, s.correct, s.total) for s in r.sections] == [("mine", 2, 2)]
    assert evaluate_analogies(toy, path, case_insensitive=False).total == 1


def test_oov_questions_count_in_questions_not_total(toy, tmp_path):
    path = write(tmp_path, "oov.txt", ": s\nman woman king queen\nman woman prince princess\n")
    r = evaluate_analogies(toy, path)
    assert (r.correct, r.total, r.questions, r.coverage) == (1, 1, 2, 0.5)
    assert r.sections[0].questions == 2


def test_case_variants_and_restrict_follow_gensim(tmp_path):
    """Random vectors with several spellings of each word: gensim's rules, question by question."""
    rng = np.random.default_rng(0)
    base = [f"ab{i}" for i in range(30)]
    words = base + [w.upper() for w in base[::2]] + [w.title() for w in base[::3]]
    emb = Embeddings(words, rng.normal(size=(len(words), 4)).astype(np.float32))
    lines = [" ".join(rng.choice(base, 4, replace=False)) for _ in range(300)]
    lines += [" ".join(w.upper() for w in rng.choice(base, 4, replace=False)) for _ in range(50)]
    path = write(
        tmp_path,
        "fuzz.txt",
        ": one\n" + "\n".join(lines[:150]) + "\n: two\n" + "\n".join(lines[150:]) + "\n",
    )
    kv = emb.to_keyedvectors()
    for kwargs in [{}, {"restrict": 25}, {"case_insensitive": False}]:
        ours = evaluate_analogies(emb, path, device="cpu", **kwargs)
        gensim_kwargs = {
            "restrict_vocab": kwargs.get("restrict", 300_000),
            "case_insensitive": kwargs.get("case_insensitive", True),
        }
        _, sections = kv.evaluate_word_analogies(str(path), **gensim_kwargs)
        assert [(s.name, s.correct, s.total) for s in ours.sections] == gensim_counts(sections[:-1])
        fold = str.upper if gensim_kwargs["case_insensitive"] else str
        wrong = [tuple(fold(w) for w in q) for s in sections[:-1] for q in s["incorrect"]]
        assert [tuple(fold(w) for w in (f.a, f.b, f.c, f.expected)) for f in ours.failures] == wrong


def test_case_insensitive_false_changes_coverage_on_capitalised_words(tmp_path):
    emb = Embeddings(
        ["Paris", "France", "Rome", "Italy", *TOY_WORDS],
        np.vstack([np.eye(4, 3, dtype=np.float32) + 2, TOY_VECTORS]),
    )
    path = write(tmp_path, "caps.txt", "paris france rome italy\nman king woman queen\n")
    assert evaluate_analogies(emb, path).total == 2
    assert evaluate_analogies(emb, path, case_insensitive=False).total == 1


def test_user_similarity_file_matches_gensim(toy, tmp_path):
    text = (
        "# comment\nWord 1\tWord 2\tScore\nking\tqueen\t8\nman\tboy\t6.5\nman\tking\t5\n"
        "girl\twoman\t7\nqueen\tunicorn\t3\n"
    )
    path = write(tmp_path, "pairs.tsv", text)
    assert read_similarity_file(path)[0] == ("king", "queen", 8.0)
    r = evaluate_similarity(toy, path)
    pearson, spearman, oov_ratio = toy.to_keyedvectors().evaluate_word_pairs(str(path))
    assert (r.pairs, r.total, r.oov_pairs) == (4, 5, [("queen", "unicorn")])
    assert r.spearman == pytest.approx(spearman.statistic, abs=1e-6)
    assert r.pearson == pytest.approx(pearson.statistic, abs=1e-6)
    assert 100 * len(r.oov_pairs) / r.total == pytest.approx(oov_ratio)


def test_space_separated_similarity_file(tmp_path):
    path = write(tmp_path, "spaces.txt", "king queen 8\nman boy 6.5\n")
    assert read_similarity_file(path) == [("king", "queen", 8.0), ("man", "boy", 6.5)]


def test_run_benchmark_detects_a_files_kind(toy, tmp_path):
    analogy = write(tmp_path, "a.txt", "man woman king queen\n")
    similarity = write(tmp_path, "s.txt", "king\tqueen\t8\nman\tboy\t6\n")
    assert isinstance(run_benchmark(toy, analogy), AnalogyResult)
    assert isinstance(run_benchmark(toy, str(similarity)), SimilarityResult)
    multiword = write(tmp_path, "m.tsv", "new york\tcity\t7\nking\tqueen\t8\n")
    assert run_benchmark(toy, multiword).oov_pairs == [("new york", "city")]
    with pytest.raises(FormatError, match="neither an analogy file"):
        run_benchmark(toy, write(tmp_path, "x.txt", "just two\n"))
    with pytest.raises(InputError, match="no benchmark file 'nope'"):
        run_benchmark(toy, "nope")


# --- what a user can get wrong ------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("man woman king queen\nman woman king\n", "Line 2 of 'bad.txt' has 3 words"),
        (": s\n\n# note\nman woman king queen extra\n", "Line 4 of 'bad.txt' has 5 words"),
        ("# nothing here\n: empty\n", "'bad.txt' has no analogy questions"),
    ],
)
def test_malformed_analogy_file(tmp_path, text, match):
    with pytest.raises(FormatError, match=match):
        read_analogy_file(write(tmp_path, "bad.txt", text))


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("king\tqueen\t8\nman\tboy\n", "Line 2 of 'bad.tsv' has 2 fields"),
        ("king\tqueen\t8\nman\tboy\t6\tx\n", "Line 2 of 'bad.tsv' has 4 fields"),
        ("# c\nking\tqueen\t8\nman\tboy\thigh\n", "Line 3 of 'bad.tsv' has the score 'high'"),
        ("king\tqueen\t8\nman\tboy\tnan\n", "Line 2 of 'bad.tsv' has the score 'nan'"),
        ("# only a comment\n", "'bad.tsv' has no word pairs"),
    ],
)
def test_malformed_similarity_file(tmp_path, text, match):
    with pytest.raises(FormatError, match=match):
        read_similarity_file(write(tmp_path, "bad.tsv", text))


def test_non_utf8_file_names_the_line(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("man woman king queen\ncaf\xe9 a b c\n".encode("latin-1"))
    with pytest.raises(FormatError, match="Line 2 of 'latin1.txt' is not UTF-8"):
        read_analogy_file(path)


def test_zero_coverage_is_an_input_error(toy, lee, tmp_path):
    path = write(tmp_path, "far.txt", "cat dog car bus\n")
    with pytest.raises(InputError, match="None of the 1 questions of 'far.txt'"):
        evaluate_analogies(toy, path)
    with pytest.raises(InputError, match="None of the 999 word pairs of 'simlex'"):
        evaluate_similarity(toy.subset(["boy"]), "simlex")
    with pytest.raises(InputError, match="None of the 19544 questions"):
        evaluate_analogies(lee, restrict=3)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"method": "3cosfoo"}, "Unknown analogy method '3cosfoo'"),
        ({"restrict": 0}, "restrict must be a whole number"),
        ({"batch_size": 0}, "batch_size must be a positive whole number"),
        ({"device": "tpu"}, "Unknown device 'tpu'"),
    ],
)
def test_bad_parameters(toy, kwargs, match):
    with pytest.raises(InputError, match=match):
        evaluate_analogies(toy, **kwargs)


def test_wrong_kind_of_named_benchmark(toy):
    with pytest.raises(InputError, match="'analogy' is an analogy benchmark"):
        evaluate_similarity(toy, "analogy")
    with pytest.raises(InputError, match="Unknown benchmark 'men'"):
        benchmark_path("men")


def test_repeated_section_names_stay_apart_in_to_dict(toy, tmp_path):
    path = write(tmp_path, "rep.txt", ": s\nman woman king queen\n: s\nman king woman queen\n")
    sections = evaluate_analogies(toy, path).to_dict()["sections"]
    assert list(sections) == ["s", "s (2)"]
