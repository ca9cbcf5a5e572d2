"""`embedlab axis` and `embedlab weat`, run through a parser built around `register`."""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np
import pytest

from embedlab.cli.axes import register
from embedlab.embeddings import Embeddings
from embedlab.errors import EmbedlabError
from embedlab.store.workspace import Workspace


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """Parse and run like `embedlab.cli.main`: an embedlab error is one line, status 1."""
    parser = argparse.ArgumentParser(prog="embedlab")
    parser.add_argument("--home")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    try:
        args.func(args)
        code = 0
    except EmbedlabError as err:
        print(f"embedlab: error: {err}", file=sys.stderr)
        code = 1
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def toy(home) -> str:
    """A model whose axes and WEAT answer are known: x words along a, y words along b."""
    rng = np.random.default_rng(0)
    e = np.eye(8)
    words, vectors = ["man", "woman", "king", "queen"], [-e[0], e[0], -e[0] + e[1], e[0] + e[1]]
    for prefix, direction in (("x", e[2]), ("y", e[3]), ("a", e[2]), ("b", e[3])):
        for i in range(6):
            words.append(f"{prefix}{i}")
            vectors.append(direction + rng.normal(0, 0.3, 8))
    Workspace(home).add_model(Embeddings(words, np.array(vectors, np.float32)), name="toy")
    return "toy"


def test_axis_ranks_both_ends(capsys, toy):
    code, out, err = run(capsys, "axis", toy, "man", "woman", "-k", "1", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["axis"] == "woman - man" and doc["searched"] == 28
    assert doc["toward_end"][0]["word"] == "queen" and doc["toward_start"][0]["word"] == "king"
    code, out, _ = run(capsys, "axis", toy, "man", "woman", "-k", "2")
    assert code == 0
    assert "Axis woman - man" in out and "toward woman" in out and "queen" in out


def test_axis_places_given_words_and_takes_sets(capsys, toy):
    code, out, err = run(capsys, "axis", toy, "man,king", "woman,queen", "--words", "queen", "x0")
    assert code == 0, err
    assert "(woman, queen) - (man, king)" in out and "projection" in out
    lines = [line.split()[0] for line in out.splitlines()[3:]]
    assert lines == ["x0", "queen"]  # sorted from start to end


def test_axis_errors_are_one_line(capsys, toy):
    code, out, err = run(capsys, "axis", toy, "man", "man")
    assert code == 1 and not out
    assert err.count("\n") == 1 and "zero vector" in err
    code, _, err = run(capsys, "axis", toy, "man", "wman")
    assert code == 1 and "'wman' is not in the vocabulary" in err


def test_weat_on_own_lists(capsys, toy, tmp_path):
    paths = []
    for name in ("flowers", "insects", "pleasant", "unpleasant"):
        prefix = {"flowers": "x", "insects": "y", "pleasant": "a", "unpleasant": "b"}[name]
        path = tmp_path / f"{name}.txt"
        path.write_text("\n".join(f"{prefix}{i}" for i in range(6)) + f"\nno{name}\n")
        paths.append(str(path))
    argv = ["weat", toy, "--targets", *paths[:2], "--attributes", *paths[2:], "--json"]
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["effect_size"] > 1.5 and doc["p_value"] < 0.01 and doc["exact"]
    assert doc["sets"]["X"] == {"name": "flowers", "used": 6, "given": 7, "missing": ["noflowers"]}
    code, out, _ = run(capsys, *argv[:-1])
    assert code == 0
    assert "flowers words are closer than insects words to pleasant" in out
    assert "noflowers" in out and "used" in out


def test_weat_shipped_test_reports_too_few_words(capsys, toy):
    code, out, err = run(capsys, "weat", toy, "--test", "6", "--permutations", "500")
    assert code == 1 and not out
    assert "target set X (Male names)" in err and err.count("\n") == 1


def test_weat_bad_arguments(capsys, toy, tmp_path):
    code, _, err = run(capsys, "weat", toy, "--targets", "a.txt", "b.txt")
    assert code == 1 and "--attributes" in err
    code, _, err = run(capsys, "weat", toy, "--test", "12")
    assert code == 1 and "There is no WEAT 12" in err
    missing = str(tmp_path / "nope.txt")
    code, _, err = run(
        capsys, "weat", toy, "--targets", missing, missing, "--attributes", missing, missing
    )
    assert code == 1 and "No such word list" in err
    with pytest.raises(SystemExit):
        run(capsys, "weat", toy)  # --test or --targets is required
