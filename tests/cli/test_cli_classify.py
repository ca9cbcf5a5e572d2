"""`embedlab classify` and `embedlab classifications`: JSON, tables, the catalog, error lines."""

from __future__ import annotations

import json

import pytest

from embedlab.cli import main
from embedlab.formats import write_vectors
from embedlab.store.workspace import Workspace


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def lee_file(tmp_path_factory, lee_emb):
    """The Lee word2vec model as a word2vec text file (a --model given by path)."""
    folder = tmp_path_factory.mktemp("vectors")
    return str(write_vectors(lee_emb, folder / "lee.txt", "word2vec")[0])


@pytest.fixture
def reviews_csv(tmp_path):
    from embedlab.ingest.labelled import demo_labelled

    demo = demo_labelled()
    lines = ["id;opinion;verdict"] + [
        f'{i};"{text.replace(chr(34), chr(39))}";{label}'
        for i, (text, label) in enumerate(zip(demo.texts, demo.labels, strict=True))
    ]
    path = tmp_path / "reviews.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def test_demo_json_has_the_scores_and_is_stored(capsys, home):
    code, out, err = run(capsys, "classify", "demo", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert {"accuracy", "macro_f1", "per_class", "confusion", "labels"} <= report.keys()
    assert report["labels"] == ["neg", "pos"]
    assert sum(map(sum, report["confusion"])) == 200
    assert report["per_class"]["neg"]["support"] == 100
    assert report["baseline"] is None  # the run is itself the TF-IDF baseline
    correct = report["confusion"][0][0] + report["confusion"][1][1]
    assert report["accuracy"] == pytest.approx(correct / 200)
    code, out, _ = run(capsys, "classifications", "--json")
    listed = json.loads(out)
    assert [r["id"] for r in listed] == [report["id"]]
    assert listed[0]["accuracy"] == report["accuracy"]


def test_csv_with_named_columns_and_a_held_out_split(capsys, reviews_csv):
    code, out, err = run(
        capsys,
        "classify",
        str(reviews_csv),
        "--text-column",
        "opinion",
        "--label-column",
        "verdict",
        "--test-size",
        "0.25",
        "--seed",
        "3",
        "--json",
    )
    assert code == 0, err
    report = json.loads(out)
    assert report["evaluation"] == "held-out 25% test split"
    assert sum(map(sum, report["confusion"])) == 50
    assert report["dataset"]["text_column"] == "opinion"


def test_pooled_features_from_a_model_file_report_oov_and_the_baseline(capsys, lee_file):
    code, out, err = run(capsys, "classify", "demo", "--features", "sif", "--model", lee_file)
    assert code == 0, err
    assert "Out of vocabulary:" in out
    assert "TF-IDF + logreg baseline" in out and "this run" in out
    assert "pred neg" in out and "Most confident mistakes:" in out
    code, out, _ = run(
        capsys, "classify", "demo", "--features", "tfidf-mean", "--model", lee_file, "--json"
    )
    report = json.loads(out)
    assert report["oov"]["oov_rate"] > 0 and report["baseline"]["accuracy"] > 0
    assert report["config"]["features"] == "tfidf-mean"


def test_torch_head_with_finetuning(capsys, lee_file):
    code, out, err = run(
        capsys,
        "classify",
        "demo",
        "--classifier",
        "torch",
        "--model",
        lee_file,
        "--finetune",
        "--epochs",
        "4",
        "--cv",
        "3",
        "--json",
    )
    assert code == 0, err
    report = json.loads(out)
    assert report["config"]["features"] == "mean" and report["config"]["finetune"]
    assert {h["fold"] for h in report["history"]} == {1, 2, 3}
    assert all(h["epoch"] <= 4 for h in report["history"])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--features", "sif"], "choose a model (the CLI's --model)"),
        (["--cv", "3", "--test-size", "0.2"], "Choose --cv or --test-size, not both."),
        (["--finetune"], "Fine-tuning needs the torch classifier"),
        (["--features", "mean", "--model", "nope"], "'nope' is neither a model"),
        (["--cv", "200"], "cv must be a whole number from 2 to 20"),
        (
            ["--features", "minilm", "--finetune", "--max-length", "4"],
            "max_length must be a whole number from 8 to 256",
        ),
        (["--text-column", "x"], "The demo set has no columns"),
    ],
)
def test_bad_options_are_one_line_and_store_nothing(capsys, home, argv, message):
    code, out, err = run(capsys, "classify", "demo", *argv)
    assert code == 1 and out == ""
    assert err.startswith("embedlab: error: ") and message in err
    assert len(err.strip().splitlines()) == 1
    assert Workspace().classifications() == []


@pytest.mark.parametrize(
    ("content", "name", "flags", "message"),
    [
        (b"text,label\nhello there,a\nhi,a\n", "one.csv", [], "only one class ('a')"),
        (b"text,label\nhello there,a\n,b\nhi,b\n", "e.csv", [], "line 3 has an empty text"),
        (
            b"words,kind\nhello there my dear old friend,a\nhi,b\n",
            "c.csv",
            ["--text-column", "words", "--label-column", "y"],
            "has no column 'y'",
        ),
        (b"just text\nmore text\n", "plain.txt", [], "has no labels"),
    ],
)
def test_bad_data_is_one_line(capsys, tmp_path, home, content, name, flags, message):
    path = tmp_path / name
    path.write_bytes(content)
    code, out, err = run(capsys, "classify", str(path), *flags)
    assert code == 1 and out == "" and message in err
    assert len(err.strip().splitlines()) == 1
    assert Workspace().classifications() == []


def test_no_results_yet(capsys):
    code, out, _ = run(capsys, "classifications")
    assert code == 0 and out.strip() == "No classification results yet."


@pytest.mark.slow
def test_minilm_finetune_shows_an_estimate_and_the_frozen_encoder(capsys, tmp_path, home):
    good = ["a great film", "wonderful acting", "I loved it", "brilliant and moving"]
    bad = ["a terrible film", "boring plot", "I hated it", "awful and dull"]
    lines = ["text,label"] + [f"{t} {i},pos" for i in range(3) for t in good]
    lines += [f"{t} {i},neg" for i in range(3) for t in bad]
    path = tmp_path / "tiny.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    argv = ["classify", str(path), "--features", "minilm", "--finetune", "--test-size", "0.25"]
    code, out, err = run(capsys, *argv, "--epochs", "1", "--max-length", "16")
    assert code == 0, err
    assert "Estimate: fine-tuning" in err and "tokens/s measured here" in err
    assert "all-MiniLM-L6-v2 fine-tuned end to end + linear head" in out
    assert "frozen MiniLM + logreg" in out and "TF-IDF + logreg baseline" in out
    (record,) = Workspace().classifications()
    assert record.report["config"]["max_length"] == 16
    assert record.report["frozen"]["accuracy"] is not None
