"""gensim pickles (.model, .kv): refused from uploads, loaded only from a trusted path.

Unpickling can run code, so `read_vectors` calls `read_pickle` only with
`trust_pickle=True`, which only the CLI passes; everyone else gets `pickle_error`.

>>> print(pickle_error(Path("uploads/w2v.model")))
'w2v.model' is a Python pickle (such as a gensim .model or .kv file), and pickles are not \
loaded from uploads because unpickling can run code; export it as word2vec, or load a file \
you trust with the CLI's --trust-pickle.
"""

from __future__ import annotations

from pathlib import Path

from embedlab.errors import FormatError
from embedlab.formats._common import quoted
from embedlab.formats._parsed import Parsed

PICKLE_SUFFIXES: tuple[str, ...] = (".model", ".kv", ".pkl", ".pickle")


def pickle_error(path: Path) -> FormatError:
    """The error for a pickle that may not be loaded."""
    return FormatError(
        f"{quoted(path)} is a Python pickle (such as a gensim .model or .kv file), and pickles "
        "are not loaded from uploads because unpickling can run code; export it as word2vec, or "
        "load a file you trust with the CLI's --trust-pickle."
    )


def read_pickle(path: Path, limit: int | None) -> Parsed:
    """A gensim KeyedVectors, Word2Vec or FastText pickle (only from a trusted path)."""
    from gensim.models import KeyedVectors
    from gensim.utils import SaveLoad

    try:
        obj = SaveLoad.load(str(path))
    except Exception as err:  # unpickling raises anything
        raise FormatError(
            f"{quoted(path)} could not be loaded as a gensim model ({type(err).__name__}: "
            f"{err}); check that it is a gensim .model or .kv file."
        ) from err
    kv = obj if isinstance(obj, KeyedVectors) else getattr(obj, "wv", None)
    if not isinstance(kv, KeyedVectors) or not len(kv.index_to_key):
        raise FormatError(
            f"{quoted(path)} holds a {type(obj).__name__}, not gensim word vectors; choose a "
            "KeyedVectors, Word2Vec or FastText model."
        )
    return Parsed.from_keyedvectors(kv, limit)
