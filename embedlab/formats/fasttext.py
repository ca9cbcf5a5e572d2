"""Facebook fastText models: a .bin (read through gensim, with subwords) or its .vec text.

>>> from gensim.test.utils import datapath
>>> parsed = read_fasttext(Path(datapath("lee_fasttext.bin")), limit=3)
>>> len(parsed.words), parsed.subwords is not None
(3, True)
"""

from __future__ import annotations

from pathlib import Path

from embedlab.errors import FormatError
from embedlab.formats._common import quoted
from embedlab.formats._lines import starts_with_header
from embedlab.formats._parsed import Parsed
from embedlab.formats.detect import is_fasttext_bin
from embedlab.formats.text import read_word2vec_text


def read_fasttext(path: Path, limit: int | None) -> Parsed:
    """A fastText .bin through gensim (imported only here), or a .vec as word2vec text."""
    with path.open("rb") as f:
        head = f.read(64)
    if not is_fasttext_bin(head):
        if starts_with_header(head):
            return read_word2vec_text(path, limit)  # fastText's text format, .vec
        raise FormatError(
            f"{quoted(path)} is not a fastText .bin model (it lacks fastText's header); choose "
            "the .bin file that fastText wrote, or its .vec text file."
        )
    from gensim.models.fasttext import load_facebook_vectors

    try:
        kv = load_facebook_vectors(str(path))
    except Exception as err:  # gensim raises struct.error, ValueError, AssertionError, ...
        raise FormatError(
            f"{quoted(path)} could not be read as a fastText model ({type(err).__name__}); the "
            "file is truncated or not a fastText .bin, so export it again."
        ) from err
    return Parsed.from_keyedvectors(kv, limit)
