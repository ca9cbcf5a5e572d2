from __future__ import annotations

import multiprocessing
import sqlite3

import numpy as np
import pytest

from embedlab.embeddings import Embeddings
from embedlab.errors import InputError, NotFoundError
from embedlab.store.workspace import Workspace


def small(name: str = "toy", seed: int = 0) -> Embeddings:
    vecs = np.random.default_rng(seed).normal(size=(5, 4)).astype(np.float32)
    return Embeddings(list("abcde"), vecs, counts=[5, 4, 3, 2, 1], meta={"name": name})


def test_default_root_comes_from_env(home):
    assert Workspace().root == home.resolve()
    assert (home / "catalog.sqlite").exists()


def test_catalog_runs_in_wal_mode(home):
    ws = Workspace()
    with sqlite3.connect(ws.catalog) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_models_are_saved_loaded_and_deleted(tmp_path):
    ws = Workspace(tmp_path / "ws")
    record = ws.add_model(small(), name="first")
    assert record.name == "first" and record.vocab == 5 and record.dim == 4
    loaded = ws.load_model("first")
    np.testing.assert_array_equal(loaded.vectors, small().vectors)
    np.testing.assert_array_equal(loaded.counts, [5, 4, 3, 2, 1])
    assert loaded.name == "first" and ws.load_model(record.id).name == "first"
    ws.delete_model("first")
    assert ws.models() == [] and not record.path.exists()
    with pytest.raises(NotFoundError, match="No model named 'first'"):
        ws.load_model("first")


def test_names_are_unique(tmp_path):
    ws = Workspace(tmp_path / "ws")
    ws.add_model(small("toy"))
    second = ws.add_model(small("toy"))
    assert second.name == "toy-2"
    with pytest.raises(InputError, match="A model named 'toy' already exists"):
        ws.add_model(small(), name="toy")
    assert [m.name for m in ws.models()] == ["toy-2", "toy"]
    with pytest.raises(InputError, match="name is empty"):
        ws.add_model(small(), name="  ")


def test_a_failed_save_leaves_nothing_behind(tmp_path, monkeypatch):
    ws = Workspace(tmp_path / "ws")
    ws.add_model(small(), name="kept")
    import embedlab.formats as formats

    def broken(emb, directory, *args, **kwargs):
        directory.mkdir(parents=True)
        (directory / "words.txt").write_text("a\nb\n")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(formats, "save_native", broken)
    with pytest.raises(OSError):
        ws.add_model(small(), name="lost")
    assert [m.name for m in ws.models()] == ["kept"]
    assert len(list((ws.root / "models").iterdir())) == 1
    assert list((ws.root / "tmp").iterdir()) == []
    assert ws.load_model("kept").shape == (5, 4)


def test_garbage_collection_removes_unlisted_folders(tmp_path):
    ws = Workspace(tmp_path / "ws")
    kept = ws.add_model(small(), name="kept")
    stray = ws.root / "models" / "stray-123"
    stray.mkdir()
    assert ws.collect_garbage() == [stray]
    assert kept.path.exists() and not stray.exists()


def test_run_lifecycle(tmp_path):
    ws = Workspace(tmp_path / "ws")
    run_id = ws.create_run("word2vec", {"dim": 4}, None, "toy")
    assert ws.run(run_id).status == "queued"
    ws.start_run(run_id)
    ws.add_progress(run_id, {"stage": "epoch", "epoch": 1, "loss": 3.5})
    ws.add_progress(run_id, {"stage": "epoch", "epoch": 2, "loss": np.float32(2.5)})
    assert [e["epoch"] for e in ws.progress(run_id)] == [1, 2]
    model = ws.add_model(small(), name="toy", run_id=run_id)
    ws.finish_run(run_id, model.id, {"seconds": 1.5})
    run = ws.run(run_id)
    assert run.status == "done" and run.model_id == model.id and run.info == {"seconds": 1.5}
    ws.fail_run(run_id, "too late")  # a finished run keeps its state
    assert ws.run(run_id).status == "done"


def test_metrics_keep_the_latest_result(tmp_path):
    ws = Workspace(tmp_path / "ws")
    ws.add_model(small(), name="toy")
    ws.save_metrics("toy", "ws353", {"spearman": 0.1})
    ws.save_metrics("toy", "ws353", {"spearman": 0.2})
    ws.save_metrics("toy", "analogy", {"accuracy": np.float64(0.5)})
    assert ws.metrics("toy") == {"ws353": {"spearman": 0.2}, "analogy": {"accuracy": 0.5}}


def _add_many(root: str, prefix: str, n: int) -> None:
    ws = Workspace(root)
    for i in range(n):
        ws.add_model(small(f"{prefix}{i}", seed=i))
        ws.add_progress(ws.create_run("word2vec", {}, None, None), {"epoch": i})


def test_two_processes_share_one_workspace(tmp_path):
    root = str(tmp_path / "ws")
    Workspace(root)
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_add_many, args=(root, p, 8)) for p in ("x", "y")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    ws = Workspace(root)
    names = sorted(m.name for m in ws.models())
    assert names == sorted([f"x{i}" for i in range(8)] + [f"y{i}" for i in range(8)])
    for name in names:
        i = int(name[1:])
        np.testing.assert_array_equal(ws.load_model(name).vectors, small(seed=i).vectors)
    assert len(ws.runs()) == 16


def test_a_workspace_folder_can_be_moved(tmp_path):
    ws = Workspace(tmp_path / "ws")
    ws.add_model(small(), name="toy")
    (tmp_path / "ws").rename(tmp_path / "moved")
    moved = Workspace(tmp_path / "moved")
    assert moved.load_model("toy").shape == (5, 4)
    assert moved.collect_garbage() == []
