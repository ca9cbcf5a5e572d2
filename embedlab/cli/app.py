"""`embedlab app`: start the web app (Streamlit) on this computer or the classroom network;
`embedlab spaces`: a class's student spaces (list them, clear one).

`embedlab app --class` gives each browser session its own student space in the workspace
(`embedlab.store.spaces`), with the workspace's own models shared read-only;
`--password-file F` puts a password in front of every page and `--teacher-password-file F`
guards the teacher's actions (`embedlab.app.gate`).

>>> sub = argparse.ArgumentParser().add_subparsers()
>>> register(sub)
>>> sub.choices["app"].parse_args([]).address
'127.0.0.1'
>>> sub.choices["app"].parse_args(["--class"]).class_mode
True
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from embedlab.cli.common import add_command, print_json, table, workspace
from embedlab.errors import InputError

CLASS_ENV = "EMBEDLAB_CLASS"
PASSWORD_ENV = "EMBEDLAB_PASSWORD_FILE"
TEACHER_PASSWORD_ENV = "EMBEDLAB_TEACHER_PASSWORD_FILE"


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
        "--demo",
        action="store_true",
        help="first start: add the demo corpus and the pretrained English model, then train "
        "the Lee demo model and score both in the background (each only once)",
    )
    p.add_argument(
        "--class",
        dest="class_mode",
        action="store_true",
        help="class mode: each browser session works in its own student space; this "
        "workspace's models are shared read-only (also EMBEDLAB_CLASS=1)",
    )
    p.add_argument(
        "--password-file",
        metavar="FILE",
        help=f"ask every visitor for the password on this file's first line (also {PASSWORD_ENV})",
    )
    p.add_argument(
        "--teacher-password-file",
        metavar="FILE",
        help="the teacher's password, needed in the app to delete this workspace's models or "
        f"clear a student space (class mode; also {TEACHER_PASSWORD_ENV})",
    )

    p = add_command(sub, "spaces", run_spaces, "list a class's student spaces, or clear one")
    p.add_argument("--clear", metavar="NAME", help="remove the student space NAME and its files")


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
    env.update(_class_env(args))
    if args.demo:
        from embedlab.jobs.bootstrap import prepare

        for line in prepare(workspace(args)):
            said = line.split(": ", 1)[1]
            print(said[0].upper() + said[1:] + ".")
    from embedlab.limits import MAX_UPLOAD_MB

    cmd = [
        sys.executable, "-m", "streamlit", "run", str(app),
        "--server.port", str(args.port),
        "--server.address", args.address,
        "--server.maxUploadSize", str(MAX_UPLOAD_MB.value()),
        # what .streamlit/config.toml says, for a start outside the checkout
        "--runner.magicEnabled", "false",
        "--runner.postScriptGC", "false",
    ]  # fmt: skip
    raise SystemExit(subprocess.call(cmd, env=env))


def _class_env(args: argparse.Namespace) -> dict[str, str]:
    """The environment class mode and the passwords need, each password file checked now
    (readable, a first line) so a typo stops the start rather than every page."""
    from embedlab.store.spaces import is_space

    env: dict[str, str] = {}
    if getattr(args, "class_mode", False):
        env[CLASS_ENV] = "1"
    flags = {"password_file": PASSWORD_ENV, "teacher_password_file": TEACHER_PASSWORD_ENV}
    for flag, name in flags.items():
        given = getattr(args, flag, None)
        if given:
            env[name] = str(Path(given).resolve())
    for name in (PASSWORD_ENV, TEACHER_PASSWORD_ENV):
        path = env.get(name) or os.environ.get(name, "").strip()
        if path:
            _check_password_file(path)
    root = Path(args.home or os.environ.get("EMBEDLAB_HOME") or ".embedlab").resolve()
    if env.get(CLASS_ENV) and is_space(root):
        raise InputError(f"{root} is a student space; start the class on the teacher's workspace.")
    return env


def _check_password_file(path: str) -> None:
    """Refuse a password file that cannot be read or has no password on its first line."""
    try:
        raw = Path(path).read_bytes()
    except OSError as err:
        raise InputError(f"The password file {path} cannot be read ({err.strerror}).") from None
    if not raw.strip() or not raw.splitlines()[0].strip():
        raise InputError(
            f"The password file {path} is empty; write the password on its first line."
        )


def run_spaces(args: argparse.Namespace) -> None:
    """List the student spaces of the workspace `--home` names, or clear one (`--clear`)."""
    from embedlab.jobs.queue import reap_dead_runs
    from embedlab.store import spaces
    from embedlab.store.workspace import Workspace

    teacher = workspace(args)
    if spaces.is_space(teacher.root):
        raise InputError(f"{teacher.root} is a student space; give the teacher's workspace.")
    if args.clear:
        root = spaces.space_root(teacher.root, args.clear)
        if spaces.is_space(root):
            reap_dead_runs(Workspace(root))
        info = spaces.clear_space(teacher.root, args.clear)
        if args.json:
            print_json({"cleared": info.name, "bytes": info.bytes, "models": info.models})
        else:
            print(f"Cleared the space '{info.name}' ({info.models} models, "
                  f"{info.bytes / 1024**2:,.1f} MB).")  # fmt: skip
        return
    found = spaces.list_spaces(teacher.root)
    if args.json:
        print_json([
            {"name": s.name, "bytes": s.bytes, "corpora": s.corpora, "models": s.models,
             "active_runs": s.active_runs} for s in found
        ])  # fmt: skip
        return
    if not found:
        print("No student spaces yet; `embedlab app --class` makes one per browser session.")
        return
    rows = [(s.name, round(s.bytes / 1024**2, 1), s.corpora, s.models, s.active_runs)
            for s in found]  # fmt: skip
    print(table(rows, ["space", "MB", "corpora", "models", "active runs"]))
