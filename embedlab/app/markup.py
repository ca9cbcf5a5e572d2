"""Showing user text (words, names, file names, messages) safely inside Streamlit Markdown
and plotly labels.

Words are data: `my_word*` must not turn into italics, `<b>` must stay literal.

>>> print(escape_markdown("my_corpus*v2 (lee-news) <b>"))
my\\_corpus\\*v2 (lee-news) \\<b\\>
>>> print(escape_html("<img src=x onerror=alert(1)> & <b>"))
&lt;img src=x onerror=alert(1)&gt; &amp; &lt;b&gt;
"""

from __future__ import annotations

import html
import re

# Mid-line text: the marks that only act at the start of a line (#, -, 1.) need no escape.
_SPECIAL = re.compile(r"([\\`*_\[\]<>~$:|])")


def escape_markdown(text: object) -> str:
    """`text` with Markdown's inline special characters backslash-escaped."""
    return _SPECIAL.sub(r"\\\1", str(text))


def escape_html(text: object) -> str:
    """`text` safe inside plotly's hover labels, tick labels and SVG point labels, which
    read a little HTML (`<b>`, `<br>`, `<a>`): `<`, `>` and `&` become entities."""
    return html.escape(str(text), quote=False)
