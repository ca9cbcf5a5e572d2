"""The `embedlab` command line: every command, its JSON, and its error paths."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from gensim.test.utils import datapath

from embedlab.cli import main

EMBEDLAB = str(Path(sys.executable).with_name("embedlab"))


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    """A workspace with the Lee demo corpus ingested and a small skip-gram model trained."""
    home = tmp_path_factory.mktemp("cli") / "ws"
    code = main(["--home", str(home), "ingest", datapath("lee_background.cor"), "--name", "lee"])
    assert code == 0
    code = main(
        [
            "--home",
            str(home),
            "train",
            "lee",
            "--dim",
            "40",
            "--epochs",
            "8",
            "--min-count",
            "3",
            "--workers",
            "1",
            "--seed",
            "7",
            "--name",
            "lee-sg",
        ]
    )
    assert code == 0
    return home


def test_ingest_reports_statistics(capsys, home):
    code, out, _ = run(capsys, "ingest", datapath("lee_background.cor"), "--json")
    assert code == 0
    stats = json.loads(out)
    assert stats["corpus"] == "lee_background" and stats["documents"] == 300
    assert stats["tokens"] > 50_000 and 0 < stats["vocabulary"] < stats["tokens"]
    oov = stats["oov_share"]
    assert 0 < oov["2"] < oov["5"] < oov["10"] < 0.5
    code, out, _ = run(capsys, "corpora", "--json")
    assert [c["name"] for c in json.loads(out)] == ["lee_background"]


def test_ingest_latin1_file(capsys, tmp_path):
    path = tmp_path / "old.txt"
    path.write_bytes("Le café était très animé. Déjà vu à Noël.\n".encode("latin-1"))
    code, out, _ = run(capsys, "ingest", str(path), "--json")
    assert code == 0
    stats = json.loads(out)
    assert stats["encoding"] in ("cp1252", "latin-1")
    assert "café" in [w for w, _ in stats["top_words"]]


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "photo.txt", "not text"),
        (b"", "empty.txt", "empty"),
        (None, "missing.txt", "No such file"),
    ],
)
def test_ingest_errors_are_one_line(capsys, tmp_path, home, content, name, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    code, out, err = run(capsys, "ingest", str(path))
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and message in err and "Traceback" not in err
    assert not list((home / "corpora").glob("*")) if home.exists() else True


def test_train_prints_json_summary(capsys, lee_corpus_file):
    code, out, err = run(
        capsys,
        "train",
        str(lee_corpus_file),
        "--algo",
        "word2vec",
        "--cbow",
        "--hs",
        "--dim",
        "16",
        "--epochs",
        "2",
        "--min-count",
        "5",
        "--workers",
        "1",
        "--json",
    )
    assert code == 0, err
    summary = json.loads(out)
    assert {"model", "vocab", "seconds", "words_per_sec"} <= summary.keys()
    assert summary["vocab"] > 500 and summary["words_per_sec"] > 0
    assert summary["config"]["architecture"] == "cbow" and summary["config"]["loss"] == "hs"
    assert len(summary["epoch_losses"]) == 2
    code, out, _ = run(capsys, "runs", "--json")
    runs = json.loads(out)
    assert runs[0]["status"] == "done" and runs[0]["model_name"] == summary["model"]


def test_train_fasttext(capsys, lee_corpus_file):
    code, out, err = run(
        capsys,
        "train",
        str(lee_corpus_file),
        "--algo",
        "fasttext",
        "--dim",
        "16",
        "--epochs",
        "1",
        "--workers",
        "1",
        "--name",
        "ft",
        "--json",
    )
    assert code == 0, err
    code, out, err = run(capsys, "neighbours", "ft", "governmentality", "-k", "3", "--json")
    assert code == 0 and len(json.loads(out)) == 3
    assert "built from subwords" in err


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--dim", "0"], "dim must be between"),
        (["--window", "-1"], "window must be between"),
        (["--epochs", "1000000"], "epochs must be between"),
        (["--algo", "bert"], "bert"),
    ],
)
def test_train_refuses_bad_hyperparameters_up_front(capsys, lee_corpus_file, home, flags, message):
    code, out, err = run(capsys, "train", str(lee_corpus_file), *flags)
    assert code == 1 and message in err and err.count("\n") == 1
    assert not (home / "corpora").exists() or not list((home / "corpora").iterdir())


def test_train_on_a_tiny_corpus_says_what_it_needs(capsys, tmp_path):
    path = tmp_path / "tiny.txt"
    path.write_text("one two three\n")
    code, _, err = run(capsys, "train", str(path), "--min-count", "5")
    assert code == 1 and "min-count" in err and "Traceback" not in err
    code, out, _ = run(capsys, "runs", "--json")
    assert json.loads(out) == []  # refused before a run is listed
    code, out, _ = run(capsys, "models", "--json")
    assert json.loads(out) == []


def test_neighbours(capsys, trained):
    code, out, _ = run(
        capsys, "--home", str(trained), "neighbours", "lee-sg", "police", "-k", "5", "--json"
    )
    assert code == 0
    items = json.loads(out)
    assert len(items) == 5 and all({"word", "score"} == set(i) for i in items)
    assert "police" not in [i["word"] for i in items]
    assert items == sorted(items, key=lambda i: -i["score"])
    code, out, _ = run(capsys, "--home", str(trained), "neighbours", "lee-sg", "police")
    assert code == 0 and out.splitlines()[0] == "Nearest to 'police' in lee-sg:"


def test_neighbours_of_an_expression(capsys, trained):
    code, out, _ = run(
        capsys,
        "--home",
        str(trained),
        "neighbours",
        "lee-sg",
        "officers - police + government",
        "--json",
    )
    assert code == 0
    words = [i["word"] for i in json.loads(out)]
    code, out, _ = run(
        capsys,
        "--home",
        str(trained),
        "analogy",
        "lee-sg",
        "police",
        "officers",
        "government",
        "-k",
        "10",
        "--json",
    )
    assert words == [i["word"] for i in json.loads(out)]


def test_unknown_word_suggests_spellings(capsys, trained):
    code, out, err = run(capsys, "--home", str(trained), "neighbours", "lee-sg", "polise")
    assert code == 1 and out == ""
    assert err == "embedlab: error: 'polise' is not in the vocabulary; did you mean: police?\n"


def test_analogy_methods(capsys, trained):
    for method in ("3cosadd", "3cosmul"):
        code, out, _ = run(
            capsys,
            "--home",
            str(trained),
            "analogy",
            "lee-sg",
            "man",
            "woman",
            "president",
            "--method",
            method,
            "--json",
        )
        assert code == 0
        words = [i["word"] for i in json.loads(out)]
        assert len(words) == 5 and not {"man", "woman", "president"} & set(words)


def test_analogy_scores_are_labelled_by_method(capsys, trained):
    for method, label in (("3cosadd", "cosine"), ("3cosmul", "3cosmul score")):
        code, out, _ = run(
            capsys,
            "--home",
            str(trained),
            "analogy",
            "lee-sg",
            "man",
            "woman",
            "president",
            "--method",
            method,
        )
        assert code == 0
        title, header = out.splitlines()[:2]
        assert f"({method}, lee-sg)" in title
        assert header.split() == ["#", "word", *label.split()]


def test_similarity_and_odd_one_out(capsys, trained):
    code, out, _ = run(
        capsys, "--home", str(trained), "similarity", "lee-sg", "police", "police", "--json"
    )
    assert code == 0 and json.loads(out)["cosine"] == pytest.approx(1.0, abs=1e-5)
    code, out, _ = run(
        capsys,
        "--home",
        str(trained),
        "odd-one-out",
        "lee-sg",
        "police",
        "officers",
        "police",
        "tuesday",
    )
    assert code == 0 and out.strip() in {"police", "officers", "tuesday"}


def test_evaluate_all_benchmarks(capsys, trained):
    code, out, err = run(capsys, "--home", str(trained), "evaluate", "lee-sg", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert set(result) == {"analogy", "ws353", "simlex"}
    assert 0 <= result["analogy"]["accuracy"] <= 1 and 0 < result["analogy"]["coverage"] < 1
    assert "capital-common-countries" in result["analogy"]["sections"]
    assert -1 <= result["ws353"]["spearman"] <= 1 and result["ws353"]["coverage"] > 0
    code, out, _ = run(capsys, "--home", str(trained), "models", "--json")
    metrics = {m["name"]: m["metrics"] for m in json.loads(out)}["lee-sg"]
    assert metrics["ws353"]["spearman"] == result["ws353"]["spearman"]


def test_evaluate_a_user_file(capsys, trained, tmp_path):
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("police\tofficers\t9\npolice\ttuesday\t1\nfire\tfires\t8\nfire\tmonday\t0.5\n")
    code, out, _ = run(
        capsys, "--home", str(trained), "evaluate", "lee-sg", "--benchmark", str(pairs), "--json"
    )
    assert code == 0 and json.loads(out)["pairs.tsv"]["pairs"] == 4


def test_export_and_import_every_format(capsys, trained, tmp_path, home):
    for fmt in ("word2vec", "word2vec-bin", "glove", "tsv", "native"):
        out_path = tmp_path / f"out-{fmt}"
        code, out, err = run(
            capsys, "--home", str(trained), "export", "lee-sg", "--format", fmt, str(out_path)
        )
        assert code == 0, err
        code, out, err = run(capsys, "import", str(out_path), "--name", f"back-{fmt}", "--json")
        assert code == 0, err
        assert json.loads(out)["dim"] == 40
    code, out, _ = run(capsys, "neighbours", "back-word2vec-bin", "police", "-k", "3", "--json")
    code2, out2, _ = run(
        capsys, "--home", str(trained), "neighbours", "lee-sg", "police", "-k", "3", "--json"
    )
    assert [i["word"] for i in json.loads(out)] == [i["word"] for i in json.loads(out2)]


def test_a_vector_file_path_works_as_model(capsys, tmp_path):
    path = tmp_path / "vecs.txt"
    path.write_text("3 2\ncat 1 0\ndog 0.9 0.1\ncar 0 1\n")
    code, out, _ = run(capsys, "neighbours", str(path), "cat", "-k", "1", "--json")
    assert code == 0 and json.loads(out)[0]["word"] == "dog"


def test_pickles_need_trust_pickle(capsys, tmp_path, home):
    marker = tmp_path / "pwned"
    path = tmp_path / "model.kv"
    path.write_bytes(pickle.dumps(_Evil(str(marker))))
    code, _, err = run(capsys, "import", str(path))
    assert code == 1 and "--trust-pickle" in err and not marker.exists()
    from gensim.models import KeyedVectors

    kv = KeyedVectors(2)
    kv.add_vectors(["a", "b"], np.eye(2, dtype=np.float32))
    kv.save(str(tmp_path / "real.kv"))
    code, _, err = run(capsys, "import", str(tmp_path / "real.kv"))
    assert code == 1
    code, out, err = run(capsys, "import", str(tmp_path / "real.kv"), "--trust-pickle", "--json")
    assert code == 0, err and json.loads(out)["vocab"] == 2


class _Evil:
    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (Path.touch, (Path(self.path),))


def test_delete_and_missing_model(capsys, tmp_path):
    path = tmp_path / "vecs.txt"
    path.write_text("2 2\ncat 1 0\ndog 0 1\n")
    assert run(capsys, "import", str(path), "--name", "pets")[0] == 0
    assert run(capsys, "delete", "pets")[0] == 0
    code, _, err = run(capsys, "neighbours", "pets", "cat")
    assert code == 1 and "neither a model in the workspace nor a file" in err


def test_console_script_runs_without_traceback(tmp_path):
    done = subprocess.run(
        [EMBEDLAB, "--home", str(tmp_path / "ws"), "neighbours", "nope", "cat"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("embedlab: error: 'nope' is neither")
    helped = subprocess.run([EMBEDLAB, "--help"], capture_output=True, text=True, timeout=120)
    for command in (
        "ingest",
        "train",
        "import",
        "export",
        "models",
        "neighbours",
        "analogy",
        "evaluate",
    ):
        assert command in helped.stdout


@pytest.mark.parametrize("algo", ["sgns", "glove"])
def test_train_with_the_torch_trainers(capsys, lee_corpus_file, algo):
    code, out, err = run(
        capsys,
        "train",
        str(lee_corpus_file),
        "--algo",
        algo,
        "--dim",
        "16",
        "--epochs",
        "2",
        "--workers",
        "1",
        "--device",
        "cpu",
        "--json",
    )
    assert code == 0, err
    summary = json.loads(out)
    assert summary["config"]["algo"] == algo and summary["vocab"] > 500
    expected_alpha = 0.05 if algo == "glove" else 0.025
    assert summary["config"]["alpha"] == expected_alpha
    assert len(summary["epoch_losses"]) == 2


def test_sgns_refuses_hierarchical_softmax(capsys, lee_corpus_file):
    code, _, err = run(capsys, "train", str(lee_corpus_file), "--algo", "sgns", "--hs")
    assert code == 1 and "negative sampling only" in err and err.count("\n") == 1


def test_evaluating_a_file_never_stores_scores_on_a_catalog_model(capsys, tmp_path):
    path = tmp_path / "pets.txt"
    path.write_text("3 2\ncat 1 0\ndog 0.9 0.1\ncar 0 1\n")
    assert run(capsys, "import", str(path), "--name", "pets")[0] == 0
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("cat\tdog\t9\ncat\tcar\t1\ndog\tcar\t2\n")
    code, _, err = run(capsys, "evaluate", str(path), "--benchmark", str(pairs))
    assert code == 0, err
    code, out, _ = run(capsys, "models", "--json")
    assert json.loads(out)[0]["metrics"] == {}  # the file 'pets.txt' is not the model 'pets'
    assert run(capsys, "evaluate", "pets", "--benchmark", str(pairs))[0] == 0
    code, out, _ = run(capsys, "models", "--json")
    assert set(json.loads(out)[0]["metrics"]) == {"pairs.tsv"}


def test_deterministic_sgns_gives_the_same_vectors_twice(tmp_path):
    import numpy as np

    from embedlab.store.workspace import Workspace

    home = tmp_path / "ws"
    text = tmp_path / "c.txt"
    text.write_text("the cat sat on the mat . the dog ran in the park .\n" * 40)
    args = ["--home", str(home), "train", str(text), "--algo", "sgns", "--dim", "8",
            "--epochs", "2", "--min-count", "1", "--workers", "2", "--deterministic"]  # fmt: skip
    assert main([*args, "--name", "one"]) == 0 and main([*args, "--name", "two"]) == 0
    ws = Workspace(home)
    one, two = ws.load_model("one"), ws.load_model("two")
    assert one.meta["config"]["deterministic"] is True
    np.testing.assert_array_equal(one.vectors, two.vectors)
