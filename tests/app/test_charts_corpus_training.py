"""The Corpus and Train pages' figures: plain values in, plotly figures out."""

from __future__ import annotations

import numpy as np

from embedlab.app.charts.corpus import sentence_length_figure, zipf_figure, zipf_ranks
from embedlab.app.charts.training import QUALITY_TITLE, loss_figure, training_figure


def test_zipf_draws_a_large_vocabulary_with_few_points_and_every_top_word():
    vocab = [(f"w{i}", 1_000_000 // (i + 1)) for i in range(200_000)]
    fig = zipf_figure(vocab, max_points=1500)
    words = fig.data[0].customdata[:, 0]
    assert len(words) <= 1500
    assert list(words[:3]) == ["w0", "w1", "w2"] and words[-1] == "w199999"
    ranks = np.asarray(fig.data[0].x)
    assert (np.diff(ranks) > 0).all() and ranks[0] == 1 and ranks[-1] == 200_000
    assert "%{customdata[0]}" in fig.data[0].hovertemplate  # hover names the word


def test_zipf_of_an_empty_vocabulary_is_an_empty_plot():
    fig = zipf_figure([])
    assert len(fig.data) == 1 and len(fig.data[0].x) == 0


def test_zipf_ranks_are_unique_and_cover_both_ends():
    ranks = zipf_ranks(10_000, max_points=100)
    assert ranks[0] == 0 and ranks[-1] == 9_999 and len(set(ranks)) == len(ranks) <= 100


def test_sentence_lengths_sum_every_sentence_and_label_the_tail():
    lengths = {"1": 4, "2": 3, "150": 2, "300": 1}
    fig = sentence_length_figure(lengths, clip=100)
    assert list(fig.data[0].x) == ["1", "2", "100+"]
    assert sum(fig.data[0].y) == 10


def test_sentence_lengths_without_a_tail_have_no_plus_label():
    fig = sentence_length_figure({3: 1, 100: 2}, clip=100)
    assert list(fig.data[0].x) == ["3", "100"]


def test_loss_figure_without_losses_is_empty_but_valid():
    fig = loss_figure([], epochs=3)
    assert len(fig.data[0].x) == 0 and fig.layout.xaxis.range == (0.5, 3.5)


def test_training_figure_puts_quality_on_top_and_the_labelled_loss_below():
    label = "gensim's running loss (approximate: one worker's share × 2 workers)"
    fig = training_figure(
        [(1, 9.0), (2, 9.5), (3, 8.0)], [(1, 0.60), (2, 0.62), (3, 0.65)], 3, label
    )
    quality, loss = fig.data
    assert list(quality.y) == [0.60, 0.62, 0.65] and list(loss.y) == [9.0, 9.5, 8.0]
    assert quality.yaxis == "y" and loss.yaxis == "y2"  # one panel each
    assert [a.text for a in fig.layout.annotations] == [QUALITY_TITLE, label]
    assert [s.y0 for s in fig.layout.shapes] == [0.5]  # the random-vectors line
    assert fig.layout.xaxis.range == (0.5, 3.5)


def test_training_figure_without_quality_is_the_loss_figure():
    fig = training_figure([(1, 3.0)], [], epochs=2, loss_label="loss of one thread")
    assert [t.name for t in fig.data] == ["loss"]
    assert fig.layout.title.text == "loss of one thread"
