"""Exports (a model as downloadable bytes) and the reports the Models and Evaluate pages show."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pytest

from embedlab.analysis.evaluate import evaluate_similarity
from embedlab.app.exports import EXPORT_LABELS, export_bytes
from embedlab.app.reports import (
    catalog_rows,
    compare_models,
    coverage_text,
    model_details,
    run_report,
    scores_across_models,
    similarity_points,
    workspace_metrics,
)
from embedlab.embeddings import Embeddings
from embedlab.errors import FormatError, InputError
from embedlab.formats import WRITE_FORMATS, read_vectors, read_vectors_bytes
from embedlab.store.workspace import Workspace


@pytest.fixture
def toy() -> Embeddings:
    rng = np.random.default_rng(0)
    words = ["the", "cat", "sat", "naïve", "co-op", "U.S."]
    return Embeddings(
        words,
        rng.normal(size=(len(words), 5)).astype(np.float32),
        counts=[60, 50, 40, 30, 20, 10],
        meta={"name": "Toy model"},
    )


# --- export_bytes ----------------------------------------------------------------------------
def test_every_write_format_has_a_label():
    assert set(EXPORT_LABELS) == set(WRITE_FORMATS)


@pytest.mark.parametrize("fmt", ["word2vec", "word2vec-bin", "glove"])
def test_file_formats_read_back_from_the_bytes(toy, fmt):
    name, data, mime = export_bytes(toy, fmt)
    assert name.startswith("toy-model") and mime in ("text/plain", "application/octet-stream")
    back = read_vectors_bytes(data, name)  # the format is detected from the file
    assert back.meta["format"] == fmt
    assert back.words == toy.words
    np.testing.assert_array_equal(back.vectors, toy.vectors)


@pytest.mark.parametrize(
    ("fmt", "files"),
    [("tsv", {"vectors.tsv", "metadata.tsv"}), ("native", {"words.txt", "meta.json"})],
)
def test_folder_formats_are_zips_that_read_back(toy, tmp_path, fmt, files):
    name, data, mime = export_bytes(toy, fmt)
    assert name.endswith(".zip") and mime == "application/zip"
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert files <= set(z.namelist())
        assert all("/" not in n for n in z.namelist())  # the folder's files, at the top
        z.extractall(tmp_path / "out")
    back = read_vectors(tmp_path / "out", fmt)
    assert back.words == toy.words
    np.testing.assert_array_equal(back.vectors, toy.vectors)
    assert list(back.counts) == list(toy.counts)
    if fmt == "native":
        assert back.meta["name"] == "Toy model"


def test_an_unknown_format_or_an_unwritable_word_is_a_clear_error(toy):
    with pytest.raises(InputError, match="Unknown export format 'csv'"):
        export_bytes(toy, "csv")
    spaced = Embeddings(["new york", "paris"], np.eye(2, dtype=np.float32))
    with pytest.raises(InputError, match="'new york'"):
        export_bytes(spaced, "word2vec-bin")


# --- the catalog and comparisons -------------------------------------------------------------
@pytest.fixture
def ws(tmp_path, toy) -> Workspace:
    ws = Workspace(tmp_path / "ws")
    trained = toy.with_meta(
        origin="trained",
        algo="word2vec",
        description="word2vec CBOW, negative sampling (5), 5d",
        config={"algo": "word2vec", "dim": 5, "window": 5, "epochs": 3},
        epoch_losses=[9.0, 7.5, 7.0],
        timings={"train_seconds": 0.5},
        versions={"gensim": "4.4.0"},
    )
    ws.add_model(trained, "cbow")
    ws.add_model(
        trained.with_meta(config={"algo": "word2vec", "dim": 5, "window": 2, "epochs": 3}),
        "cbow-w2",
    )
    ws.add_model(read_vectors_bytes(b"2 5\nthe 1 2 3 4 5\ncat 5 4 3 2 1\n", "small.vec"), "small")
    ws.save_metrics(
        "cbow", "ws353", {"spearman": 0.31, "pairs": 5, "total": 353, "coverage": 5 / 353}
    )
    ws.save_metrics("cbow-w2", "ws353", {"spearman": 0.12, "coverage": 5 / 353})
    ws.save_metrics("cbow-w2", "analogy", {"accuracy": 0.25, "coverage": 0.01})
    return ws


def test_the_catalog_rows_carry_facts_and_latest_scores(ws):
    records = ws.models()
    rows = {r["Model"]: r for r in catalog_rows(records, workspace_metrics(ws, records), "small")}
    assert rows["small"]["Active"] and not rows["cbow"]["Active"]
    assert rows["small"]["Origin"] == "imported" and rows["small"]["Made with"] == "word2vec text"
    assert rows["small"]["Corpus or file"] == "small.vec" and rows["small"]["Vocabulary"] == 2
    assert rows["cbow"]["Made with"] == "word2vec CBOW" and rows["cbow"]["Dimension"] == 5
    assert rows["cbow"]["WS353 Spearman"] == 0.31 and rows["cbow"]["Analogy accuracy"] is None
    assert rows["cbow-w2"]["Analogy accuracy"] == 0.25


def test_details_give_config_timings_versions_and_the_curve(ws):
    details = model_details(ws.model("cbow"))
    assert {"Setting": "window", "Value": "5"} in details.config
    assert details.timings == [{"Step": "Training (s)", "Seconds": 0.5}]
    assert details.versions == [{"Library": "gensim", "Version": "4.4.0"}]
    assert details.epoch_losses == [(1, 9.0), (2, 7.5), (3, 7.0)] and details.no_curve is None
    imported = model_details(ws.model("small"))
    assert imported.config == [] and imported.epoch_losses == []
    assert "Imported vectors have no training curve" in imported.no_curve


def test_comparison_marks_the_differing_settings_and_lists_them_first(ws):
    records = [ws.model("cbow"), ws.model("cbow-w2")]
    rows = compare_models(records, workspace_metrics(ws, records))
    by_setting = {r["Setting"]: r for r in rows}
    assert by_setting["config: window"]["Differs"]
    assert (by_setting["config: window"]["cbow"], by_setting["config: window"]["cbow-w2"]) == (
        "5",
        "2",
    )
    assert not by_setting["config: dim"]["Differs"] and not by_setting["Dimension"]["Differs"]
    assert by_setting["WordSim353: spearman"]["cbow"] == "0.310"
    assert by_setting["Google analogies: accuracy"]["cbow"] == "—"
    assert by_setting["Google analogies: accuracy"]["cbow-w2"] == "25.0 %"
    assert by_setting["Google analogies: accuracy"]["Differs"]
    differs = [r["Differs"] for r in rows]
    assert differs == sorted(differs, reverse=True)  # all differing rows come first
    assert list(rows[0]) == ["Setting", "Differs", "cbow", "cbow-w2"]


def test_comparing_a_trained_and_an_imported_model_shows_missing_config(ws):
    records = [ws.model("cbow"), ws.model("small")]
    by_setting = {r["Setting"]: r for r in compare_models(records, {})}
    assert by_setting["config: window"]["small"] == "—" and by_setting["config: window"]["Differs"]
    assert by_setting["Origin"]["Differs"]


def test_scores_across_models_per_benchmark(ws):
    scores = scores_across_models(workspace_metrics(ws, ws.models()))
    assert list(scores) == ["analogy", "ws353"]
    assert sorted((s.model, s.score) for s in scores["ws353"]) == [
        ("cbow", 0.31),
        ("cbow-w2", 0.12),
    ]


# --- benchmark reports -----------------------------------------------------------------------
def test_similarity_points_are_the_pairs_the_spearman_is_computed_on(lee_emb):
    from scipy.stats import spearmanr

    from embedlab.analysis.evaluate import benchmark_path

    result = evaluate_similarity(lee_emb, "ws353")
    points = similarity_points(lee_emb, benchmark_path("ws353"))
    assert len(points) == result.pairs
    rho = spearmanr([p[2] for p in points], [p[3] for p in points]).statistic
    assert rho == pytest.approx(result.spearman)


def test_an_uploaded_analogy_file_runs_with_the_chosen_method(lee_emb):
    data = b": mine\nman king woman queen\nman he woman she\n"
    report = run_report(lee_emb, "x", method="3cosmul", data=data, filename="../../mine.txt")
    assert report.kind == "analogy" and report.benchmark == "mine.txt"
    assert report.result.method == "3cosmul" and report.result.questions == 2
    assert report.points == []
    assert coverage_text(report.result).startswith("answered ")


def test_a_malformed_upload_names_the_line():
    toy = Embeddings(["a", "b"], np.eye(2, dtype=np.float32))
    with pytest.raises(FormatError, match="Line 2 of 'bad.tsv'"):
        run_report(toy, "x", data=b"a\tb\t1\na\tb\n", filename="bad.tsv")


def test_a_named_benchmark_must_be_known():
    toy = Embeddings(["a", "b"], np.eye(2, dtype=np.float32))
    with pytest.raises(InputError, match="Unknown benchmark 'ws999'"):
        run_report(toy, "ws999")


def test_no_temporary_files_are_left_behind(toy, tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    export_bytes(toy, "native")
    run_report(toy, "x", data=b"the\tcat\t1\nsat\tcat\t2\n", filename="p.tsv")
    assert list(Path(tmp_path).iterdir()) == []


# --- a full disk, and CSV that a spreadsheet would run ------------------------------------------

_EXPORT_UNDER_A_FILE_SIZE_LIMIT = """
import resource, signal, sys, tempfile
import numpy as np
from embedlab.embeddings import Embeddings
from embedlab.errors import EmbedlabError
from embedlab.app.exports import export_bytes

