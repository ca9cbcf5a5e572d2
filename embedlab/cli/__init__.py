"""The `embedlab` command line: everything the app does, from a terminal.

Each command is a thin wrapper over one backend call, declared beside its handler in the
module of its group (`embedlab.cli.corpora`, `train`, `models`, ...): the module's
`register(sub)` adds its subparsers with `set_defaults(func=...)`. Errors a user can cause
print one line on stderr and exit with status 1; `--json` prints one JSON document on stdout.

>>> parser = build_parser()
>>> parser.parse_args(["neighbours", "lee", "king", "-k", "3"]).k
3
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from embedlab.cli import (
    app,
    axes,
    bundle,
    classify,
    compare,
    contexts,
    corpora,
    evaluate,
    explore,
    lm,
    models,
    project,
    search,
    train,
)
from embedlab.cli.common import Parser
from embedlab.cli.common import load_model as _load_model
from embedlab.cli.common import print_json as _print_json
from embedlab.cli.common import table as _table
from embedlab.cli.common import workspace as _workspace
from embedlab.errors import EmbedlabError

# The old helper names, for command modules that import them from here.
__all__ = ["_load_model", "_print_json", "_table", "_workspace", "build_parser", "main"]

EXIT_ERROR = 1
EXIT_INTERRUPTED = 130

COMMANDS = [
    corpora,
    train,
    models,
    explore,
    evaluate,
    classify,
    compare,
    project,
    axes,
    contexts,
    search,
    lm,
    bundle,
]


def build_parser() -> Parser:
    """The argument parser for every command."""
    parser = Parser(prog="embedlab", description="Train, load and explore word embeddings.")
    parser.add_argument("--home", help="workspace folder (default $EMBEDLAB_HOME or ./.embedlab)")
    parser.add_argument(
        "--space",
        help="work in this student space of the class workspace --home names: its own "
        "corpora, models and runs, the teacher's models read-only",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in [*COMMANDS, app]:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; user errors become one stderr line and exit status 1."""
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except EmbedlabError as err:
        print(f"embedlab: error: {err}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("embedlab: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return 0
    except OSError as err:
        where = f" ({err.filename})" if err.filename else ""
        print(f"embedlab: error: {err.strerror or err}{where}.", file=sys.stderr)
        return EXIT_ERROR
    except Exception as err:  # noqa: BLE001 - the last line of defence: no traceback for users
        if os.environ.get("EMBEDLAB_DEBUG"):
            raise
        print(
            f"embedlab: internal error: {type(err).__name__}: {err} "
            "(set EMBEDLAB_DEBUG=1 to see the traceback, and please report it)",
            file=sys.stderr,
        )
        return EXIT_ERROR
    return 0


if __name__ == "__main__":
    sys.exit(main())
