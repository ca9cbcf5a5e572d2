"""The Analogies page: a : b :: c : ? by 3CosAdd and 3CosMul, examples, and odd one out."""

from __future__ import annotations

from app_helpers import open_page


def _fill(at, a, b, c):
    at.text_input(key="a").input(a)
    at.text_input(key="b").input(b)
    return at.text_input(key="c").input(c).run()


def _answers(at):
    return [set(df.value["word"]) for df in at.dataframe]


def test_three_words_give_two_tables_and_a_picture(lee_home):
    at = open_page("analogies")
    assert not at.exception and not at.error
    assert [at.text_input(key=k).value for k in "abc"] == ["man", "king", "woman"]
    assert len(at.dataframe) == 2  # the first worked example, without a click
    assert at.query_params["b"] == "king"
    at = _fill(at, "police", "officers", "government")
    assert not at.exception and not at.error
    add, mul = at.dataframe[0].value, at.dataframe[1].value
    assert len(add) == 5 and len(mul) == 5
    for words in _answers(at):
        assert not words & {"police", "officers", "government"}
    assert add.iloc[:, -1].is_monotonic_decreasing and mul.iloc[:, -1].is_monotonic_decreasing
    assert [h.value for h in at.subheader][:2] == ["3CosAdd", "3CosMul"]
    assert at.get("plotly_chart")


def test_an_example_button_fills_the_inputs(lee_home):
    at = open_page("analogies")
    labels = [b.label for b in at.button if b.key and b.key.startswith("example_")]
    assert labels[0] == "man : king :: woman : ?"
    assert any("Google analogy test" in b.help for b in at.button if b.key.startswith("example"))
    at = at.button(key="example_0").click().run()
    assert not at.exception and not at.error
    assert [at.text_input(key=k).value for k in "abc"] == ["man", "king", "woman"]
    assert len(at.dataframe) == 2 and all(len(df.value) == 5 for df in at.dataframe)
    assert any("Expected answer: queen" in c.value for c in at.caption)


def test_unknown_words_are_named_with_suggestions(lee_home):
    at = _fill(open_page("analogies"), "polise", "officers", "government")
    assert not at.exception
    assert len(at.error) == 1
    assert "polise" in at.error[0].value and "police" in at.error[0].value
    assert not at.dataframe


def test_the_input_words_are_listed_only_when_asked(lee_home):
    at = _fill(open_page("analogies"), "police", "officers", "government")
    assert not _answers(at)[0] & {"police", "officers", "government"}
    at = at.toggle(key="an_inputs").set_value(True).run()
    assert not at.exception and _answers(at)[0] & {"officers", "government"}


def test_odd_one_out(lee_home):
    at = open_page("analogies")
    words = ["police", "officers", "arrested", "cricket"]
    at = at.text_input(key="odd").input(", ".join(words)).run()
    assert not at.exception and not at.error
    assert at.metric[0].value in words
    table = at.dataframe[-1].value
    assert set(table["word"]) == set(words) and table["word"].iloc[0] == at.metric[0].value

    at = at.text_input(key="odd").input("police officers").run()
    assert not at.exception
    assert "at least 3 words" in at.error[0].value


def test_capitalised_words_are_looked_up_lower_cased_and_the_page_says_so(lee_home):
    at = _fill(open_page("analogies"), "Police", "officers", "Government")
    assert not at.exception and not at.error
    assert any(
        "'Police' looked up as 'police', 'Government' as 'government'" in i.value for i in at.info
    )
    assert len(at.dataframe) == 2 and not _answers(at)[0] & {"police", "government"}
    at = at.text_input(key="odd").input("Police, officers, arrested, cricket").run()
    assert not at.exception and not at.error
    assert any("'Police' looked up as 'police'" in i.value for i in at.info)
    assert "police" in set(at.dataframe[-1].value["word"])


def test_without_a_model_the_page_says_how_to_get_one(home):
    at = open_page("analogies")
    assert not at.exception and not at.error
    assert "No model is active yet" in at.info[0].value


def test_the_answer_label_sits_beyond_the_arrowhead_not_under_it():
    from embedlab.app.charts.analogies import analogy_figure

    points = [("a", "man", 0, 1), ("b", "king", 1, 1), ("c", "woman", 0, 0.8)]
    points += [("d", "queen", 0.1, -0.2), ("target", "king − man + woman", 0.2, -0.2)]
    words = analogy_figure(points).data[0]
    side = {row[1]: pos for row, pos in zip(words.customdata, words.textposition, strict=True)}
    assert side["d"] == "bottom center"  # c → d points down: the label goes below d
    assert side["c"] == "top center" and side["b"] == "middle right" and side["a"] == "middle left"
    arrows = analogy_figure(points).layout.annotations
    assert all(a.standoff and a.startstandoff for a in arrows)
