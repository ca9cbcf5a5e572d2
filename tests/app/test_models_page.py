"""The Models page: the catalog, loading a pretrained file, exporting, deleting, comparing."""

from __future__ import annotations

import pickle

import pytest
from app_helpers import DEMO_MODEL, open_page

from embedlab.formats import read_vectors_bytes
from embedlab.store.workspace import Workspace


def _vectors_text(words: list[str], dim: int = 4) -> bytes:
    """A small word2vec text file: a header, then one word and `dim` numbers a line."""
    lines = [f"{len(words)} {dim}"]
    lines += [
        f"{w} " + " ".join(f"{(i + j) % 7 / 7:.3f}" for j in range(dim))
        for i, w in enumerate(words)
    ]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def captured_downloads(monkeypatch) -> list[tuple[bytes, str, str | None]]:
    """(data, MIME type, file name) of every download button's file, as Streamlit stores it."""
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    seen: list[tuple[bytes, str, str | None]] = []
    original = MemoryMediaFileStorage.load_and_get_id

    def spy(self, path_or_data, mimetype, kind, filename=None):  # noqa: ANN001
        if isinstance(path_or_data, bytes):
            seen.append((path_or_data, mimetype, filename))
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", spy)
    return seen


def _frame(at, column: str):
    """The first table on the page that has this column."""
    return next(df.value for df in at.dataframe if column in df.value.columns)


def _table(at):
    return _frame(at, "Made with")


def test_the_catalog_lists_the_demo_model(lee_home):
    at = open_page("models")
    assert not at.exception and not at.error
    table = _table(at)
    row = table[table["Model"] == DEMO_MODEL].iloc[0]
    assert row["Vocabulary"] > 2000 and row["Dimension"] == 32 and row["Active"]
    assert row["Origin"] == "trained" and row["Made with"] == "word2vec skip-gram"
    assert row["Corpus or file"] == "lee"
    # details of the selected (active) model: config, versions and its training curve
    config = _frame(at, "Setting")
    assert dict(zip(config["Setting"], config["Value"], strict=True))["dim"] == "32"
    assert "gensim" in set(_frame(at, "Library")["Library"])
    assert at.get("plotly_chart")


def test_upload_a_word2vec_file_adds_it_and_makes_it_active(lee_home):
    at = open_page("models")
    at.file_uploader(key="models_upload").set_value(
        ("pets.vec", _vectors_text(["cat", "dog", "fish"]), "text/plain")
    ).run()
    at.button(key="models_load").click().run()
    assert not at.exception and not at.error
    assert "pets" in at.success[0].value and "3 words × 4 dimensions" in at.success[0].value
    table = _table(at)
    row = table[table["Model"] == "pets"].iloc[0]
    assert row["Origin"] == "imported" and row["Vocabulary"] == 3 and row["Active"]
    assert row["Made with"] == "word2vec text"
    assert at.sidebar.selectbox[0].value == "pets"
    assert at.selectbox(key="models_pick").value == "pets"
    # an imported model has no training curve, and the page says so
    assert any("no training curve" in c.value for c in at.caption)


def test_upload_a_pickle_is_refused_and_changes_nothing(lee_home):
    at = open_page("models")
    at.file_uploader(key="models_upload").set_value(
        ("model.kv", pickle.dumps({"a": 1}), "application/octet-stream")
    ).run()
    at.button(key="models_load").click().run()
    assert not at.exception
    assert "pickle" in at.error[0].value
    assert [m.name for m in Workspace().models()] == [DEMO_MODEL]
    assert list(_table(at)["Model"]) == [DEMO_MODEL]


def test_upload_garbage_shows_the_format_error(lee_home):
    at = open_page("models")
    at.file_uploader(key="models_upload").set_value(
        ("notes.txt", b"these are my lecture notes\nnot vectors at all\n", "text/plain")
    ).run()
    at.button(key="models_load").click().run()
    assert not at.exception
    assert "notes.txt" in at.error[0].value and "not a vector format" in at.error[0].value
    assert [m.name for m in Workspace().models()] == [DEMO_MODEL]


def test_export_word2vec_gives_a_file_that_reads_back(lee_home, captured_downloads):
    at = open_page("models")
    assert not at.get("download_button")  # nothing is written until asked
    at.selectbox(key="models_export_format").select("word2vec").run()
    at.button(key="models_prepare").click().run()
    assert not at.exception and not at.error
    [button] = at.get("download_button")
    assert "lee-demo.txt" in button.label
    data, mime, file_name = captured_downloads[-1]
    assert (mime, file_name) == ("text/plain", "lee-demo.txt")
    back = read_vectors_bytes(data, file_name)
    record = Workspace().model(DEMO_MODEL)
    assert back.shape == (record.vocab, record.dim)
    # another format needs its own preparing
    at.selectbox(key="models_export_format").select("tsv").run()
    assert not at.get("download_button")


def test_delete_asks_first_then_removes_the_model(lee_home):
    Workspace().add_model(read_vectors_bytes(_vectors_text(["a", "b"]), "tiny.txt"), "tiny")
    at = open_page("models")
    assert at.sidebar.selectbox[0].value == "tiny"  # the newest model starts active
    assert at.selectbox(key="models_pick").value == "tiny"
    at.button(key="models_delete").click().run()
    assert at.warning and "tiny" in at.warning[0].value
    assert Workspace().has_model("tiny")  # not yet
    at.button(key="models_delete_cancel").click().run()
    assert not at.warning and Workspace().has_model("tiny")
    at.button(key="models_delete").click().run()
    at.button(key="models_delete_confirm").click().run()
    assert not at.exception and not at.error
    assert [m.name for m in Workspace().models()] == [DEMO_MODEL]
    assert list(_table(at)["Model"]) == [DEMO_MODEL]
    assert at.sidebar.selectbox[0].value == DEMO_MODEL  # the active model moved on
    assert "Deleted" in at.success[0].value and "active model is now" in at.success[0].value


