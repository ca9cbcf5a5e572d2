"""Showing user text (words, names, file names, messages) safely inside Streamlit Markdown.

Words are data: `my_word*` must not turn into italics, `<b>` must stay literal.

>>> print(escape_markdown("my_corpus*v2 (lee-news) <b>"))
my\\_corpus\\*v2 (lee-news) \\<b\\>
"""

from __future__ import annotations

import re

# Mid-line text: the marks that only act at the start of a line (#, -, 1.) need no escape.
_SPECIAL = re.compile(r"([\\`*_\[\]<>~$:|])")


def escape_markdown(text: object) -> str:
    """`text` with Markdown's inline special characters backslash-escaped."""
    return _SPECIAL.sub(r"\\\1", str(text))
