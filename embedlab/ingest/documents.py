"""Decoded text to documents, by format: plain text, CSV/TSV or JSONL.

A file's documents come as events: each sentence, then None at the end of each document.
Plain text: blocks between blank lines are documents, or else each line is one. CSV/TSV: each
row is a document, its text in the column named or guessed. JSONL: each line is a document, a
JSON string or an object with a text field (named or guessed).

>>> import io
>>> docs = Documents(io.StringIO("id,text\\n1,Hi there. Bye.\\n2,Again.\\n"), "csv", "'a.csv'")
>>> list(docs), docs.column
(['Hi there.', 'Bye.', None, 'Again.', None], 'text')
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Iterator
from typing import IO, Any

from embedlab.errors import InputError
from embedlab.ingest.tokenize import SentenceStream

_CHUNK_CHARS = 64 * 1024
_MODE_SAMPLE_CHARS = 1024 * 1024  # sniffed for "documents are separated by blank lines"
_CSV_SAMPLE_CHARS = 64 * 1024  # sniffed for the delimiter
_CSV_FIELD_LIMIT = 64 * 1024 * 1024
_GUESS_ROWS = 200
MAX_LINE_CHARS = 16 * 1024 * 1024
"""Longest line of a CSV, TSV or JSONL file (plain text has no limit: it is read in pieces)."""
_TEXT_NAMES = (
    "text", "sentence", "sentences", "review", "content",
    "body", "document", "comment", "message", "tweet",
)  # fmt: skip


def text_newline(fmt: str) -> str | None:
    """How to open a file of format `fmt` as text (TextIOWrapper's `newline`).

    CSV reads its own line ends, so that a newline inside a quoted cell stays in the cell.

    >>> text_newline("csv"), text_newline("text")
    ('', None)
    """
    return "" if fmt in ("csv", "tsv") else None


class Documents:
    """The sentence events of one decoded file in `fmt`: "text", "csv", "tsv" or "jsonl".

    `text_column` names the CSV column or JSON field to read (guessed when None); once the
    header has been read, `column` is the one read. `label` names the file in messages.

    >>> import io
    >>> lines = io.StringIO('{"id": 1, "body": "One. Two!"}\\n"Three."\\n')
    >>> docs = Documents(lines, "jsonl", "'a.jsonl'")
    >>> list(docs), docs.column
    (['One.', 'Two!', None, 'Three.', None], 'body')
    """

    def __init__(self, text: IO[str], fmt: str, label: str, text_column: str | None = None) -> None:
        self.column: str | None = None
        self._text, self._fmt, self._label, self._wanted = text, fmt, label, text_column

    def __iter__(self) -> Iterator[str | None]:
        if self._fmt == "jsonl":
            return self._jsonl_events()
        if self._fmt in ("csv", "tsv"):
            return self._csv_events()
        return _text_events(self._text)

    def _csv_events(self) -> Iterator[str | None]:
        """CSV/TSV: each row is a document; the text column is given or guessed."""
        lines = _bounded_lines(self._text, self._label, "rows")
        csv.field_size_limit(max(csv.field_size_limit(), _CSV_FIELD_LIMIT))
        head, size = [], 0
        for line in lines:
            head.append(line)
            size += len(line)
            if size >= _CSV_SAMPLE_CHARS:
                break
        delimiter = "\t" if self._fmt == "tsv" else _sniff_delimiter("".join(head))
        reader = csv.reader(itertools.chain(head, lines), delimiter=delimiter)
        del head
        try:
            header = next((row for row in reader if any(cell.strip() for cell in row)), None)
            if header is None:
                return
            head = list(itertools.islice(reader, _GUESS_ROWS))
            index = _choose_column(header, head, self._wanted, self._label, "column")
            self.column = header[index].strip()
            for row in itertools.chain(head, reader):
                if index < len(row) and row[index].strip():
                    yield from _document(row[index])
        except csv.Error as err:
            raise InputError(
                f"{self._label} is not valid CSV (line {reader.line_num}: {err}); fix the file "
                "or upload it as plain text."
            ) from err

    def _jsonl_events(self) -> Iterator[str | None]:
        """JSONL: each line is a document, a JSON string or an object with a text field."""
        records = _json_records(self._text, self._label)
        head = list(itertools.islice(records, _GUESS_ROWS))
        objects = [record for record in head if isinstance(record, dict)]
        key = None
        if objects:
            keys = list(dict.fromkeys(k for record in objects for k in record))
            rows = [[record.get(k) for k in keys] for record in objects]
            key = keys[_choose_column(keys, rows, self._wanted, self._label, "field")]
            self.column = key
        for record in itertools.chain(head, records):
            value = record if isinstance(record, str) else record.get(key) if key else None
            if isinstance(value, str) and value.strip():
                yield from _document(value)


def _document(text: str) -> list[str | None]:
    """The sentences of one in-memory document (a CSV cell, a JSON value), then None."""
    stream = SentenceStream()
    events: list[str | None] = []
    events.extend(stream.feed(text))
    events.extend(stream.end_document())
    return events


# --- plain text -------------------------------------------------------------------------------


def _pieces(text: IO[str]) -> Iterator[tuple[str, bool]]:
    """(piece, ends a line): whole lines, or at most ~64K characters of a very long line."""
    carry = ""
    while chunk := text.read(_CHUNK_CHARS):
        lines = (carry + chunk).split("\n")
        carry = lines.pop()
        for line in lines:
            yield line, True
        if len(carry) > _CHUNK_CHARS:
            yield carry, False
            carry = ""
    if carry:
        yield carry, True


def _blank_separated(sample: list[tuple[str, bool]]) -> bool:
    """Whether a blank line separates two non-blank ones in the sample."""
    at_start, seen, pending = True, False, False
    for piece, eol in sample:
        blank = at_start and eol and not piece.strip()
        at_start = eol
        if blank:
            pending = seen
        elif piece.strip():
            if pending:
                return True
            seen = True
    return False


def _text_events(text: IO[str]) -> Iterator[str | None]:
    """Plain text: blocks between blank lines are documents, or else each line is one."""
    pieces = _pieces(text)
    sample: list[tuple[str, bool]] = []
    size = 0
    for piece in pieces:
        sample.append(piece)
        size += len(piece[0])
        if size >= _MODE_SAMPLE_CHARS:
            break
    blocks = _blank_separated(sample)
    replay = itertools.chain(sample, pieces)
    del sample  # the chain frees it once replayed
    stream = SentenceStream()
    at_start = True
    for piece, eol in replay:
        blank = at_start and eol and not piece.strip()
        at_start = eol
        if blocks:
            if blank:
                yield from stream.end_document()
            else:
                yield from stream.feed(piece + " " if eol else piece)
        else:
            yield from stream.feed(piece)
            if eol:
                yield from stream.end_document()
    yield from stream.end_document()


# --- the text column of a CSV or JSONL file ---------------------------------------------------


def _is_number(value: str) -> bool:
    try:
        float(value.replace(",", ""))
    except ValueError:
        return False
    return True


def _looks_like_text(values: list[Any]) -> bool:
    """Mostly non-numeric strings with a mean length over 20 characters."""
    filled = [v for v in values if v is not None and str(v).strip()]
    words = [v for v in filled if isinstance(v, str) and not _is_number(v)]
    return len(words) * 2 > len(filled) and sum(map(len, words)) > 20 * len(words)


def _shown(name: object, limit: int = 40) -> str:
    """A column name as messages show it: on one line, shortened.

    >>> _shown("a\\nb"), _shown("x" * 50)[-3:]
    ('a b', 'xx…')
    """
    text = "".join(c if c.isprintable() else " " for c in str(name))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _listed(names: list[str], most: int = 12) -> str:
    """Column names for a message: at most `most`, each on one line."""
    shown = ", ".join(_shown(n) for n in names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def _named(names: list[str], wanted: str, label: str, kind: str, role: str) -> int:
    """Index of the column named `wanted` (exactly, else ignoring case and spaces); refuses
    a name that is not there, listing those that are and saying what it was wanted as.

    >>> _named(["id", "Text"], "text", "'a.csv'", "column", "the text column")
    1
    """
    for match in (lambda n: n == wanted, lambda n: n.strip().lower() == wanted.strip().lower()):
        found = [i for i, name in enumerate(names) if match(name)]
        if found:
            return found[0]
    raise InputError(
        f"{label} has no {kind} '{_shown(wanted)}' (its {kind}s are: {_listed(names)}); "
        f"name one of those as {role}."
    )


def _choose_column(
    names: list[str], rows: list[list[Any]], wanted: str | None, label: str, kind: str
) -> int:
    """Index of the text column: the wanted one, a text-like name, or the only long-text one."""
    if wanted is not None:
        return _named(names, wanted, label, kind, "the text column (the CLI's --text-column)")
    if len(names) == 1:
        return 0
    lowered = [name.strip().lower() for name in names]
    for name in _TEXT_NAMES:
        if name in lowered:
            return lowered.index(name)
    columns = [[row[i] if i < len(row) else None for row in rows] for i in range(len(names))]
    found = [i for i, values in enumerate(columns) if _looks_like_text(values)]
    if len(found) == 1:
        return found[0]
    if found:
        candidates = ", ".join(f"'{_shown(names[i])}'" for i in found[:12])
        raise InputError(
            f"{label} has several {kind}s that could hold the text ({candidates}); "
            f"name the one to use as the text column (the CLI's --text-column)."
        )
    raise InputError(
        f"{label} has no {kind} that looks like text (its {kind}s are: {_listed(names)}); "
        f"name the one to use as the text column (the CLI's --text-column)."
    )


def _sniff_delimiter(sample: str) -> str:
    """The first of , TAB ; | that splits the first rows into the same number (>1) of fields."""
    for delimiter in (",", "\t", ";", "|"):
        try:
            rows = list(itertools.islice(csv.reader(io.StringIO(sample), delimiter=delimiter), 20))
        except csv.Error:
            continue
        rows = [row for row in rows if row]
        if rows and len(rows[0]) > 1 and all(len(row) == len(rows[0]) for row in rows):
            return delimiter
    return ","


def _bounded_lines(text: IO[str], label: str, what: str) -> Iterator[str]:
    """The lines of `text`; refuses a line longer than MAX_LINE_CHARS before holding all of it.

    >>> list(_bounded_lines(io.StringIO("a\\nbb\\n"), "'x.csv'", "rows"))
    ['a\\n', 'bb\\n']
    """
    limit = MAX_LINE_CHARS
    number = 0
    while line := text.readline(limit + 1):
        number += 1
        if len(line) > limit:
            raise InputError(
                f"{label} line {number} is longer than {limit:,} characters; split the text "
                f"into shorter {what}, or upload it as a plain-text file."
            )
        yield line


def _json_records(text: IO[str], label: str) -> Iterator[dict[str, Any] | str]:
    for number, line in enumerate(_bounded_lines(text, label, "lines"), 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as err:
            raise InputError(
                f"{label} line {number} is not valid JSON ({err.msg}); fix or remove that line."
            ) from err
        if not isinstance(value, dict | str):
            raise InputError(
                f"{label} line {number} holds a JSON {type(value).__name__}, not an object or a "
                "string; make each line an object with a text field, or a string."
            )
        yield value
