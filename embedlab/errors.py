"""The errors embedlab raises: each carries one sentence a user can act on.

Every error a user can cause (a bad file, an unknown word, a parameter out of range)
is an `EmbedlabError`. The app shows its message in an error box and the CLI prints it
as one line on stderr; neither ever shows a traceback for these.

>>> try:
...     raise InputError("The file is empty; upload a file with some text in it.")
... except EmbedlabError as err:
...     print(err)
The file is empty; upload a file with some text in it.
"""

from __future__ import annotations

from collections.abc import Sequence


class EmbedlabError(Exception):
    """Base class: the message names the problem and what to do about it."""


class InputError(EmbedlabError, ValueError):
    """Bad input: a file, a column, a parameter or a query that cannot be used."""


class FormatError(InputError):
    """A vector or corpus file that is malformed or of an unexpected format."""


class NotFoundError(EmbedlabError, LookupError):
    """A corpus, model or run that is not in the workspace."""


class PermissionDenied(EmbedlabError):
    """An action this session may not take: deleting or overwriting a teacher's model from a
    student space (class mode), or a teacher's action without the teacher's password."""


class NotInstalled(EmbedlabError, ImportError):
    """An optional dependency is missing; the message gives the install line."""

    def __init__(self, package: str, extra: str | None = None) -> None:
        target = f"'embedlab[{extra}]'" if extra else package
        super().__init__(
            f"This needs the package '{package}'; install it with: pip install {target}"
        )
        self.package = package


class UnknownWordError(EmbedlabError, KeyError):
    """A word that is not in the model's vocabulary.

    >>> err = UnknownWordError("kinq", ["king", "kind"])
    >>> str(err)
    "'kinq' is not in the vocabulary; did you mean: king, kind?"
    >>> isinstance(err, KeyError)
    True
    """

    def __init__(self, word: str, suggestions: Sequence[str] = ()) -> None:
        self.word = word
        self.suggestions = list(suggestions)
        if self.suggestions:
            hint = "did you mean: " + ", ".join(self.suggestions) + "?"
        else:
            hint = "check the spelling, or train on a corpus that contains it."
        super().__init__(f"'{word}' is not in the vocabulary; {hint}")

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0])
