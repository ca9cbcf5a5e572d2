"""Projections (PCA, UMAP, t-SNE), k-means clusters, highlights, selections, the scatter."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest

from embedlab.analysis.project import clusters, highlight, locate, project, selected_words
from embedlab.app.charts.projection import scatter
from embedlab.embeddings import Embeddings
from embedlab.errors import InputError, UnknownWordError

UMAP = pytest.param("umap", marks=pytest.mark.slow)  # the first UMAP compiles (~10-15 s)
# t-SNE is the slow one per word: it gets fewer words so the file stays quick.
WORDS_FOR = {"pca": 300, "umap": 300, "tsne": 120}


def blobs(n_per: int = 150, groups: int = 2, dim: int = 20, seed: int = 0) -> Embeddings:
    """`groups` tight, far-apart groups of words, interleaved by frequency: a0, b0, a1, b1..."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(groups, dim)) * 4
    words, vectors = [], []
    for i in range(n_per):
        for g in range(groups):
            words.append(f"{'abcdefgh'[g]}{i}")
            vectors.append(centres[g] + rng.normal(scale=0.3, size=dim))
    counts = np.arange(len(words), 0, -1) * 3
    return Embeddings(words, np.array(vectors), counts=counts, meta={"name": "blobs"})


@pytest.fixture(scope="module")
def two_groups() -> Embeddings:
    return blobs()


def group_of(words) -> np.ndarray:
    return np.array([w[0] == "b" for w in words], dtype=int)


def agreement(labels: np.ndarray, truth: np.ndarray) -> float:
    """Share of rows two 2-way labellings agree on, whichever label is called which."""
    same = float(np.mean(labels == truth))
    return max(same, 1 - same)


# --- project --------------------------------------------------------------------------
@pytest.mark.parametrize("dims", [2, 3])
@pytest.mark.parametrize("method", ["pca", "tsne", UMAP])
def test_shape_words_and_determinism(two_groups, method, dims):
    n = WORDS_FOR[method]
    first = project(two_groups, method, n=n, dims=dims, seed=7)
    again = project(two_groups, method, n=n, dims=dims, seed=7)
    assert first.coords.shape == (n, dims) and first.coords.dtype == np.float32
    assert first.words == two_groups.words[:n]
    assert first.counts.tolist() == two_groups.counts[:n].tolist()
    assert first.method == method and first.params["n"] == n and first.params["dims"] == dims
    assert first.seconds >= 0
    np.testing.assert_array_equal(first.coords, again.coords)
    assert not first.coords.flags.writeable


@pytest.mark.parametrize("method", ["pca", "tsne", UMAP])
def test_two_separated_groups_stay_separated(two_groups, method):
    from sklearn.cluster import KMeans

    n = WORDS_FOR[method]
    proj = project(two_groups, method, n=n, dims=2, seed=0)
    found = KMeans(2, n_init=4, random_state=0).fit_predict(proj.coords)
    assert agreement(found, group_of(proj.words)) == 1.0


@pytest.mark.slow
def test_umap_seed_changes_the_layout_and_settings_are_recorded(two_groups):
    a = project(two_groups, "umap", n=300, dims=2, seed=1, umap_neighbors=10, umap_min_dist=0.5)
    b = project(two_groups, "umap", n=300, dims=2, seed=2, umap_neighbors=10, umap_min_dist=0.5)
    assert not np.array_equal(a.coords, b.coords)
    assert a.params == {
        "n": 300,
        "n_requested": 300,
        "vocab": 300,
        "dims": 2,
        "metric": "cosine",
        "seed": 1,
        "umap_neighbors": 10,
        "umap_min_dist": 0.5,
    }


def test_n_is_clipped_to_the_vocabulary_and_reported(two_groups):
    proj = project(two_groups, "pca", n=10_000, dims=2)
    assert len(proj) == len(two_groups) == 300
    assert proj.params["n"] == 300 and proj.params["n_requested"] == 10_000


def test_pca_of_unit_vectors_ignores_length_with_cosine():
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(40, 6))
    short = Embeddings([f"w{i}" for i in range(40)], vectors)
    long = Embeddings(short.words, vectors * rng.uniform(1, 50, size=(40, 1)))
    a = project(short, "pca", n=40, dims=2).coords
    b = project(long, "pca", n=40, dims=2).coords
    np.testing.assert_allclose(np.abs(a), np.abs(b), atol=1e-4)  # a component may flip sign
    raw = project(long, "pca", n=40, dims=2, metric="euclidean").coords
    assert not np.allclose(np.abs(raw), np.abs(b), atol=1e-2)


