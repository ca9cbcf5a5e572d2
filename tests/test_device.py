from __future__ import annotations

import pytest

from embedlab.device import describe_device, resolve_device
from embedlab.errors import InputError


def test_env_variable_overrides_auto(monkeypatch):
    monkeypatch.setenv("EMBEDLAB_DEVICE", "cpu")
    assert resolve_device() == "cpu"
    assert resolve_device("auto") == "cpu"


def test_explicit_request_beats_env(monkeypatch):
    monkeypatch.setenv("EMBEDLAB_DEVICE", "cuda")
    assert resolve_device("cpu") == "cpu"


def test_missing_cuda_is_a_clear_error():
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(InputError, match="'cuda' was asked for but is not available"):
        resolve_device("cuda")


def test_unknown_device_and_description(monkeypatch):
    with pytest.raises(InputError, match="Unknown device 'gpu0'"):
        resolve_device("gpu0")
    monkeypatch.setenv("EMBEDLAB_DEVICE", "cpu")
    assert describe_device().startswith("CPU (")


def test_auto_defers_to_the_env_variable(monkeypatch):
    monkeypatch.setenv("EMBEDLAB_DEVICE", "tpu")  # proves the variable is read for "auto"
    with pytest.raises(InputError, match="Unknown device 'tpu'"):
        resolve_device("auto")
