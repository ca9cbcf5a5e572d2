"""Data that installed packages ship: nothing is downloaded.

The demo corpus is gensim's Lee corpus (300 Australian news documents), which the gensim
wheel carries as test data, with the benchmark files (questions-words.txt, wordsim353.tsv,
simlex999.txt).

>>> demo_corpus_path().name
'lee_background.cor'
"""

from __future__ import annotations

from pathlib import Path

DEMO_CORPUS = "lee_background.cor"


def gensim_data(name: str) -> Path:
    """The path of a file in gensim's bundled test data.

    >>> gensim_data("questions-words.txt").exists()
    True
    """
    from gensim.test.utils import datapath

    return Path(datapath(name))


def demo_corpus_path() -> Path:
    """gensim's Lee background corpus: 300 Australian news documents, one per line."""
    return gensim_data(DEMO_CORPUS)