def test_compare_runs_lists_differing_settings_first(lee_home):
    Workspace().add_model(read_vectors_bytes(_vectors_text(["a", "b"]), "tiny.txt"), "tiny")
    at = open_page("models")
    assert at.multiselect(key="models_compare").value == ["tiny", DEMO_MODEL]
    table = _frame(at, "Differs")
    assert list(table.columns) == ["Setting", "Differs", "tiny", DEMO_MODEL]
    differs = table[table["Differs"]]
    assert {"Origin", "Dimension", "Vocabulary"} <= set(differs["Setting"])
    assert table["Differs"].is_monotonic_decreasing  # differing rows come first
    # the newest model is active; make the other one active from here
    assert at.sidebar.selectbox[0].value == "tiny"
    at.selectbox(key="models_pick").select(DEMO_MODEL).run()
    at.button(key="models_activate").click().run()
    assert not at.exception
    assert at.sidebar.selectbox[0].value == DEMO_MODEL
    assert "models_activate" not in [b.key for b in at.button]  # it is the active one now


def test_an_empty_workspace_says_how_to_get_a_model_and_loads_one(home):
    at = open_page("models")
    assert not at.exception and not at.error
    assert "No models yet" in at.info[0].value
    assert not at.dataframe and not at.get("tab")
    at.file_uploader(key="models_upload").set_value(
        ("glove.6B.3d.txt", b"the 0.1 0.2 0.3\nof 0.3 -0.4 0.5\n", "text/plain")
    )
    at.text_input(key="models_upload_name").input("tiny glove").run()
    at.button(key="models_load").click().run()
    assert not at.exception and not at.error
    assert at.sidebar.selectbox[0].value == "tiny glove"
    assert _table(at).iloc[0]["Made with"] == "GloVe text"


def _cached_model_paths() -> list[str]:
    """What the server's model cache (ui._load) holds, as each Embeddings' repr."""
    from embedlab.app import ui

    func = ui._load  # the one way to see what a cache holds is its internals
    cache = func._info.get_function_cache(func._function_key)
    with cache._mem_cache_lock:
        return [str(result.value) for result in cache._mem_cache.values()]


def test_a_deleted_model_leaves_the_model_cache(lee_home):
    from embedlab.app import ui

    ui._load.clear()
    Workspace().add_model(read_vectors_bytes(_vectors_text(["a", "b"]), "tiny.txt"), "tiny")
    at = open_page("neighbours")  # "tiny" is active: its vectors are loaded and cached
    assert any("vocab=2" in v for v in _cached_model_paths()), _cached_model_paths()
    at.switch_page("pages/models.py").run()
    at.button(key="models_delete").click().run()
    at.button(key="models_delete_confirm").click().run()
    assert not at.exception and not Workspace().has_model("tiny")
    assert not any("vocab=2" in v for v in _cached_model_paths())


def test_an_upload_over_the_limit_is_refused(lee_home, monkeypatch):
    monkeypatch.setenv("EMBEDLAB_MAX_UPLOAD_MB", "1")
    at = open_page("models")
    uploader = at.file_uploader(key="models_upload")
    assert uploader.proto.max_upload_size_mb == 1  # the browser refuses bigger files too
    big = _vectors_text([f"w{i}" for i in range(40_000)], dim=8)
    assert len(big) > 1024**2
    uploader.set_value(("big.txt", big, "text/plain")).run()
    at.button(key="models_load").click().run()
    assert not at.exception
    error = at.error[0].value
    assert error.startswith("'big.txt' is 2.1 MB, over the 1 MB")
    assert "EMBEDLAB\\_MAX\\_UPLOAD\\_MB" in error
    assert [m.name for m in Workspace().models()] == [DEMO_MODEL]


@pytest.mark.parametrize("fmt", ["tsv", "native"])
def test_an_exported_zip_uploads_as_it_is(lee_home, captured_downloads, fmt):
    at = open_page("models")
    at.selectbox(key="models_export_format").select(fmt).run()
    at.button(key="models_prepare").click().run()
    data, mime, file_name = captured_downloads[-1]
    assert mime == "application/zip" and file_name.endswith(".zip")
    at.file_uploader(key="models_upload").set_value((file_name, data, mime)).run()
    at.text_input(key="models_upload_name").input("copy").run()
    at.button(key="models_load").click().run()
    assert not at.exception and not at.error
    record, original = Workspace().model("copy"), Workspace().model(DEMO_MODEL)
    assert (record.vocab, record.dim) == (original.vocab, original.dim)
    assert at.sidebar.selectbox[0].value == "copy"
    # a model loaded beside the only one: the compare box now starts with the two newest
    assert at.multiselect(key="models_compare").value == ["copy", DEMO_MODEL]


def test_the_catalog_shows_the_scores_in_narrow_columns(lee_home):
    at = open_page("models")
    catalog = next(df for df in at.dataframe if "Made with" in df.value.columns)
    shown = list(catalog.proto.column_order)
    assert shown[-3:] == ["Analogy accuracy", "WS353 Spearman", "SimLex Spearman"]
    assert "Created (UTC)" not in shown and len(shown) <= 9  # the details tab has the rest
