"""What the Contexts page shows: one word's contextual vectors in many sentences, their
clusters, and where the word's single static vector stands.

>>> parse_sentences("The bank was shut.\\n\\n  We rowed to the bank.  ")
['The bank was shut.', 'We rowed to the bank.']
>>> wrap("one two three four", width=9)
'one two<br>three<br>four'
"""

from __future__ import annotations

import math
import textwrap
from typing import TYPE_CHECKING

from embedlab.analysis.contexts import (
    EXAMPLE_SENTENCES,
    EXAMPLE_WORD,
    ContextMap,
    word_contexts,
)
from embedlab.app.markup import escape_html, escape_markdown
from embedlab.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from embedlab.embeddings import Embeddings
    from embedlab.store.workspace import Workspace

SOURCES = {
    "examples": f"Example sentences ({EXAMPLE_WORD})",
    "corpus": "Sentences from a corpus",
    "typed": "Sentences I type",
}
K_CHOICES = ("auto", "2", "3", "4")
EXAMPLE_TEXT = "\n".join(EXAMPLE_SENTENCES[:3] + EXAMPLE_SENTENCES[10:13])


def parse_sentences(text: str) -> list[str]:
    """One sentence per non-empty line."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def parse_k(choice: str) -> int | None:
    """'auto' → None (chosen by silhouette), else the number.

    >>> parse_k("auto"), parse_k("3")
    (None, 3)
    """
    return None if choice == "auto" else int(choice)


def context_map(
    word: str,
    source: str,
    *,
    ws: Workspace | None = None,
    corpus: str | None = None,
    typed: str = "",
    k: int | None = None,
    emb: Embeddings | None = None,
) -> ContextMap:
    """The analysis for the page's choices: the examples, a workspace corpus or typed lines."""
    if source == "examples":
        return word_contexts(word, EXAMPLE_SENTENCES, k=k, emb=emb)
    if source == "corpus":
        if ws is None or not corpus:
            raise InputError("Choose a corpus, or add one on the Corpus page.")
        return word_contexts(word, corpus=ws.corpus(corpus).path, k=k, emb=emb)
    if source == "typed":
        lines = parse_sentences(typed)
        if not lines:
            raise InputError("Type some sentences, one per line, that use the word.")
        return word_contexts(word, lines, k=k, emb=emb)
    raise InputError(f"Unknown sentence source '{source}'; choose one of {', '.join(SOURCES)}.")


def wrap(text: str, width: int = 60) -> str:
    """`text` broken into lines of about `width` characters for a hover label."""
    return "<br>".join(textwrap.wrap(text, width)) or text


def marked(cm: ContextMap, i: int) -> str:
    """Sentence i, HTML-escaped, with the word in bold and lines wrapped (for hovers)."""
    text, (start, end) = cm.sentences[i], cm.spans[i]
    before, word, after = text[:start], text[start:end], text[end:]
    marker = "\x00"
    lines = wrap(before + marker + word + marker + after)
    parts = lines.split(marker)
    if len(parts) != 3:  # the wrap split the word: no bold
        return wrap(escape_html(text))
    parts = [p.replace("<br>", "\x01") for p in parts]
    html = escape_html(parts[0]) + "<b>" + escape_html(parts[1]) + "</b>" + escape_html(parts[2])
    return html.replace("\x01", "<br>")


def points_frame(cm: ContextMap) -> pd.DataFrame:
    """One row per sentence: x, y, its cluster's name and its hover text."""
    import pandas as pd

    return pd.DataFrame(
        {
            "x": cm.coords[:, 0],
            "y": cm.coords[:, 1],
            "cluster": [escape_html(cm.cluster_name(c)) for c in cm.labels],
            "sentence": list(cm.sentences),
            "hover": [marked(cm, i) for i in range(len(cm.sentences))],
        }
    )


