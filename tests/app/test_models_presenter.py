"""The Models page's decisions without AppTest: import (every export format reads back through
the upload path, archives under the corpus archive rules), delete and the next active model,
the picker and the compare box."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest

from embedlab.app import models as view
from embedlab.app.exports import export_bytes
from embedlab.embeddings import Embeddings
from embedlab.errors import FormatError, InputError
from embedlab.formats import WRITE_FORMATS
from embedlab.store.workspace import Workspace


@pytest.fixture
def ws(home) -> Workspace:
    return Workspace(home)


@pytest.fixture
def pets() -> Embeddings:
    rng = np.random.default_rng(0)
    words = ["cat", "dog", "eel", "fox", "gnu"]
    meta = {"name": "pets", "description": "toy vectors"}
    return Embeddings(words, rng.normal(size=(5, 3)).astype(np.float32), [9, 7, 5, 3, 1], meta)


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize("fmt", WRITE_FORMATS)
def test_every_export_reads_back_through_the_upload(ws, pets, fmt):
    file_name, data, _ = export_bytes(pets, fmt)
    done = view.import_upload(ws, data, file_name)
    back = ws.load_model(done.record.name)
    assert back.words == pets.words
    np.testing.assert_allclose(back.vectors, pets.vectors, rtol=1e-5, atol=1e-6)
    assert "It is now the active model" in done.message and done.record.vocab == 5
    if fmt in ("tsv", "native"):  # the folder formats: zipped, with the counts inside
        assert file_name.endswith(".zip")
        assert back.counts.tolist() == [9, 7, 5, 3, 1]
        assert back.meta["format"] == fmt and back.meta["source"] == file_name
    if fmt == "native":  # the saved meta comes along, and the saved name
        assert done.record.name == "pets" and back.meta["description"] == "toy vectors"


def test_a_zipped_folder_inside_a_top_folder_reads_and_a_typed_name_wins(ws, pets):
    _, data, _ = export_bytes(pets, "tsv")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        nested = _zip({f"pets/{n}": z.read(n) for n in z.namelist()})
    done = view.import_upload(ws, nested, "pets.zip", name="  my pets  ")
    assert done.record.name == "my pets" and done.record.vocab == 5


def test_the_format_named_must_match_the_archive(ws, pets):
    _, data, _ = export_bytes(pets, "native")
    with pytest.raises(FormatError, match="holds an embedlab folder, not tsv"):
        view.import_upload(ws, data, "pets-embedlab.zip", "tsv")
    assert ws.models() == []


@pytest.mark.parametrize(
    ("members", "error", "words"),
    [
        ({"vectors.txt": b"2 2\ncat 1 2\ndog 3 4\n"}, FormatError, "unpack it"),
        ({"a/vectors.tsv": b"1\n", "b/vectors.tsv": b"2\n"}, FormatError, "zip one model"),
        ({"../vectors.tsv": b"1\t2\n"}, InputError, "unsafe path"),
        ({"vectors.tsv": b"1\t" * 6_000_000}, InputError, "zip bomb"),
        ({}, FormatError, "empty zip archive"),
    ],
    ids=["no-vector-folder", "two-models", "zip-slip", "zip-bomb", "empty"],
)
def test_a_bad_archive_is_one_sentence_and_nothing_is_added(ws, members, error, words):
    with pytest.raises(error) as caught:
        view.import_upload(ws, _zip(members), "upload.zip")
    message = str(caught.value)
    assert words in message and "'upload.zip'" in message and "\n" not in message
    assert ws.models() == []


def test_an_archive_over_the_expansion_limit_is_refused(ws, pets, monkeypatch):
    monkeypatch.setenv("EMBEDLAB_MAX_EXPANDED_BYTES", "100")
    _, data, _ = export_bytes(pets, "native")
    with pytest.raises(InputError, match="zip bomb .*EMBEDLAB_MAX_EXPANDED_BYTES"):
        view.import_upload(ws, data, "pets-embedlab.zip")


def test_a_png_named_vectors_txt_is_not_told_to_be_a_native_folder(ws):
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    with pytest.raises(FormatError) as caught:
        view.import_upload(ws, png, "vectors.txt")
    message = str(caught.value)
    assert message.startswith("'vectors.txt' is a PNG image, not a vector format")
    assert "native" not in message and "folder" not in message


def test_deleting_the_active_model_makes_the_next_one_active(ws, pets):
    first = ws.add_model(pets, name="first")
    second = ws.add_model(pets, name="second")
    names = [m.name for m in ws.models()]
    deleted = view.delete_model(ws, ws.model(names[0]), active=names[0])
    assert deleted.activate == names[1]
    assert deleted.message.endswith(f"The active model is now **{names[1]}**.")
    assert [m.name for m in ws.models()] == [names[1]]
    # deleting a model that is not active leaves the active one alone
    other = ws.add_model(pets, name="third")
    deleted = view.delete_model(ws, other, active=names[1])
    assert deleted.activate is None and deleted.message == "Deleted **third**."
    # the last model: nothing is left to activate
    assert view.delete_model(ws, ws.model(names[1]), active=names[1]).activate is None
    assert ws.models() == [] and {first.name, second.name} == set(names)


def test_next_active_and_the_picker():
    assert view.next_active(["a", "b"], deleted="a", active="a") == "b"
    assert view.next_active(["a"], deleted="a", active="a") is None
    assert view.next_active(["a", "b"], deleted="b", active="a") is None
    assert view.shown_model(["a", "b"], current="b", wanted="a", active="b") == "a"
    assert view.shown_model(["a", "b"], current="b", wanted=None, active="a") == "b"
    assert view.shown_model([], current=None, wanted=None, active=None) is None


def test_the_compare_box_starts_with_the_two_newest_until_changed():
    start, default = view.compare_start(["lee"], None, None)
    assert start == ["lee"]  # one model: the box holds it
    start, default = view.compare_start(["pets", "lee"], start, default)
    assert start == ["pets", "lee"]  # a second model arrives: the two newest
    picked = ["lee"]  # chosen by hand
    start, default = view.compare_start(["new", "pets", "lee"], picked, default)
    assert start == ["lee"]
    start, _ = view.compare_start(["pets", "lee"], ["gone", "lee"], default)
    assert start == ["lee"]  # a deleted model leaves the choice


def test_prepared_exports_keep_the_six_newest():
    prepared: list[tuple[str, str]] = []
    for i in range(8):
        prepared = view.prepared_after(prepared, (f"m{i}", "tsv"))
    assert prepared == [(f"m{i}", "tsv") for i in range(2, 8)]
