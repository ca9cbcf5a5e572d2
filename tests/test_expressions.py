from __future__ import annotations

import numpy as np
import pytest

from embedlab.errors import InputError, UnknownWordError
from embedlab.expressions import evaluate_expression, parse


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("king", [(1.0, "king")]),
        ("king - man + woman", [(1.0, "king"), (-1.0, "man"), (1.0, "woman")]),
        ("  -queen + king ", [(-1.0, "queen"), (1.0, "king")]),
        ("state-of-the-art - art", [(1.0, "state-of-the-art"), (-1.0, "art")]),
        ("0.5 * paris + berlin * 2", [(0.5, "paris"), (2.0, "berlin")]),
        ("a - (b - c)", [(1.0, "a"), (-1.0, "b"), (1.0, "c")]),
        ("2 * (a+b)", [(2.0, "a"), (2.0, "b")]),
        ("1999 + war", [(1.0, "1999"), (1.0, "war")]),
    ],
)
def test_parse(text, terms):
    assert parse(text) == terms


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "The expression is empty"),
        ("   ", "The expression is empty"),
        ("king +", "expected a word but found the end"),
        ("king + * man", "expected a word but found '\\*'"),
        ("(king - man", "expected '\\)'"),
        ("king man", "expected \\+ or - but found 'man'"),
        ("king * queen", "'\\*' must join a number and a word"),
        ("x" * 1001, "keep it under 1000"),
    ],
)
def test_malformed_expressions_get_one_clear_message(text, message):
    with pytest.raises(InputError, match=message):
        parse(text)


def test_expression_equals_3cosadd_analogy(lee_emb):
    result = evaluate_expression(lee_emb, "officers - police + government", k=5)
    analogy = lee_emb.analogy("police", "officers", "government", k=5)
    assert [n.word for n in result.neighbours] == [n.word for n in analogy]
    np.testing.assert_allclose(
        [n.score for n in result.neighbours], [n.score for n in analogy], atol=1e-5
    )
    assert result.name == "(officers - police + government)"
    assert result.words == ["officers", "police", "government"]


def test_single_word_expression_excludes_itself(lee_emb):
    result = evaluate_expression(lee_emb, "police", k=3)
    assert "police" not in {n.word for n in result.neighbours}
    direct = lee_emb.neighbours("police", k=3)  # the same words; scores from another product
    assert [n.word for n in result.neighbours] == [n.word for n in direct]
    assert [n.score for n in result.neighbours] == pytest.approx([n.score for n in direct])


def test_unknown_word_in_an_expression(lee_emb):
    with pytest.raises(
        UnknownWordError, match="'polise' is not in the vocabulary; did you mean: police"
    ):
        evaluate_expression(lee_emb, "polise + fire")


def test_cancelling_expression_has_no_neighbours(lee_emb):
    result = evaluate_expression(lee_emb, "fire - fire")
    assert result.neighbours == [] and not result.vector.any()
