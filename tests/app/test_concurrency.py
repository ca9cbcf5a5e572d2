"""Ten app sessions at once on one workspace: uploads, two training jobs, queries, projections.

Each session is its own AppTest of app.py in its own thread, as ten browser tabs on one
server would be: they share the server's caches and the workspace's SQLite catalog, and
the training jobs run as child processes. With `EMBEDLAB_MAX_JOBS=1` one of the two jobs
waits in the queue (its page says so) and starts when the other ends.

Checked: no session sees an exception; every upload is listed once with its own stats;
each trained model is listed once with its own corpus and settings; queries and
projections keep being answered while a job trains.

AppTest was written for one session at a time: each run installs a mock `Runtime` as the
process-wide singleton and removes it afterwards, resets the pages mode, patches the
global config, and compiles the scripts in a cache of its own. The `one_server` fixture
makes those process-wide things what they are on a real server — one Runtime and one
script cache for every session, the navigation mode app.py sets, the config set once —
so the ten sessions' scripts really run at the same time. (Ten separate script caches
would compile the same pages at once, which CPython 3.11.7's parser does not survive:
"AST constructor recursion depth mismatch"; a server compiles each page once, under a lock.)
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from unittest.mock import MagicMock

import pytest
from app_helpers import DEMO_MODEL, new_app

from embedlab.jobs.process import cancel_job
from embedlab.store.workspace import Workspace

UPLOADERS = 4
TRAINERS = {"conc-a": {"dim": 16, "epochs": 80}, "conc-b": {"dim": 24, "epochs": 4}}
QUERIERS = 4  # two on Neighbours, two on Projection
SESSIONS = UPLOADERS + len(TRAINERS) + QUERIERS
TIME_LIMIT = 300.0  # seconds for the whole scene


def upload_text(i: int) -> tuple[bytes, int]:
    """A distinct corpus per uploader: (file bytes, number of lines = documents)."""
    lines = 10 + i
    return f"alpha{i} beta{i} gamma{i}.\n".encode() * lines, lines


class Scene:
    """What the sessions share: errors, what they saw, and when the jobs ended."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.jobs_done = threading.Event()
        self.answered: list[tuple[str, float, bool]] = []  # (page, time, a job was running)
        self.queue_texts: list[str] = []
        self.lock = threading.Lock()

    def check(self, at, who: str) -> None:
        if at.exception:
            raise AssertionError(f"{who}: {at.exception[0].message}")
        if at.error:
            raise AssertionError(f"{who}: {at.error[0].value}")


def job_running() -> bool:
    return any(r.status == "running" for r in Workspace().runs())


def uploader(scene: Scene, i: int) -> None:
    at = new_app().run()  # the Corpus page comes first
    data, _ = upload_text(i)
    at.file_uploader[0].set_value((f"upload{i}.txt", data, "text/plain")).run()
    at.text_input(key="corpus_name").input(f"up-{i}").run()
    at.button(key="corpus_ingest").click().run()
    scene.check(at, f"uploader {i}")
    assert at.selectbox(key="corpus_select").value == f"up-{i}", f"uploader {i} sees another"


def trainer(scene: Scene, name: str, settings: dict) -> None:
    at = new_app().run()
    at.switch_page("pages/train.py").run()
    at.selectbox(key="train_corpus").select("lee").run()
    at.number_input(key="train_epochs").set_value(settings["epochs"])
    at.number_input(key="train_dim").set_value(settings["dim"])
    at.number_input(key="train_min_count").set_value(3)
    at.text_input(key="train_name").input(name).run()
    at.button(key="train_start").click().run()
    deadline = time.monotonic() + TIME_LIMIT
    while not at.success:  # the page polls its run until the model is trained
        scene.check(at, f"trainer {name}")
        for info in at.info:
            if info.value.startswith("Queued:"):
                with scene.lock:
                    scene.queue_texts.append(info.value)
        assert time.monotonic() < deadline, f"trainer {name}: the run never finished"
        time.sleep(0.5)
        at.run()
    scene.check(at, f"trainer {name}")
    assert name in at.success[0].value, at.success[0].value


def querier(scene: Scene, i: int) -> None:
    at = new_app().run()
    words = ["police", "fire", "government", "australia", "man", "people"]
    if i % 2 == 0:
        at.switch_page("pages/neighbours.py").run()
        page = "neighbours"
    else:
        at.switch_page("pages/projection.py").run()
        page = "projection"
    n = 0
    while not scene.jobs_done.is_set() or n < 3:
        if page == "neighbours":
            at.text_input(key="query").set_value(words[n % len(words)]).run()
            scene.check(at, f"querier {i}")
            tables = [df.value for df in at.dataframe if "word" in df.value.columns]
            shown = [e.value for e in (*at.info, *at.warning, *at.title, *at.markdown)]
            assert tables, f"querier {i}: no neighbours; the page shows {shown}"
            assert len(tables[0]) == 10, f"querier {i} got {len(tables[0])} neighbours"
        else:
            at.slider(key="proj_n").set_value(200 + 100 * (n % 5)).run()
            scene.check(at, f"querier {i}")
            shown = [e.value for e in (*at.info, *at.warning, *at.title, *at.caption)]
            assert len(at.get("plotly_chart")) == 1, f"querier {i}: no map; the page shows {shown}"
        with scene.lock:
            scene.answered.append((page, time.monotonic(), job_running()))
        n += 1
        time.sleep(0.2)