tempfile.tempdir = sys.argv[1]
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))
emb = Embeddings([f"w{i}" for i in range(2000)], np.ones((2000, 50), np.float32))
try:
    export_bytes(emb, sys.argv[2])
except EmbedlabError as err:
    print(type(err).__name__, err)
"""


@pytest.mark.parametrize("fmt", ["word2vec", "native"])
def test_a_full_disk_during_export_is_one_sentence_and_leaves_nothing(tmp_path, fmt):
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", _EXPORT_UNDER_A_FILE_SIZE_LIMIT, str(tmp_path), fmt],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("DiskFull The disk is full: the export could not be written in")
    assert "Traceback" not in out.stdout + out.stderr
    assert list(tmp_path.iterdir()) == []  # no partial file left in the temp folder


def test_csv_cells_that_look_like_formulas_are_quoted():
    import io

    import pandas as pd

    from embedlab.app.exports import csv_bytes

    words = ["=cmd|' /C calc'!A0", "+1", "-2+3", "@SUM(A1:A2)", "\tx", "cat", "it's"]
    table = pd.DataFrame({"word": words, "rank": range(1, 8), "count": [5, -1, 0, 3, 2, 1, 1]})
    back = pd.read_csv(io.BytesIO(csv_bytes(table)), keep_default_na=False)
    assert back.word.tolist() == ["'" + w for w in words[:5]] + ["cat", "it's"]
    assert back["count"].tolist() == [5, -1, 0, 3, 2, 1, 1]  # numbers are left alone
    assert table.word.tolist() == words  # the caller's table is not changed
