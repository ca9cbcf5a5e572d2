"""`embedlab app`: start the web app (Streamlit) on this computer or the classroom network.

>>> sub = argparse.ArgumentParser().add_subparsers()
>>> register(sub)
>>> sub.choices["app"].parse_args([]).address
'127.0.0.1'
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from embedlab.cli.common import add_command, workspace
from embedlab.errors import InputError


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `app` command."""
    p = add_command(sub, "app", run_app, "start the web app", json_flag=False)
    p.add_argument("--port", type=int, default=8501)
    p.add_argument(
        "--address",
        default="127.0.0.1",
        help="where to listen: 127.0.0.1 (default) for this computer only; this machine's "
        "address on the classroom network for a class",
    )
    p.add_argument(
        "--demo", action="store_true", help="add the demo corpus first if the workspace has none"
    )


def run_app(args: argparse.Namespace) -> None:
    """Run `streamlit run app.py` with the workspace and upload limit; exit with its status."""
    import subprocess

    app = Path(__file__).resolve().parents[2] / "app.py"
    if not app.exists():
        raise InputError(
            f"Cannot find the app at {app}; run embedlab from a checkout of the repository."
        )
    env = dict(os.environ)
    if args.home:
        env["EMBEDLAB_HOME"] = str(Path(args.home).resolve())
    if args.demo:
        from embedlab.jobs.corpora import ensure_demo_corpus

        record, created = ensure_demo_corpus(workspace(args))
        if created:
            print(f"Added the demo corpus '{record.name}' (gensim's Lee news corpus).")
    from embedlab.limits import MAX_UPLOAD_MB

    cmd = [
        sys.executable, "-m", "streamlit", "run", str(app),
        "--server.port", str(args.port),
        "--server.address", args.address,
        "--server.maxUploadSize", str(MAX_UPLOAD_MB.value()),
    ]  # fmt: skip
    raise SystemExit(subprocess.call(cmd, env=env))
