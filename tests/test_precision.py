"""PRECISION: the book's float32 by default; mixed_bfloat16 is a setting the user turns on."""
import json

import keras
import pytest

import imdb_cnn_lstm
import nsmc_cnn_lstm
import reuters_lstm
from common import cli
from common.notes import gates


@pytest.fixture(autouse=True)
def float32_afterwards():
    yield
    keras.mixed_precision.set_global_policy("float32")  # the policy is the process's: later tests build in float32


@pytest.mark.parametrize("script", [reuters_lstm, imdb_cnn_lstm, nsmc_cnn_lstm])
def test_float32_is_the_default_and_builds_float32_layers(script):
    config = cli.parse(script.SETTINGS, [])[0]
    assert config.precision == "float32"
    keras.mixed_precision.set_global_policy("mixed_bfloat16")  # left behind by an earlier run in this process
    model = script.build_model(config)
    assert {layer.compute_dtype for layer in model.layers} == {"float32"}


def test_a_wrong_precision_is_one_line():
    with pytest.raises(cli.UsageError, match="--precision must be one of float32, mixed_bfloat16"):
        cli.parse(reuters_lstm.SETTINGS, ["--precision", "float16"])


def test_a_bfloat16_run_is_recorded_and_its_model_answers_and_shows_its_gates(tmp_path, monkeypatch):
    out = tmp_path / "run"
    assert reuters_lstm.main(["--dry-run", "--epochs", "1", "--precision", "mixed_bfloat16", "--lstm-units", "8",
                              "--embedding-dim", "8", "--out", str(out)]) == 0
    assert json.loads((out / "metrics.json").read_text())["settings"]["precision"] == "mixed_bfloat16"

    keras.mixed_precision.set_global_policy("float32")  # as in the new process that answers --predict or --gates
    lstm = gates.the_lstm(keras.saving.load_model(out / "model.keras", compile=False))
    assert (lstm.compute_dtype, lstm.variable_dtype) == ("bfloat16", "float32")  # Keras's mixed policy, kept in the file
    monkeypatch.chdir(tmp_path)
    assert reuters_lstm.main(["--predict", "word5 word6 word7", "--model", str(out / "model.keras")]) == 0
    # The notes' equations in float64 against the LSTM in float32, not against bfloat16's rounding.
    assert reuters_lstm.main(["--gates", "word5 word6 word7 word8", "--model", str(out / "model.keras")]) == 0