class _PagesMode:
    """Stands in for PagesManager inside AppTest: its per-run reset of the pages mode is
    dropped (app.py's st.navigation sets it once, as on a server)."""

    def __call__(self, *args, **kwargs):  # noqa: ANN204
        from streamlit.runtime.pages_manager import PagesManager

        return PagesManager(*args, **kwargs)

    def __setattr__(self, name: str, value: object) -> None:
        if name != "uses_pages_directory":
            raise AttributeError(name)


@pytest.fixture
def one_server(monkeypatch) -> Iterator[None]:
    """One Runtime, one pages mode and one config for every AppTest session (see above)."""
    from streamlit.components.v2.component_manager import BidiComponentManager
    from streamlit.runtime import Runtime
    from streamlit.runtime.caching.storage.dummy_cache_storage import (
        MemoryCacheStorageManager,
    )
    from streamlit.runtime.dataframe_source_manager import DataframeSourceManager
    from streamlit.runtime.media_file_manager import MediaFileManager
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner
    from streamlit.testing.v1.util import patch_config_options

    runtime = MagicMock(spec=Runtime)
    runtime.media_file_mgr = MediaFileManager(MemoryMediaFileStorage("/mock/media"))
    runtime.dataframe_source_mgr = DataframeSourceManager()
    runtime.cache_storage_manager = MemoryCacheStorageManager()
    components = BidiComponentManager()
    components.discover_and_register_components(start_file_watching=False)
    runtime.bidi_component_registry = components
    monkeypatch.setattr(Runtime, "instance", classmethod(lambda cls: runtime))
    monkeypatch.setattr(Runtime, "exists", classmethod(lambda cls: True))
    monkeypatch.setattr(PagesManager, "uses_pages_directory", False)
    monkeypatch.setattr(app_test, "PagesManager", _PagesMode())
    scripts = ScriptCache()
    monkeypatch.setattr(app_test, "ScriptCache", lambda: scripts)
    monkeypatch.setattr(local_script_runner, "ScriptCache", lambda: scripts)
    with patch_config_options({"global.appTest": True}):
        monkeypatch.setattr(app_test, "patch_config_options", lambda _: contextlib.nullcontext())
        yield


@pytest.fixture(autouse=True)
def _stop_leftover_jobs():
    yield
    ws = Workspace()
    for run in ws.runs():
        if run.status in ("queued", "running"):
            cancel_job(ws, run.id)


@pytest.mark.slow
def test_ten_sessions_at_once_on_one_workspace(lee_home, one_server, monkeypatch):
    monkeypatch.setenv("EMBEDLAB_MAX_JOBS", "1")  # two jobs: one waits its turn
    scene = Scene()

    def guarded(target: Callable, *args) -> Callable[[], None]:
        def run() -> None:
            try:
                target(scene, *args)
            except BaseException as err:  # noqa: BLE001 - every session's failure is reported
                with scene.lock:
                    scene.errors.append(f"{type(err).__name__}: {err}")

        return run

    trainers = [threading.Thread(target=guarded(trainer, n, s)) for n, s in TRAINERS.items()]
    others = [threading.Thread(target=guarded(uploader, i)) for i in range(UPLOADERS)]
    others += [threading.Thread(target=guarded(querier, i)) for i in range(QUERIERS)]
    assert len(trainers) + len(others) == SESSIONS == 10
    start = time.monotonic()
    for thread in trainers + others:
        thread.start()
    for thread in trainers:
        thread.join(TIME_LIMIT)
    scene.jobs_done.set()
    for thread in others:
        thread.join(max(TIME_LIMIT - (time.monotonic() - start), 1))
    elapsed = time.monotonic() - start
    assert not any(t.is_alive() for t in trainers + others), "a session hung"
    assert scene.errors == []
    assert elapsed < TIME_LIMIT

    ws = Workspace()
    corpora = {c.name: c for c in ws.corpora()}
    assert sorted(c.name for c in ws.corpora()) == sorted(
        ["lee"] + [f"up-{i}" for i in range(UPLOADERS)]
    )  # each listed once
    for i in range(UPLOADERS):
        _, lines = upload_text(i)
        stats = corpora[f"up-{i}"].stats
        assert (stats["documents"], stats["tokens"]) == (lines, 3 * lines), (i, stats)
        assert corpora[f"up-{i}"].source.endswith(f"upload{i}.txt")

    models = {m.name: m for m in ws.models()}
    assert sorted(m.name for m in ws.models()) == sorted([DEMO_MODEL, *TRAINERS])
    runs = {r.model_name: r for r in ws.runs()}
    for name, settings in TRAINERS.items():
        model, run = models[name], runs[name]
        assert model.corpus_name == "lee" and model.dim == settings["dim"]
        assert run.status == "done" and run.model_id == model.id
        assert (run.config["dim"], run.config["epochs"]) == (settings["dim"], settings["epochs"])
    # the two jobs never ran at once: one started after the other ended
    first, second = sorted((runs[n] for n in TRAINERS), key=lambda r: r.started)
    assert second.started >= first.finished
    assert scene.queue_texts, "the waiting job's page never said it was queued"
    assert scene.queue_texts[0].startswith("Queued: next in line, waiting for a free slot")

    during = [a for a in scene.answered if a[2]]
    assert {page for page, _, _ in during} == {"neighbours", "projection"}
    print(
        f"\n{SESSIONS} sessions ({UPLOADERS} uploading, {len(TRAINERS)} training, "
        f"{QUERIERS} querying/projecting), {len(TRAINERS)} jobs (MAX_JOBS=1, one queued): "
        f"{elapsed:.1f} s, {len(scene.errors)} errors, {len(scene.answered)} queries answered, "
        f"{len(during)} of them while a job was training"
    )
