"""char_rnn_hello.py: every implementation and cell learns 'hell' -> 'ello' and writes "hello"."""
import json
import math

import numpy as np
import pytest
from conftest import run_script

import char_rnn_hello
from common import cli, keras_setup
from common.notes import char_lm


def config(**changes):
    return cli.parse(char_rnn_hello.SETTINGS, [f"--{k.replace('_', '-')}={v}" for k, v in changes.items()])[0]


def test_the_alphabet_is_the_notes_order_not_set_order():
    assert char_rnn_hello.alphabet_of("hello") == "helo"
    np.testing.assert_array_equal(char_rnn_hello.one_hot("helo", "helo"), np.eye(4))


@pytest.mark.parametrize("impl", ["keras", "numpy"])
@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_loss_at_initialisation_is_ln_4(impl, cell):
    keras_setup.seed_everything(0)  # the same initial weights whatever ran before
    model = char_rnn_hello.build_model(config(impl=impl, cell=cell), "helo")
    p = char_rnn_hello.probabilities(model, "hell", "helo")
    loss = -np.log(p[np.arange(4), [1, 2, 2, 3]]).mean()
    assert loss == pytest.approx(math.log(4), abs=0.3)


@pytest.mark.parametrize("impl, cell", [("keras", "rnn"), ("keras", "lstm"), ("numpy", "rnn"), ("numpy", "lstm")])
def test_training_reaches_ello_and_generates_hello(impl, cell, tmp_path, capsys):
    out = tmp_path / "run"
    assert char_rnn_hello.main([f"--impl={impl}", f"--cell={cell}", "--epochs=60", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Learned mapping: 'hell' -> 'ello'" in printed
    assert "Generated from 'h': hello" in printed
    assert printed.count("-> '") >= 5  # it showed its answers while training
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["test_accuracy"] == 1.0 and metrics["generated"] == "hello"
    assert (out / ("model.npz" if impl == "numpy" else "model.keras")).exists()


@pytest.mark.parametrize("temperature, expected", [
    (0.0, [1.0, 0.0, 0.0]),  # always the likeliest
    (1.0, [0.7, 0.2, 0.1]),  # the probabilities as they are
    (0.5, [0.49 / 0.54, 0.04 / 0.54, 0.01 / 0.54]),  # p ** (1 / 0.5), renormalised: sharper
    (100.0, [1 / 3, 1 / 3, 1 / 3]),  # nearly flat
])
def test_sampling_at_a_temperature_draws_with_the_sharpened_probabilities(temperature, expected):
    rng = np.random.default_rng(0)
    draws = [char_lm.choose(np.array([0.7, 0.2, 0.1]), temperature, rng) for _ in range(20_000)]
    np.testing.assert_allclose(np.bincount(draws, minlength=3) / len(draws), expected, atol=0.012)


@pytest.mark.parametrize("argv, message", [
    (["--impl", "torch"], "--impl must be one of keras, numpy"),
    (["--cell", "gru"], "--cell must be one of rnn, lstm"),
    (["--temperature", "-1"], "--temperature must be >= 0"),
    (["--word", "h"], "at least two letters"),
])
def test_bad_choices_are_refused(argv, message):
    with pytest.raises(cli.UsageError, match=message):
        char_rnn_hello.main(argv)


def test_the_numpy_path_loads_no_framework(tmp_path):
    probe = ("import sys, json, char_rnn_hello\n"
             f"code = char_rnn_hello.main(['--impl', 'numpy', '--epochs', '30', '--out', r'{tmp_path / 'run'}'])\n"
             "print('exit', code, 'loaded:', sorted(m for m in ('tensorflow', 'keras', 'jax', 'torch') if m in sys.modules))")
    result = run_script("-c", probe)
    assert "exit 0 loaded: []" in result.stdout, result.stderr
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["backend"] == "numpy" and metrics["generated"] == "hello"
