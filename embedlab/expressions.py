"""Vector arithmetic: parse and evaluate expressions such as `king - man + woman`.

Grammar: terms joined by `+` and `-`; a term is a word, a parenthesised expression, or
either scaled by a number (`0.5 * king`, `king * 2`). A `-` is an operator only when it
stands alone (after a space, a `(` or at the start), so `state-of-the-art` stays a word.
Words are unit-normalised before they are combined, as gensim's `most_similar` does, so
`b - a + c` ranks like the 3CosAdd analogy.

>>> parse("king - man + woman")
[(1.0, 'king'), (-1.0, 'man'), (1.0, 'woman')]
>>> parse("2 * (paris - france)")
[(2.0, 'paris'), (-2.0, 'france')]
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from embedlab.errors import InputError

if TYPE_CHECKING:
    from embedlab.embeddings import Embeddings, Neighbour

MAX_LENGTH = 1000
MAX_DEPTH = 20  # parentheses nested deeper than this are refused (the parser recurses)
MAX_FACTOR = 1e6  # a larger number in `number * word` is refused (float32 vectors overflow)
_TOKEN = re.compile(r"\s*(?:(?P<op>[()+*]|(?<![^\s(])-(?=[\s(]|$))|(?P<word>[^\s()+*]+))")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


@dataclass(frozen=True)
class ExpressionResult:
    """The evaluated vector, its nearest words, and which words came from subwords."""

    expression: str
    vector: np.ndarray
    neighbours: list[Neighbour]
    words: list[str]
    from_subwords: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The expression in whatlies' style, e.g. `(king - man + woman)`."""
        return f"({self.expression})"


def _tokens(text: str) -> list[str]:
    out: list[str] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:  # pragma: no cover - the pattern matches any non-space
            raise InputError(f"Cannot read the expression at '{text[pos : pos + 20]}'.")
        word = m.group("word")
        if word and word.startswith("-") and len(word) > 1 and (not out or out[-1] in "(+-*"):
            out += ["-", word[1:]]  # a leading unary minus: "-queen + king"
        else:
            out.append(m.group("op") or word)
        pos = m.end()
    return out


def _shown(text: str, limit: int = 60) -> str:
    """The expression as messages quote it: one line, shortened.

    >>> _shown("king\\n-  man"), _shown("x + " * 30)[-4:]
    ('king - man', 'x +…')
    """
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = _shown(text)
        self.tokens = _tokens(text)
        self.pos = 0
        self.depth = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str | None:
        tok = self.peek()
        self.pos += 1
        return tok

    def fail(self, what: str) -> InputError:
        got = self.peek()
        where = f"'{got}'" if got is not None else "the end"
        return InputError(
            f"Cannot read '{self.text}': expected {what} but found {where}; "
            "write words joined by + and -, e.g. king - man + woman."
        )

    def expression(self) -> list[tuple[float, str | float]]:
        sign = 1.0
        if self.peek() in ("+", "-"):
            sign = -1.0 if self.take() == "-" else 1.0
        terms = [(sign * c, w) for c, w in self.term()]
        while self.peek() in ("+", "-"):
            sign = -1.0 if self.take() == "-" else 1.0
            terms += [(sign * c, w) for c, w in self.term()]
        return terms

    def term(self) -> list[tuple[float, str | float]]:
        left = self.factor()
        while self.peek() == "*":
            self.take()
            right = self.factor()
            left = _scale(left, right, self)
        return left

    def factor(self) -> list[tuple[float, str | float]]:
        tok = self.peek()
        if tok == "(":
            self.take()
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise InputError(
                    f"Cannot read '{self.text}': its parentheses are nested more than "
                    f"{MAX_DEPTH} deep; use at most {MAX_DEPTH} levels."
                )
            inner = self.expression()
            self.depth -= 1
            if self.take() != ")":
                self.pos -= 1
                raise self.fail("')'")
            return inner
        if tok is None or tok in (")", "+", "-", "*"):
            raise self.fail("a word")
        self.take()
        if (
            _NUMBER.fullmatch(tok)
            and self.peek() == "*"
            or (_NUMBER.fullmatch(tok) and self.pos >= 2 and self.tokens[self.pos - 2] == "*")
        ):
            return [(1.0, self.number(tok))]
        return [(1.0, tok)]

    def number(self, tok: str) -> float:
        value = float(tok)
        if not math.isfinite(value) or abs(value) > MAX_FACTOR:
            raise InputError(
                f"Cannot read '{self.text}': the number {tok} is too large; use factors "
                f"between -{MAX_FACTOR:,.0f} and {MAX_FACTOR:,.0f}, e.g. 0.5 * king."
            )
        return value


