"""Text to sentences and tokens: `TokenizeOptions`, `tokenize`, `split_sentences`, stop words.

`SentenceStream` splits a document that arrives in pieces (a multi-GB plain-text block) without
holding more than its unfinished sentence.

>>> [tokenize(s) for s in split_sentences("Dr. Who's here. It's state-of-the-art!")]
[['dr', "who's", 'here'], ["it's", 'state-of-the-art']]
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from embedlab.errors import InputError

# --- options ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenizeOptions:
    """How text becomes tokens; by default lower-cased words without punctuation.

    >>> TokenizeOptions(drop_numbers=True).to_dict()["drop_numbers"]
    True
    >>> TokenizeOptions(min_count=0).validate()
    Traceback (most recent call last):
    ...
    embedlab.errors.InputError: min_count must be a whole number of at least 1, got 0.
    """

    lowercase: bool = True
    strip_punctuation: bool = True
    drop_numbers: bool = False
    remove_stopwords: bool = False
    phrases: bool = False
    phrase_min_count: int = 5
    phrase_threshold: float = 10.0
    min_count: int = 1

    def validate(self) -> None:
        """Raise InputError for the first value that is out of range."""
        for name in (
            "lowercase",
            "strip_punctuation",
            "drop_numbers",
            "remove_stopwords",
            "phrases",
        ):
            value = getattr(self, name)
            if not isinstance(value, bool):
                raise InputError(f"{name} must be true or false, got {value!r}.")
        for name in ("min_count", "phrase_min_count"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InputError(f"{name} must be a whole number of at least 1, got {value!r}.")
        value = self.phrase_threshold
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or value <= 0
        ):
            raise InputError(f"phrase_threshold must be a number above 0, got {value!r}.")

    def to_dict(self) -> dict[str, Any]:
        """The options as a plain dict (for stats.json)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TokenizeOptions:
        """Options from `to_dict()` output; unknown keys are ignored.

        >>> TokenizeOptions.from_dict({"min_count": 3, "other": 1}).min_count
        3
        """
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


# --- tokens -----------------------------------------------------------------------------------

_WORD = r"\d+(?:[.,]\d+)+|\w+(?:['’\-]\w+)*"
_WORD_RE = re.compile(_WORD)
_WORD_OR_MARK_RE = re.compile(rf"{_WORD}|[^\w\s\x00-\x1f\x7f-\x9f]")
_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)*")


@functools.cache
def _stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


@functools.lru_cache(maxsize=32)
def tokenizer(options: TokenizeOptions) -> Callable[[str], list[str]]:
    """A fast tokenising function for `options` (compiled once per options value).

    >>> split = tokenizer(TokenizeOptions(remove_stopwords=True))
    >>> split("The cat is on the mat")
    ['cat', 'mat']
    """
    pattern = _WORD_RE if options.strip_punctuation else _WORD_OR_MARK_RE
    stop = _stop_words() if options.remove_stopwords else frozenset()
    lowercase, drop_numbers = options.lowercase, options.drop_numbers
    is_number = _NUMBER_RE.fullmatch

    def run(text: str) -> list[str]:
        text = unicodedata.normalize("NFC", text)
        if lowercase:
            text = text.lower()
        tokens = pattern.findall(text)
        if drop_numbers:
            tokens = [t for t in tokens if not is_number(t)]
        if stop:
            tokens = [t for t in tokens if (t if lowercase else t.lower()) not in stop]
        return tokens

    return run


def tokenize(text: str, options: TokenizeOptions = TokenizeOptions()) -> list[str]:
    """Split `text` into tokens: Unicode words, keeping "don't" and "state-of-the-art" whole.

    Numbers such as 3.14 and 1,000 are one token (dropped with drop_numbers); without
    strip_punctuation each punctuation mark is a token of its own.

    >>> tokenize("Café au lait costs 3.50, or 1,000 yen!")
    ['café', 'au', 'lait', 'costs', '3.50', 'or', '1,000', 'yen']
    >>> tokenize("Hi, Bob!", TokenizeOptions(lowercase=False, strip_punctuation=False))
    ['Hi', ',', 'Bob', '!']
    """
    return tokenizer(options)(text)


# --- sentences --------------------------------------------------------------------------------

