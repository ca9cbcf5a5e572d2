"""`embedlab search` and `embedlab contexts` through their own parser around `register`."""

from __future__ import annotations

import argparse
import json

import pytest

from embedlab.analysis.contexts import EXAMPLE_SENTENCES
from embedlab.cli import contexts, search
from embedlab.errors import InputError, NotFoundError
from embedlab.ingest.corpus import ingest
from embedlab.jobs.corpora import add_corpus
from embedlab.store.workspace import Workspace

DOCS = [
    "The cat sat on the mat all afternoon.",
    "Interest rates rose at the central bank this year.",
    "The river bank flooded after the heavy rain.",
    "A bank of fog rolled slowly over the river.",
]


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="embedlab")
    p.add_argument("--home")
    sub = p.add_subparsers(dest="command", required=True)
    search.register(sub)
    contexts.register(sub)
    return p


def run(capsys, *argv: str) -> str:
    args = parser().parse_args(list(argv))
    args.func(args)
    return capsys.readouterr().out


@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "docs"
    ingest("\n\n".join(DOCS).encode(), path, filename="docs.txt")
    return path


def test_search_a_corpus_folder_as_json(capsys, folder, home):
    report = json.loads(
        run(
            capsys,
            "search",
            str(folder),
            "river bank flooded",
            "--method",
            "tfidf",
            "-k",
            "2",
            "--json",
        )
    )
    assert report["method"] == "tfidf" and report["passages"] == 4 and len(report["hits"]) == 2
    assert report["hits"][0]["index"] == 2
    assert report["hits"][0]["matched"] == ["river", "bank", "flooded"]
    assert report["index"]["cached"] is False
    assert list((home / "cache" / "search").glob("*-terms.npz"))


def test_search_a_workspace_corpus_prints_a_table_and_reuses_the_cache(capsys, home):
    add_corpus(Workspace(home), "\n\n".join(DOCS).encode(), name="docs", filename="docs.txt")
    out = run(capsys, "search", "docs", "river bank", "--method", "bm25")
    lines = out.splitlines()
    assert "BM25 on 'docs' (4 passages; index built" in lines[0]
    assert lines[1].split()[:2] == ["rank", "BM25"]
    assert "the river bank flooded" in lines[3]
    assert "read from the cache" in run(capsys, "search", "docs", "fog", "--method", "tfidf")


def test_search_bad_input_raises_one_sentence(capsys, folder):
    with pytest.raises(InputError, match="The query is empty"):
        run(capsys, "search", str(folder), "  ")
    with pytest.raises(NotFoundError, match="neither a corpus in the workspace"):
        run(capsys, "search", "nowhere", "bank")
    with pytest.raises(InputError, match="SIF search needs word vectors"):
        run(capsys, "search", str(folder), "bank", "--method", "sif")
    with pytest.raises(SystemExit):
        parser().parse_args(["search", str(folder), "bank", "--method", "lsa"])


def test_contexts_bad_input_raises_one_sentence(capsys, tmp_path):
    file = tmp_path / "s.txt"
    file.write_text("The bank is shut.\nA river bank.\nNothing here.\n", encoding="utf-8")
    with pytest.raises(InputError, match="'zebra' does not occur"):
        run(capsys, "contexts", "zebra", "--sentences", str(file))
    with pytest.raises(InputError, match="Only 2 sentence"):
        run(capsys, "contexts", "bank", "--sentences", str(file))
    with pytest.raises(InputError, match="No such file"):
        run(capsys, "contexts", "bank", "--sentences", str(tmp_path / "missing.txt"))
    with pytest.raises(SystemExit):  # one source at most
        parser().parse_args(["contexts", "bank", "--corpus", "c", "--sentences", "f"])


@pytest.mark.slow
def test_contexts_of_bank_as_json_and_as_tables(capsys, tmp_path):
    file = tmp_path / "bank.txt"
    file.write_text("\n".join(EXAMPLE_SENTENCES), encoding="utf-8")
    report = json.loads(run(capsys, "contexts", "bank", "--sentences", str(file), "--json"))
    assert report["k"] == 2 and report["chosen_by"] == "silhouette"
    assert [c["sentences"] for c in report["clusters"]] == [10, 10]
    assert {s["cluster"] for s in report["sentences"][:10]} == {1}
    out = run(capsys, "contexts", "bank", "-k", "3")
    assert out.startswith("'bank' in 20 sentences (examples): 3 clusters as given.")