TINY = Embeddings(["a", "b", "c"], np.eye(3, dtype=np.float32))
FLAT = Embeddings([f"w{i}" for i in range(10)], np.random.default_rng(0).normal(size=(10, 2)))


@pytest.mark.parametrize(
    ("emb", "kwargs", "message"),
    [
        (None, {"method": "lda"}, "Unknown projection method 'lda'; choose pca, umap or tsne."),
        (None, {"dims": 4}, "dims must be 2 or 3; got 4."),
        (None, {"dims": "2"}, "dims must be 2 or 3; got '2'."),
        (None, {"n": 1}, "n (the number of words) must be a whole number of at least 2; got 1."),
        (None, {"n": 2.5}, "must be a whole number of at least 2; got 2.5."),
        (None, {"n": True}, "must be a whole number of at least 2; got True."),
        (None, {"metric": "manhattan"}, "Unknown metric 'manhattan'; choose cosine or euclidean."),
        (None, {"seed": -1}, "seed must be a whole number from 0 to 4,294,967,295; got -1."),
        (TINY, {"dims": 3}, "A 3-D projection needs at least 4 words; the model has 3, so only 3"),
        (FLAT, {"dims": 3}, "The model's vectors have 2 dimensions; a 3-D projection needs at"),
        (
            None,
            {"method": "umap", "umap_neighbors": 300},
            "umap_neighbors must be a whole number from 2 to 299 (less than the 300 words "
            "projected); got 300.",
        ),
        (None, {"method": "umap", "umap_neighbors": 1}, "from 2 to 299"),
        (
            None,
            {"method": "umap", "umap_min_dist": 1.5},
            "umap_min_dist must be from 0 to 1; got 1.5.",
        ),
        (None, {"method": "umap", "umap_min_dist": float("nan")}, "umap_min_dist must be"),
        (
            None,
            {"method": "tsne", "perplexity": 300},
            "perplexity must be more than 0 and less than the number of words projected "
            "(300); got 300.",
        ),
        (None, {"method": "tsne", "perplexity": 0}, "perplexity must be more than 0"),
    ],
)
def test_each_rule_has_its_message(two_groups, emb, kwargs, message):
    args = {"method": "pca", "n": 300, "dims": 2, **kwargs}
    with pytest.raises(InputError) as err:
        project(emb if emb is not None else two_groups, **args)
    assert message in str(err.value)


def test_method_settings_are_checked_only_for_their_method(two_groups):
    # UMAP's and t-SNE's defaults (15 neighbours, perplexity 30) exceed 10 words; PCA is fine
    assert project(two_groups, "pca", n=10, dims=2).coords.shape == (10, 2)


def test_frame_2d_and_3d_and_without_counts(two_groups):
    frame = project(two_groups, "pca", n=5, dims=3).to_frame()
    assert frame.columns.tolist() == ["word", "x", "y", "z", "count", "rank"]
    assert frame["rank"].tolist() == [1, 2, 3, 4, 5]
    assert frame["count"].tolist() == two_groups.counts[:5].tolist()
    bare = Embeddings(["x", "y", "z", "w"], np.eye(4, dtype=np.float32))
    frame = project(bare, "pca", n=4, dims=2).to_frame()
    assert frame.columns.tolist() == ["word", "x", "y", "count", "rank"]
    assert frame["count"].isna().all()
    assert project(bare, "pca", n=4, dims=2).to_frame(["z", "nope", "x", "z"]).word.tolist() == [
        "z",
        "x",
    ]


def test_a_projection_survives_pickling(two_groups):
    """st.cache_data pickles what it caches."""
    proj = project(two_groups, "pca", n=20, dims=2)
    back = pickle.loads(pickle.dumps(proj))
    assert back.words == proj.words and np.array_equal(back.coords, proj.coords)
    assert back.params == proj.params