_SCAN_CHARS = 64 * 1024  # a SentenceStream looks for sentence ends every time this much arrives
_MAX_SENTENCE_CHARS = 50_000  # a longer run without a sentence end is cut at a space
# (so a sentence stays under the 10,000 words at which gensim's trainers truncate)
_BOUNDARY_RE = re.compile(r"""([.!?]+)["'”’)\]]*(\s+)""")
_OPENERS = frozenset("\"'“‘([")
_ABBREVIATIONS = frozenset(
    {
        "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "inc", "ltd", "co",
        "corp", "gen", "gov", "sen", "rep", "rev", "fig", "jan", "feb", "apr", "jun", "jul",
        "aug", "sep", "sept", "oct", "nov", "dec", "mt", "capt", "lt", "col", "sgt", "approx",
        "dept", "vol", "cf", "al",
    }
)  # fmt: skip
_DOTTED_RE = re.compile(r"(?:\w\.)+\w")


def _is_abbreviation(text: str, dot: int) -> bool:
    """Whether the word that ends at `dot` (a period) is an abbreviation such as Dr. or U.S."""
    words = text[max(0, dot - 24) : dot].rsplit(None, 1)
    word = words[-1].lstrip("\"'“‘([") if words else ""
    return (
        word.lower() in _ABBREVIATIONS
        or (len(word) == 1 and word.isupper())
        or ("." in word and _DOTTED_RE.fullmatch(word) is not None)
    )


def _sentence_bounds(text: str) -> list[tuple[int, int]]:
    """(end of a sentence, start of the next) for every sentence boundary in `text`."""
    bounds = []
    size = len(text)
    for match in _BOUNDARY_RE.finditer(text):
        nxt = match.end()
        if nxt >= size:
            continue
        char = text[nxt]
        if char.islower() or not (char.isalpha() or char.isdigit() or char in _OPENERS):
            continue
        if match.group(1) == "." and _is_abbreviation(text, match.start(1)):
            continue
        bounds.append((match.start(2), nxt))
    return bounds


def _cut_sentences(text: str) -> tuple[list[str], str]:
    """(the sentences that end inside `text`, unstripped; the text after the last of them)."""
    sentences, start = [], 0
    for end, nxt in _sentence_bounds(text):
        sentences.append(text[start:end])
        start = nxt
    return sentences, text[start:]


def _stripped(sentences: list[str]) -> list[str]:
    return [sentence for sentence in map(str.strip, sentences) if sentence]


def split_sentences(text: str) -> list[str]:
    """Split a paragraph into sentences at . ! ? followed by a capital, a digit or a quote.

    Common abbreviations (Mr. Dr. U.S. e.g. etc.) and initials do not end a sentence.

    >>> split_sentences("Mr. Smith met Dr. Jones in the U.S. yesterday. Why? \\"Work.\\" 3 days!")
    ['Mr. Smith met Dr. Jones in the U.S. yesterday.', 'Why?', '"Work."', '3 days!']
    """
    sentences, rest = _cut_sentences(text)
    return _stripped([*sentences, rest])


class SentenceStream:
    """Turns a document fed in pieces into sentences, holding only the unfinished one.

    A run of over 50,000 characters without a sentence end is cut at a space.

    >>> stream = SentenceStream()
    >>> stream.feed("It rained. The ")
    []
    >>> stream.end_document()
    ['It rained.', 'The', None]
    """

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._size = 0
        self._scan_at = _SCAN_CHARS

    def feed(self, text: str) -> list[str]:
        """The sentences that `text` completes (usually none until a ~64K buffer fills)."""
        self._parts.append(text)
        self._size += len(text)
        return self._drain(final=False) if self._size >= self._scan_at else []

    def end_document(self) -> list[str | None]:
        """The document's remaining sentences, then None (the end-of-document event)."""
        events: list[str | None] = []
        events.extend(self._drain(final=True))
        events.append(None)
        return events

    def _drain(self, final: bool) -> list[str]:
        sentences, rest = _cut_sentences("".join(self._parts))
        while len(rest) > _MAX_SENTENCE_CHARS:
            cut = max(
                rest.rfind(" ", 0, _MAX_SENTENCE_CHARS), rest.rfind("\t", 0, _MAX_SENTENCE_CHARS)
            )
            cut = cut if cut > 0 else _MAX_SENTENCE_CHARS
            sentences.append(rest[:cut])
            rest = rest[cut:]
        if final:
            sentences.append(rest)
            rest = ""
        self._parts = [rest] if rest else []
        self._size = len(rest)
        self._scan_at = self._size + _SCAN_CHARS
        return _stripped(sentences)
