"""The Corpus and Train pages' figures: plain values in, plotly figures out."""

from __future__ import annotations

import numpy as np

from embedlab.app.charts.corpus import sentence_length_figure, zipf_figure, zipf_ranks
from embedlab.app.charts.training import loss_figure


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
