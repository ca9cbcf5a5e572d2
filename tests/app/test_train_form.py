"""The Train page's form and the CLI's train flags come from one declaration per setting."""

from __future__ import annotations

import argparse

import pytest

from embedlab.app.train_form import algo_label, algorithms_help, build_config, form_fields
from embedlab.cli import build_parser, main
from embedlab.errors import InputError
from embedlab.train import TrainConfig, algorithms
from embedlab.train.config import settings


def _train_flags() -> dict[str, argparse.Action]:
    """The `embedlab train` parser's actions, by their first option string."""
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {a.option_strings[0]: a for a in sub.choices["train"]._actions if a.option_strings}


def _form_specs() -> dict[str, object]:
    """Every field the form shows for some algorithm, by name."""
    return {spec.name: spec for algo in algorithms() for spec in form_fields(algo)}


def test_every_declared_setting_is_a_flag_and_a_form_field_with_the_same_choices():
    flags, specs = _train_flags(), _form_specs()
    declared = settings()
    assert set(specs) == set(declared) - {"algo"}  # the algorithm has its own select box
    for name, setting in declared.items():
        flag = flags[setting.flag]
        assert flag.dest == name
        assert setting.help.rstrip(".") in flag.help
        values = tuple(v for v, _ in setting.options())
        if values:
            assert flag.metavar == "{" + ",".join(values) + "}"
        if name == "algo":
            assert values == algorithms()  # the page lists algorithms() with algo_label
            continue
        spec = specs[name]
        assert (spec.label, spec.help, spec.choices) == (setting.label, setting.help, values)
        assert spec.choice_labels == tuple(label for _, label in setting.options())
        for algo in algorithms():
            shown = name in [f.name for f in form_fields(algo)]
            assert shown == setting.applies_to(algo), (name, algo)
        if not all(setting.applies_to(a) for a in algorithms()):
            assert " only" in flag.help  # the CLI says which algorithms it is for
    assert {"--sg", "--cbow", "--hs"} <= set(flags)  # the shorthands stay
    assert flags["--deterministic"].const is True and specs["deterministic"].switch


def test_a_switch_setting_takes_only_true_or_false():
    with pytest.raises(InputError, match="deterministic must be true or false; got 'yes'"):
        TrainConfig(algo="sgns", deterministic="yes").validate()
    assert build_config("sgns", {"deterministic": True}).deterministic is True


@pytest.mark.parametrize(
    ("values", "flags"),
    [
        ({"window": 0}, ["--window", "0"]),
        ({"negative": 0}, ["--negative", "0"]),
        ({"architecture": "sg"}, ["--architecture", "sg"]),
        ({"device": "tpu"}, ["--device", "tpu"]),
        ({"min_n": 7}, ["--min-n", "7"]),
    ],
)
def test_the_form_and_the_cli_refuse_a_bad_setting_with_the_same_sentence(
    capsys, tmp_path, values, flags
):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("the cat sat on the mat\n" * 20)
    with pytest.raises(InputError) as refused:
        build_config("fasttext", values)
    assert main(["train", str(corpus), "--algo", "fasttext", *flags]) == 1
    assert capsys.readouterr().err == f"embedlab: error: {refused.value}\n"


def test_flags_left_out_take_the_defaults_and_glove_its_learning_rate():
    parser = build_parser()
    args = parser.parse_args(["train", "lee", "--algo", "glove", "--cbow"])
    from embedlab.cli.train import train_config

    config = train_config(args)
    assert config == TrainConfig(algo="glove", architecture="cbow", alpha=0.05)


def test_every_built_in_algorithm_has_a_friendly_label_and_a_help_line():
    for algo in ("word2vec", "fasttext", "sgns", "glove"):
        label = algo_label(algo)
        title, _, help_line = label.partition(": ")
        assert title and title != algo and len(help_line.split()) >= 4, label
        assert f"**{title}**: {help_line}" in algorithms_help()
    assert algo_label("glove").startswith("GloVe: ")
    assert algo_label("sgns").startswith("Word2Vec in PyTorch: ")
    assert algo_label("not-registered") == "not-registered"
