"""embedlab: train, load and explore word embeddings.

The package is the backend of the app and the CLI; importing it stays fast (torch,
gensim and umap are imported where they are used).

>>> import embedlab
>>> embedlab.__version__ != ""
True
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("embedlab")
except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
    __version__ = "dev"
