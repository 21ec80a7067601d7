"""char_rnn_hello.py: every implementation and cell learns 'hell' -> 'ello' and writes "hello"."""
import json
import math

import numpy as np
import pytest
from conftest import run_script

import char_rnn_hello
from common import backend, cli


def config(**changes):
    return cli.parse(char_rnn_hello.SETTINGS, [f"--{k.replace('_', '-')}={v}" for k, v in changes.items()])[0]


def test_the_alphabet_is_the_notes_order_not_set_order():
    assert char_rnn_hello.alphabet_of("hello") == "helo"
    np.testing.assert_array_equal(char_rnn_hello.one_hot("helo", "helo"), np.eye(4))


@pytest.mark.parametrize("impl", ["keras", "numpy"])
@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_loss_at_initialisation_is_ln_4(impl, cell):
    backend.prepare(0)  # the same initial weights whatever ran before
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


def test_sampling_with_a_temperature_writes_letters_of_the_alphabet():
    model = char_rnn_hello.build_model(config(impl="numpy"), "helo")
    text = char_rnn_hello.generate(model, "h", 12, "helo", 1.5, np.random.default_rng(0))
    assert len(text) == 12 and set(text) <= set("helo")


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
