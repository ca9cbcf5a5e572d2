"""Which torch device embedlab computes on: cuda, then mps, then cpu.

`EMBEDLAB_DEVICE` (or an explicit request such as the CLI's `--device`) overrides the
automatic choice. Asking for a device that is not there is a clear error, not a crash.

>>> resolve_device("cpu")
'cpu'
>>> resolve_device("tpu")
Traceback (most recent call last):
...
embedlab.errors.InputError: Unknown device 'tpu'; choose one of auto, cpu, cuda, mps.
"""

from __future__ import annotations

import os
from functools import lru_cache

from embedlab.errors import InputError

DEVICES = ("auto", "cpu", "cuda", "mps")


@lru_cache(maxsize=1)
def _available() -> tuple[str, ...]:
    import torch

    found = []
    if torch.cuda.is_available():
        found.append("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        found.append("mps")
    found.append("cpu")
    return tuple(found)


def resolve_device(requested: str | None = None) -> str:
    """The device to use: `requested`, else `$EMBEDLAB_DEVICE`, else the best available.

    `cuda:1` style indices are accepted. The result is a string torch understands.

    >>> resolve_device("auto") in {"cuda", "mps", "cpu"}
    True
    """
    if requested is not None and requested.strip().lower() == "auto":
        requested = None  # "auto" is the automatic choice, which EMBEDLAB_DEVICE overrides
    choice = (requested or os.environ.get("EMBEDLAB_DEVICE") or "auto").strip().lower()
    kind = choice.split(":", 1)[0]
    if kind not in DEVICES:
        raise InputError(f"Unknown device '{choice}'; choose one of {', '.join(DEVICES)}.")
    if kind == "cpu":
        return "cpu"
    available = _available()
    if kind == "auto":
        return available[0]
    if kind not in available:
        raise InputError(
            f"Device '{choice}' was asked for but is not available on this machine; "
            "use --device cpu (or unset EMBEDLAB_DEVICE)."
        )
    return choice


def describe_device(device: str | None = None) -> str:
    """A short human name for the device, e.g. 'CPU (2 cores)' or 'NVIDIA H100 (cuda)'.

    >>> describe_device("cpu").startswith("CPU")
    True
    """
    resolved = resolve_device(device)
    if resolved.startswith("cuda"):
        import torch

        return f"{torch.cuda.get_device_name(torch.device(resolved))} (cuda)"
    if resolved == "mps":
        return "Apple GPU (mps)"
    return f"CPU ({os.cpu_count()} cores)"