def clusters_table(cm: ContextMap) -> pd.DataFrame:
    """One row per cluster: size, distinctive words, how alike its sentences' vectors are,
    and (with a static model) the static vector's cosine to its words."""
    import pandas as pd

    sizes = cm.sizes()
    rows = []
    for c in range(cm.k):
        row = {
            "cluster": c + 1,
            "sentences": sizes[c],
            "words only its sentences use": ", ".join(cm.cluster_words[c]) or "—",
            "mean cosine inside": _num(cm.within[c]),
        }
        if cm.static is not None and cm.static.in_vocabulary:
            row["static vector's cosine to its words"] = _num(cm.static.cluster_cosines[c])
        rows.append(row)
    return pd.DataFrame(rows)


def sentences_table(cm: ContextMap) -> pd.DataFrame:
    """Every sentence with its cluster number and the word pieces measured."""
    import pandas as pd

    return pd.DataFrame(
        {
            "cluster": [c + 1 for c in cm.labels],
            "sentence": list(cm.sentences),
            "word pieces": list(cm.pieces),
        }
    ).sort_values("cluster", kind="stable")


def static_table(cm: ContextMap) -> pd.DataFrame:
    """The static vector's nearest words and the cluster each is closest to."""
    import pandas as pd

    view = cm.static
    rows = []
    for nb in view.neighbours if view is not None else ():
        rows.append(
            {
                "neighbour": nb.word,
                "cosine": round(nb.cosine, 3),
                "closest cluster": nb.cluster + 1 if nb.cluster >= 0 else None,
            }
        )
    return pd.DataFrame(rows, columns=["neighbour", "cosine", "closest cluster"])


def _num(value: float) -> float | None:
    return None if not math.isfinite(value) else round(float(value), 3)


def summary(cm: ContextMap) -> str:
    """What was measured, as one Markdown paragraph (user text escaped)."""
    word = escape_markdown(cm.word)
    how = (
        f"chosen by the silhouette (best {cm.silhouettes[cm.k]:.2f} among "
        f"k = {', '.join(str(x) for x in cm.silhouettes)})"
        if cm.chosen_by == "silhouette"
        else "as asked"
    )
    found = (
        f" (a sample of the {cm.found:,} sentences that contain it)"
        if cm.found > len(cm.sentences)
        else ""
    )
    skipped = f" {cm.skipped:,} sentence(s) without the word were left out." if cm.skipped else ""
    return (
        f"**{word}** in {len(cm.sentences):,} sentences{found}: {cm.k} clusters, {how}. The "
        f"map's two axes keep {sum(cm.explained):.0%} of the vectors' variance.{skipped}"
    )


def explanation(cm: ContextMap) -> str:
    """The teacher's paragraph: what this shows about static and contextual embeddings."""
    word = escape_markdown(cm.word)
    between = [float(cm.centroid_cosines[a, b]) for a in range(cm.k) for b in range(a + 1, cm.k)]
    parts = [
        f"Each dot is **{word}** in one sentence: the sentence encoder reads the whole sentence "
        f"and gives the word a different vector each time. Sentences where **{word}** is used "
        "the same way land close together, so the clusters are its senses (or its uses) as the "
        "encoder sees them."
    ]
    if between:
        inside = [w for w in cm.within if math.isfinite(w)]
        parts.append(
            f"Inside a cluster two vectors have a cosine of {min(inside):.2f} or more on "
            f"average; the clusters' mean vectors, {max(between):.2f} at most."
            if inside
            else ""
        )
    view = cm.static
    if view is None:
        parts.append(
            "A static model (word2vec, GloVe, FastText) has one vector per word, whatever the "
            "sentence: activate a model to see where its vector stands."
        )
    elif not view.in_vocabulary:
        parts.append(
            f"The active model {escape_markdown(view.model)} has no vector for **{word}**."
        )
    else:
        lean = view.nearest_cluster
        parts.append(
            f"The static model {escape_markdown(view.model)} has one vector for **{word}** in "
            "every sentence: a blend of all the uses it saw in training. "
            + (
                f"It is closest to the words of cluster {lean + 1}, the use most frequent in "
                "its training text; its nearest words below mix the senses."
                if lean is not None
                else "None of the clusters' words is in its vocabulary."
            )
        )
    return " ".join(p for p in parts if p)
