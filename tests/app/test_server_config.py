"""The server's settings in .streamlit/config.toml that a class's load depends on."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]


def test_streamlit_skips_the_full_collection_after_every_script_run():
    """`gc.collect(2)` after each run holds the GIL 0.5-1 s once torch is loaded, stalling
    every other session; a server started in the checkout (as the bench starts
    `embedlab app`) reads the setting that turns it off."""
    said = subprocess.run(
        [sys.executable, "-c",
         "from streamlit import config; print(config.get_option('runner.postScriptGC'))"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    assert said.stdout.strip() == "False"