def _scale(
    left: list[tuple[float, str | float]], right: list[tuple[float, str | float]], parser: _Parser
) -> list[tuple[float, str | float]]:
    for number_side, other in ((left, right), (right, left)):
        if len(number_side) == 1 and isinstance(number_side[0][1], float):
            factor = number_side[0][0] * number_side[0][1]
            scaled = [(c * factor, w) for c, w in other]
            if any(abs(c) > MAX_FACTOR for c, _ in scaled):
                raise InputError(
                    f"Cannot read '{parser.text}': its factors multiply to more than "
                    f"{MAX_FACTOR:,.0f}; use smaller numbers, e.g. 0.5 * king."
                )
            return scaled
    raise InputError(
        f"Cannot read '{parser.text}': '*' must join a number and a word, e.g. 0.5 * king."
    )


def parse(expression: str) -> list[tuple[float, str]]:
    """The (coefficient, word) terms of an expression, in order, repeats kept.

    >>> parse("-queen + king")
    [(-1.0, 'queen'), (1.0, 'king')]
    >>> parse("king +")
    Traceback (most recent call last):
    ...
    embedlab.errors.InputError: Cannot read 'king +': expected a word but found the end; \
write words joined by + and -, e.g. king - man + woman.
    """
    text = (expression or "").strip()
    if not text:
        raise InputError(
            "The expression is empty; type a word or something like king - man + woman."
        )
    if len(text) > MAX_LENGTH:
        raise InputError(
            f"The expression is {len(text)} characters long; keep it under {MAX_LENGTH}."
        )
    parser = _Parser(text)
    terms = parser.expression()
    if parser.peek() is not None:
        raise parser.fail("+ or -")
    out: list[tuple[float, str]] = []
    for coef, word in terms:
        if isinstance(word, float):
            raise InputError(
                f"Cannot read '{parser.text}': the number {word:g} is not joined to a word by "
                "'*'; write e.g. 0.5 * king."
            )
        out.append((coef, word))
    return out


def evaluate_expression(
    emb: Embeddings,
    expression: str | list[tuple[float, str]],
    k: int = 10,
    restrict: int | None = None,
) -> ExpressionResult:
    """Evaluate `expression` (text, or the terms `parse` made of it, so a caller that has
    parsed once does not parse again) over `emb`'s unit vectors; neighbours exclude the
    input words.

    >>> from embedlab.embeddings import Embeddings
    >>> toy = Embeddings(["king", "queen", "man", "woman"],
    ...     np.array([[1, 1], [1, -1], [0.9, 1.1], [0.9, -0.9]], dtype=np.float32))
    >>> evaluate_expression(toy, "king - man + woman", k=1).neighbours[0].word
    'queen'
    """
    terms = parse(expression) if isinstance(expression, str) else list(expression)
    vector = np.zeros(emb.dim, dtype=np.float32)
    from_subwords: list[str] = []
    for coef, word in terms:
        found = emb.lookup(word)
        if found.from_subwords and word not in from_subwords:
            from_subwords.append(word)
        vector += coef * found.vector / max(float(np.linalg.norm(found.vector)), 1e-12)
    words = list(dict.fromkeys(w for _, w in terms))
    pretty = " ".join(
        (("- " if c < 0 else "+ ") if i else ("-" if c < 0 else ""))
        + (f"{abs(c):g} * " if abs(c) != 1.0 else "")
        + w
        for i, (c, w) in enumerate(terms)
    )
    if not np.any(vector):
        return ExpressionResult(pretty, vector, [], words, from_subwords)
    neighbours = emb.neighbours(vector, k=k, restrict=restrict, exclude=words)
    return ExpressionResult(pretty, vector, neighbours, words, from_subwords)
