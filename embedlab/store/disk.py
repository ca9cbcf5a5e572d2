"""A full disk (or quota, or file-size limit) while writing: one sentence, never a traceback."""

from __future__ import annotations

import errno
import re

from embedlab.errors import EmbedlabError


class DiskFull(EmbedlabError, OSError):
    """The disk (or a file-size limit) ran out while embedlab was writing."""


def is_disk_full(err: BaseException | None) -> bool:
    """Whether an error (or the error that caused it) means no room was left to write:
    a full disk, a quota, a file-size limit.

    >>> is_disk_full(OSError(errno.ENOSPC, "No space left on device"))
    True
    >>> is_disk_full(FileNotFoundError(errno.ENOENT, "gone"))
    False

    numpy's writers report a short write without an errno:

    >>> is_disk_full(OSError("100000 requested and 16352 written"))
    True
    """
    seen = 0
    while err is not None and seen < 10:
        if isinstance(err, OSError) and err.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            return True
        if isinstance(err, OSError) and re.fullmatch(r"\d+ requested and \d+ written", str(err)):
            return True
        err, seen = err.__cause__ or err.__context__, seen + 1
    return False


def disk_full_message(what: str) -> str:
    """The one sentence shown when the disk fills up while writing `what`.

    >>> disk_full_message("the model could not be saved")
    'The disk is full: the model could not be saved; free some space ... and try again.'
    """
    return (
        f"The disk is full: {what}; free some space (or point EMBEDLAB_HOME at a bigger disk)"
        " and try again."
    )
