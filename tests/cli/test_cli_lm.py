"""`embedlab lm` and `embedlab lm-complete`: a report or JSON, --init/--freeze, --save, errors."""

from __future__ import annotations

import argparse
import json
import random

import numpy as np
import pytest

from embedlab.cli.common import Parser
from embedlab.cli.lm import register
from embedlab.embeddings import Embeddings
from embedlab.errors import EmbedlabError
from embedlab.jobs.corpora import add_corpus
from embedlab.store.workspace import Workspace

NOUNS = ["cat", "dog", "bird", "fish", "horse", "mouse"]
FAST = ["--dim", "8", "--hidden", "16", "--epochs", "1", "--device", "cpu"]


def _parser() -> argparse.ArgumentParser:
    parser = Parser(prog="embedlab")
    parser.add_argument("--home")
    register(parser.add_subparsers(dest="command", required=True))
    return parser


def run(capsys, home, *argv: str) -> tuple[int, str, str]:
    """Run one command as `embedlab.cli.main` does: an embedlab error is one line, status 1."""
    args = _parser().parse_args(["--home", str(home), *argv])
    try:
        args.func(args)
        code = 0
    except EmbedlabError as err:
        print(f"embedlab: error: {err}", file=__import__("sys").stderr)
        code = 1
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def ws(home):
    """A workspace holding a small corpus 'pets' and a model 'toy' covering its nouns."""
    rng = random.Random(1)
    text = "\n".join(f"The {rng.choice(NOUNS)} sees the {rng.choice(NOUNS)}." for _ in range(300))
    workspace = Workspace(home)
    add_corpus(workspace, text.encode(), name="pets", filename="pets.txt")
    vectors = np.random.default_rng(0).normal(size=(len(NOUNS) + 2, 8)).astype(np.float32)
    workspace.add_model(Embeddings([*NOUNS, "the", "sees"], vectors), name="toy")
    return workspace


def test_lm_prints_a_report_and_progress(capsys, ws):
    code, out, err = run(capsys, ws.root, "lm", "pets", *FAST)
    assert code == 0, err
    assert "test perplexity" in out and "unigram perplexity" in out and "random" in out
    assert "epoch 1/1" in err and "validation perplexity" in err


def test_lm_json_from_a_frozen_model(capsys, ws):
    code, out, err = run(
        capsys, ws.root, "lm", "pets", "--init", "toy", "--freeze", "--json", *FAST
    )
    assert code == 0, err
    report = json.loads(out)
    assert report["init"] == "model" and report["init_model"] == "toy"
    assert report["config"]["freeze"] is True and report["init_missing"] == 0
    assert report["test_perplexity"] < report["unigram_perplexity"] * 2 and report["saved"] is None


def test_save_then_complete(capsys, ws):
    code, out, err = run(capsys, ws.root, "lm", "pets", "--save", "pets-lm", *FAST)
    assert code == 0, err
    assert (ws.root / "lms" / "pets-lm" / "weights.safetensors").is_file()
    code, out, err = run(capsys, ws.root, "lm-complete", "pets-lm", "the cat", "-k", "3", "--json")
    assert code == 0, err
    found = json.loads(out)["next"]
    assert len(found) == 3 and {"word", "p"} <= set(found[0])
    code, out, _ = run(capsys, ws.root, "lm-complete", "pets-lm", "the", "-k", "2")
    assert code == 0 and len(out.strip().splitlines()) == 4  # header, rule, two words
    code, _, err = run(capsys, ws.root, "lm", "pets", "--save", "pets-lm", *FAST)
    assert code == 1 and "already exists" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["lm", "nowhere"], "neither a corpus in the workspace"),
        (["lm", "pets", "--freeze"], "give one with --init MODEL"),
        (["lm", "pets", "--init", "missing-model"], "neither a model in the workspace"),
        (["lm", "pets", "--epochs", "0"], "epochs must be a whole number"),
        (["lm-complete", "never-saved", "the"], "no saved language model"),
    ],
)
def test_errors_are_one_line(capsys, ws, argv, message):
    code, out, err = run(capsys, ws.root, *argv)
    assert code == 1 and message in err and len(err.strip().splitlines()) == 1
