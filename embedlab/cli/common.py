"""What every `embedlab` command module shares: the workspace, output, progress bars, models.

>>> print(table([("cat", 0.5), ("dog", 12345)], ["word", "score"]))
word  score
----  ------
cat   0.5000
dog   12,345
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from embedlab.errors import NotFoundError

Handler = Callable[[argparse.Namespace], None]


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr (exit status 2)."""

    def error(self, message: str):  # noqa: ANN201 - NoReturn
        """Print `embedlab: error: ...` and exit with status 2."""
        self.exit(2, f"embedlab: error: {message}; see '{self.prog} --help'.\n")


def add_command(
    sub: argparse._SubParsersAction, name: str, func: Handler, text: str, json_flag: bool = True
) -> argparse.ArgumentParser:
    """A subcommand `name` running `func`, described by `text`, with `--json` unless told not.

    >>> sub = argparse.ArgumentParser().add_subparsers()
    >>> add_command(sub, "hello", print, "say hello").parse_args(["--json"]).json
    True
    """
    p = sub.add_parser(name, help=text, description=text)
    p.set_defaults(func=func)
    if json_flag:
        p.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    return p


def add_model_arg(p: argparse.ArgumentParser) -> None:
    """The MODEL positional (a workspace model or a vector file) and `--trust-pickle`."""
    p.add_argument("model", metavar="MODEL", help="a workspace model name or a vector file")
    p.add_argument("--trust-pickle", action="store_true", help="allow MODEL to be a gensim pickle")


def workspace(args: argparse.Namespace):  # noqa: ANN201 - Workspace, imported lazily
    """The workspace `--home` names (default $EMBEDLAB_HOME or ./.embedlab), or with
    `--space NAME` that student space of it (a space's folder given as --home opens as one)."""
    from embedlab.store.spaces import open_workspace

    return open_workspace(args.home, getattr(args, "space", None))


def print_json(value: Any) -> None:
    """One JSON document on stdout (non-ASCII kept, NaN refused, unknown types as str)."""
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2, allow_nan=False, default=str)
    sys.stdout.write("\n")


def table(rows: Sequence[Sequence[Any]], headers: Sequence[str]) -> str:
    """Rows as left-aligned columns under `headers` and a rule (cells through `fmt`)."""
    cells = [[str(h) for h in headers]] + [[fmt(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def fmt(value: Any) -> str:
    """A cell: floats to 4 places, ints with thousands separators, None as empty.

    >>> fmt(0.12345), fmt(1234), fmt(None)
    ('0.1235', '1,234', '')
    """
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, int):
        return f"{value:,}"
    return "" if value is None else str(value)


PERCENT_BAR = "{desc}: {percentage:3.0f}%|{bar}| {elapsed}<{remaining}{postfix}"


def bar(total: float, unit: str, desc: str, bar_format: str | None = None):  # noqa: ANN201
    """A tqdm bar on stderr when stderr is a terminal, else None (`PERCENT_BAR`: no rate).

    Returns a tqdm (imported only for a terminal) or None.
    """
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(
        total=total,
        unit=unit,
        unit_scale=True,
        desc=desc,
        file=sys.stderr,
        leave=False,
        bar_format=bar_format,
    )


def load_model(args: argparse.Namespace, key: str):  # noqa: ANN201 - Embeddings
    """A model from the workspace by name, else a vector file by path."""
    ws = workspace(args)
    if ws.has_model(key):
        return ws.load_model(key)
    path = Path(key)
    if path.exists():
        from embedlab.formats import read_vectors

        return read_vectors(path, trust_pickle=getattr(args, "trust_pickle", False))
    raise NotFoundError(
        f"'{key}' is neither a model in the workspace nor a file; "
        "`embedlab models` lists the models."
    )
