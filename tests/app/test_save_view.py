"""The "Save this view" control on Neighbours, Analogies and Projection: the view lands in
the workspace, the Share page lists it, and the model's bundle carries it (a map with its
coordinates)."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
from app_helpers import DEMO_MODEL, new_app, open_page

from embedlab.analysis.project import project
from embedlab.app.share import bundle_bytes
from embedlab.jobs.bundle import saved_views
from embedlab.store.workspace import Workspace


def _linked(page: str, **params: str):
    """The page opened by a link carrying `params` (and nothing the first page put there)."""
    at = new_app().run()
    at.query_params.clear()
    at.query_params.update({"model": DEMO_MODEL, **params})
    return at.switch_page(f"pages/{page}.py").run()


def _save(at, page: str, name: str = ""):
    if name:
        at.text_input(key=f"save_view_{page}_name").input(name)
    at = at.button(key=f"save_view_{page}").click().run()
    assert not at.exception and not at.error
    return at


def test_a_neighbours_view_is_saved_listed_on_share_and_bundled(lee_home):
    at = _linked("neighbours", q="police", k="7", metric="euclidean")
    assert len(at.dataframe[0].value) == 7
    at = _save(at, "neighbours", "police, 7")
    assert "police, 7" in at.success[0].value
    [view] = saved_views(Workspace(lee_home), DEMO_MODEL)
    assert view.page == "neighbours" and not view.is_map
    assert view.params == {"q": "police", "k": "7", "metric": "euclidean", "restrict": "0"}
    at.query_params.clear()
    at = at.switch_page("pages/share.py").run()
    views = at.dataframe[0].value
    assert list(views["view"]) == ["police, 7"]
    assert "q=police" in views["parameters"][0] and "k=7" in views["parameters"][0]
    [link] = [e.proto for e in at.get("page_link") if "police, 7" in e.proto.label]
    assert "q=police" in link.query_string and f"model={DEMO_MODEL}" in link.query_string
    assert link.page.endswith("neighbours")
    at = at.button(key="share_prepare").click().run()
    assert not at.exception and at.get("download_button")
    _, zipped = bundle_bytes(Workspace(lee_home), DEMO_MODEL)  # what the Share button serves
    with zipfile.ZipFile(io.BytesIO(zipped)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert "police, 7" in json.dumps(manifest) and '"k": "7"' in json.dumps(manifest)


def test_an_analogy_view_keeps_its_words(lee_home):
    at = _linked("analogies", a="man", b="king", c="woman")
    at = _save(at, "analogies")
    [view] = saved_views(Workspace(lee_home), DEMO_MODEL)
    assert view.name == "analogies" and view.page == "analogies"
    assert {k: view.params[k] for k in "abc"} == {"a": "man", "b": "king", "c": "woman"}


def test_a_map_is_saved_with_exactly_its_coordinates(lee_home):
    at = _linked("projection", method="pca", n="300", dims="2", word="police")
    at = _save(at, "projection")
    [view] = saved_views(Workspace(lee_home), DEMO_MODEL)
    assert view.is_map and view.name == "map"
    assert view.params["method"] == "pca" and view.params["n"] == "300"
    saved = view.projection()
    assert saved.coords.shape == (300, 2)
    again = project(Workspace(lee_home).load_model(DEMO_MODEL), "pca", 300, 2)  # what was shown
    assert saved.words == again.words
    np.testing.assert_allclose(saved.coords, again.coords, rtol=1e-5, atol=1e-6)


def test_a_saved_map_reopens_with_its_saved_coordinates(lee_home):
    """The Share page's link (`view=ID`) draws the saved coordinates, not a new projection:
    a map saved with its coordinates doubled comes back doubled."""
    from embedlab.analysis.project import Projection
    from embedlab.jobs.bundle import save_view

    ws = Workspace(lee_home)
    shown = project(ws.load_model(DEMO_MODEL), "pca", 300, 2)
    doubled = Projection(shown.words, shown.coords * 2, None, "pca", dict(shown.params))
    params = {"method": "pca", "n": "300", "dims": "2"}
    view = save_view(ws, DEMO_MODEL, "projection", params, doubled, name="doubled")
    at = _linked("projection", **params, view=str(view.id))
    assert not at.exception and not at.error
    xs = _xs(at)
    np.testing.assert_allclose(np.sort(xs), np.sort(doubled.coords[:, 0]), rtol=1e-4, atol=1e-5)
    assert any("saved map 'doubled'" in c.value for c in at.caption)
    at = _linked("projection", method="pca", n="200", dims="2", view=str(view.id))
    assert any("computed anew" in c.value for c in at.caption)  # other settings: a new map
    at = _linked("projection", **params, view="9999")
    assert not at.exception and any("No saved map 9999" in c.value for c in at.caption)


def _xs(at) -> np.ndarray:
    """The x coordinates of every point the Projection page's map draws (plotly sends
    arrays as base64 typed arrays)."""
    import base64

    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    parts = []
    for trace in figure["data"]:
        x = trace.get("x")
        if isinstance(x, dict):
            parts.append(np.frombuffer(base64.b64decode(x["bdata"]), dtype=x["dtype"]))
        elif x:
            parts.append(np.asarray(x, dtype=float))
    return np.concatenate(parts)


def test_saving_twice_with_one_name_is_one_sentence(lee_home):
    at = _save(_linked("neighbours", q="police"), "neighbours", "mine")
    at.text_input(key="save_view_neighbours_name").input("mine")
    at = at.button(key="save_view_neighbours").click().run()
    assert not at.exception and "already has a view named 'mine'" in at.error[0].value
    assert len(saved_views(Workspace(lee_home), DEMO_MODEL)) == 1


def test_neighbours_and_analogies_settings_survive_a_page_change(lee_home):
    at = open_page("neighbours")
    at.text_input(key="query").input("police")
    at = at.slider(key="nb_k").set_value(5).run()
    at = at.radio(key="nb_metric").set_value("euclidean").run()
    for page in ("analogies", "neighbours"):
        at.query_params.clear()  # the browser's navigation clears the URL
        at = at.switch_page(f"pages/{page}.py").run()
    assert not at.exception
    assert at.text_input(key="query").value == "police"
    assert at.slider(key="nb_k").value == 5 and at.radio(key="nb_metric").value == "euclidean"
    assert at.query_params["q"] == "police" and at.query_params["k"] == "5"
    assert len(at.dataframe[0].value) == 5
    at = at.switch_page("pages/analogies.py").run()
    at.text_input(key="a").input("man")
    at.text_input(key="b").input("king")
    at.text_input(key="c").input("woman")
    at = at.toggle(key="an_inputs").set_value(True).run()
    for page in ("neighbours", "analogies"):
        at.query_params.clear()
        at = at.switch_page(f"pages/{page}.py").run()
    assert [at.text_input(key=k).value for k in "abc"] == ["man", "king", "woman"]
    assert at.toggle(key="an_inputs").value is True


def test_a_saved_map_is_read_again_only_when_its_file_changes(lee_home):
    """A link's page reruns on every highlight: the saved map comes from memory while its
    coordinates file is unchanged (same mtime), and is read again once the file changes."""
    import os

    from embedlab.analysis.project import Projection
    from embedlab.app.projection import saved_map
    from embedlab.formats.bundle import map_csv
    from embedlab.jobs.bundle import open_view, save_view

    ws = Workspace(lee_home)
    shown = project(ws.load_model(DEMO_MODEL), "pca", 300, 2)
    view = save_view(ws, DEMO_MODEL, "projection", {"method": "pca"}, shown, name="map")
    shape = ("pca", 300, 2)
    first, _ = saved_map(ws, DEMO_MODEL, str(view.id), shape)
    np.testing.assert_allclose(first.coords, shown.coords, rtol=1e-5, atol=1e-6)

    path = open_view(ws, view.id).coords_path
    before = path.stat()
    tripled = Projection(shown.words, shown.coords * 3, None, "pca", dict(shown.params))
    path.write_bytes(map_csv(tripled.words, tripled.coords))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # new bytes, same mtime
    again, _ = saved_map(ws, DEMO_MODEL, str(view.id), shape)
    assert again is first  # not read: still the coordinates read first

    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000))  # a real change
    changed, note = saved_map(ws, DEMO_MODEL, str(view.id), shape)
    assert changed is not first and "saved map 'map'" in note
    np.testing.assert_allclose(changed.coords, shown.coords * 3, rtol=1e-4, atol=1e-5)