# --- clusters -------------------------------------------------------------------------
def test_clusters_recover_the_groups(two_groups):
    labels = clusters(two_groups, k=2, seed=0)
    assert labels.shape == (300,) and set(labels.tolist()) == {0, 1}
    assert agreement(labels, group_of(two_groups.words)) == 1.0
    assert np.array_equal(labels, clusters(two_groups.vectors, k=2, seed=0))
    assert clusters(two_groups, k=2, n=10).shape == (10,)


def test_cluster_zero_is_the_largest():
    emb = blobs(n_per=60, groups=3, seed=4).subset(
        [f"a{i}" for i in range(60)] + [f"b{i}" for i in range(10)] + [f"c{i}" for i in range(30)]
    )
    sizes = np.bincount(clusters(emb, k=3))
    assert sizes.tolist() == [60, 30, 10]


def test_many_rows_use_minibatch_kmeans():
    emb = blobs(n_per=5_001, groups=2, dim=4)
    labels = clusters(emb, k=2)
    assert agreement(labels, group_of(emb.words)) == 1.0


@pytest.mark.parametrize(
    ("k", "message"),
    [
        (1, "k (the number of clusters) must be a whole number from 2 to 300"),
        (301, "got 301"),
        (2.0, "got 2.0"),
    ],
)
def test_cluster_k_is_checked(two_groups, k, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        clusters(two_groups, k=k)


# --- highlight, locate, selections ------------------------------------------------------
def test_highlight_is_the_word_and_its_neighbours_among_the_words_shown(two_groups):
    words = highlight(two_groups, "a3", k=5, n=100)
    assert words[0] == "a3" and len(words) == 6
    assert all(w.startswith("a") and two_groups.index(w) < 100 for w in words)
    assert highlight(two_groups, " a3 ", k=5, n=100) == words


def test_highlight_of_an_unknown_word_suggests_spellings(two_groups):
    with pytest.raises(UnknownWordError) as err:
        highlight(two_groups, "a3x", k=5)
    assert "'a3x' is not in the vocabulary; did you mean:" in str(err.value)
    assert "a3" in err.value.suggestions


def test_a_word_outside_the_shown_words_says_how_many_to_show(two_groups):
    with pytest.raises(InputError, match=r"'b99' is word #200 by frequency.*at least 200 words"):
        highlight(two_groups, "b99", k=3, n=50)
    with pytest.raises(InputError, match="Type a word"):
        locate(two_groups, "   ")
    assert locate(two_groups, "b99", n=200) == "b99"


def test_selected_words_read_customdata_once_each_in_order():
    selection = {
        "points": [
            {"customdata": ["cat", "cat", "2", "9"], "curve_number": 1, "point_index": 4},
            {"customdata": ["<b>", "&lt;b&gt;", "1", "10"], "curve_number": 0},
            {"customdata": ["cat"], "curve_number": 3},
            {"x": 1.0, "y": 2.0},
        ],
        "box": [{"x": [0, 1], "y": [0, 1]}],
        "lasso": [],
        "point_indices": [4, 0],
    }
    assert selected_words(selection) == ["cat", "<b>"]
    assert selected_words({"points": []}) == []
    assert selected_words(None) == []


# --- the scatter ---------------------------------------------------------------------
NASTY = ["<b>bold</b>", "<script>alert(1)</script>", "a&b", "plain", "x<br>y", "<i>"]


def nasty_frame(dims: int = 2):
    emb = Embeddings(
        NASTY, np.random.default_rng(0).normal(size=(6, 5)), counts=[60, 50, 40, 30, 20, 10]
    )
    return project(emb, "pca", n=6, dims=dims).to_frame()


def all_customdata(fig) -> list:
    return [row for trace in fig.data for row in trace.customdata]


@pytest.mark.parametrize("colour_by", ["frequency", "cluster"])
def test_customdata_holds_the_words(two_groups, colour_by):
    frame = project(two_groups, "pca", n=300, dims=2).to_frame()
    labels = clusters(two_groups, k=4) if colour_by == "cluster" else None
    fig = scatter(frame, colour_by, clusters=labels)
    assert sorted(row[0] for row in all_customdata(fig)) == sorted(frame.word)
    for trace in fig.data:  # each point's word sits at that point
        for x, row in zip(trace.x, trace.customdata, strict=True):
            assert x == pytest.approx(float(frame.x[frame.word == row[0]].iloc[0]))
    if colour_by == "frequency":
        assert len(fig.data) == 1 and fig.data[0].customdata[:, 0].tolist() == frame.word.tolist()
        assert fig.data[0].marker.colorbar.title.text == "log10 count"
    else:
        assert [t.name for t in fig.data] == ["cluster 1", "cluster 2", "cluster 3", "cluster 4"]


def test_hover_and_labels_show_words_literally():
    frame = nasty_frame()
    fig = scatter(frame, "frequency", highlight=NASTY[:3], search="<script>alert(1)</script>")
    main, lines, neighbours, marked, found = fig.data
    assert main.type == marked.type == "scatter"  # SVG: its labels read markup
    labels = dict((row[0], row[1]) for row in main.customdata)
    assert labels["<b>bold</b>"] == "&lt;b&gt;bold&lt;/b&gt;"
    assert labels["<script>alert(1)</script>"] == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert labels["a&b"] == "a&amp;b" and labels["plain"] == "plain"
    for trace in (main, neighbours, marked, found):  # hover: the escaped label, never the word
        assert "customdata[1]" in trace.hovertemplate and "customdata[0]" not in trace.hovertemplate
    assert lines.hoverinfo == "skip"
    assert list(marked.text) == ["&lt;b&gt;bold&lt;/b&gt;"]  # only the word itself is labelled
    assert list(neighbours.text) == ["&lt;script&gt;alert(1)&lt;/script&gt;", "a&amp;b"]
    assert neighbours.mode == "markers"  # neighbours are marked, not labelled: no clump
    assert fig.layout.annotations[0].text == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert [row[0] for row in found.customdata] == ["<script>alert(1)</script>"]

    # Nothing plotly renders as markup carries a raw word: only customdata[0] does.
    spec = fig.to_plotly_json()
    for trace in spec["data"]:
        trace.pop("customdata", None)  # the lines trace has none
    rendered = json.dumps(spec)
    for word in ("<b>bold</b>", "<script>", "<i>", "x<br>y"):
        assert word not in rendered


def test_highlight_and_search_traces_and_3d():
    fig = scatter(nasty_frame(3), "frequency", highlight=["a&b", "plain", "nope"], search="plain")
    assert [t.type for t in fig.data] == ["scatter3d"] * 5
    names = ["words", "lines to its neighbours", "its neighbours", "highlighted", "search"]
    assert [t.name for t in fig.data] == names
    assert [row[0] for row in fig.data[2].customdata] == ["plain"]  # unknown ones skipped
    assert list(fig.data[3].text) == ["a＆b"]  # 3D labels: no entities, no markup
    assert fig.data[3].marker.size > fig.data[0].marker.size
    assert len(fig.data[1].x) == 3  # one line: from the word, to its neighbour, a break
    assert fig.layout.scene.annotations[0].text == "plain"
    # a word that is not shown is simply not marked
    assert len(scatter(nasty_frame(), "frequency", search="absent").data) == 1


def test_big_clouds_use_webgl_and_marks_stay_on_top():
    emb = blobs(n_per=600)
    words = list(emb.words)
    words[1] = "<b>bold</b>"  # b0, the second most frequent word
    emb = Embeddings(words, emb.vectors, counts=emb.counts)
    frame = project(emb, "pca", n=1200, dims=2).to_frame()
    fig = scatter(frame, "frequency", highlight=["<b>bold</b>", "a1"], search="b2")
    assert [t.type for t in fig.data] == ["scattergl"] * 5
    assert list(fig.data[3].text) == ["<b>bold</b>"]  # WebGL labels show text as is
    assert fig.data[0].customdata[1][1] == "&lt;b&gt;bold&lt;/b&gt;"  # hover labels decode


def test_colouring_needs_matching_labels_and_a_known_mode():
    frame = nasty_frame()
    with pytest.raises(InputError, match="needs the cluster labels"):
        scatter(frame, "cluster")
    with pytest.raises(InputError, match="Got 2 cluster labels for 6 words"):
        scatter(frame, "cluster", clusters=[0, 1])
    with pytest.raises(InputError, match="needs the scores"):
        scatter(frame, "faithfulness")
    with pytest.raises(InputError, match="Got 2 faithfulness scores for 6 words"):
        scatter(frame, "faithfulness", scores=[0.5, 1])
    with pytest.raises(InputError, match="Unknown colouring 'size'"):
        scatter(frame, "size")
    frame["count"] = frame["count"].astype("Int64").where(frame["rank"] > 99)  # counts unknown
    fig = scatter(frame, "frequency")
    assert fig.data[0].marker.colorbar.title.text == "rank"
    assert {row[3] for row in fig.data[0].customdata} == {"unknown"}


def test_projections_are_capped_by_the_limit_and_tsne_no_more_tightly(monkeypatch):
    from embedlab.analysis.project import max_words
    from embedlab.limits import MAX_PROJECTION_WORDS

    rng = np.random.default_rng(0)
    assert max_words("tsne") == max_words("umap") == MAX_PROJECTION_WORDS.value()
    big = Embeddings([f"w{i}" for i in range(101)], rng.normal(size=(101, 3)))
    monkeypatch.setenv("EMBEDLAB_MAX_PROJECTION_WORDS", "100")
    assert (max_words("pca"), max_words("tsne")) == (100, 100)
    for method in ("umap", "tsne"):
        with pytest.raises(
            InputError, match=r"at most 100 words \(EMBEDLAB_MAX_PROJECTION_WORDS\)"
        ):
            project(big, method, n=101, dims=2)
    assert project(big, "pca", n=100, dims=2).params["n"] == 100
    small = Embeddings([f"w{i}" for i in range(50)], rng.normal(size=(50, 3)))
    assert project(small, "pca", n=10_000, dims=2).params["n"] == 50  # clipped, not refused


def test_tsne_runs_on_opentsne_with_pca_initialisation(two_groups):
    """openTSNE, not scikit-learn: its PCA initialisation keeps PCA's first axis (the split
    between the groups) as the map's first axis, and a seed fixes the result."""
    import sys

    proj = project(two_groups, "tsne", n=120, dims=2, seed=3, perplexity=10)
    assert "openTSNE" in sys.modules
    assert proj.params == {
        "n": 120, "n_requested": 120, "vocab": 300, "dims": 2, "metric": "cosine",
        "seed": 3, "perplexity": 10.0,
    }  # fmt: skip
    groups = group_of(proj.words).astype(bool)
    gap = abs(proj.coords[groups, 0].mean() - proj.coords[~groups, 0].mean())
    assert gap > 3 * proj.coords[:, 1].std()  # the groups sit apart along x
    three = project(two_groups, "tsne", n=60, dims=3, seed=3, perplexity=10)  # Barnes-Hut
    assert three.coords.shape == (60, 3) and np.isfinite(three.coords).all()


def test_a_registered_method_is_a_projection_like_the_others(two_groups):
    from embedlab.analysis import project as projecting

    def first_axes(data, dims, seed, metric, settings):
        return data[:, :dims]

    projecting.register(projecting.Reducer("axes", "First axes", first_axes, seeded=False))
    try:
        proj = project(two_groups, "axes", n=10, dims=3)
        np.testing.assert_allclose(proj.coords, two_groups.normed[:10, :3], rtol=1e-6)
        assert proj.method == "axes" and "seed" not in proj.params
    finally:
        del projecting.REDUCERS["axes"]
    with pytest.raises(InputError, match="choose pca, umap or tsne"):
        project(two_groups, "axes", n=10, dims=2)


def test_faithfulness_colours_and_hover_lines_and_drag_selects():
    frame = nasty_frame()
    lost = ["<b>bold</b>, a&b", "", "", "", "", ""]
    fig = scatter(frame, "faithfulness", scores=np.linspace(0, 1, 6), lost=lost)
    (main,) = fig.data
    assert main.marker.colorbar.title.text == "neighbours kept"
    assert (main.marker.cmin, main.marker.cmax) == (0.0, 1.0)
    assert main.customdata[0][4] == "<br>far on the map: &lt;b&gt;bold&lt;/b&gt;, a&amp;b"
    assert main.customdata[1][4] == "" and "customdata[4]" in main.hovertemplate
    assert fig.layout.dragmode == "select"  # a drag selects, as the caption says
    assert fig.layout.legend.y < 0  # below the map: the mode bar covers no legend entry
    with pytest.raises(InputError, match="Got 1 hover lines for 6 words"):
        scatter(frame, "frequency", lost=["x"])
