"""A run shows no TensorFlow C++ log line on a CPU-only machine; real problems still reach the user."""
import importlib.util
import json
import re

import pytest
from conftest import REPO, run_script, write_imdb

import imdb_cnn_lstm
from common import keras_setup

TENSORFLOW_LOG = re.compile(r"^[IWEF]\d{4} |^\d{4}-\d\d-\d\d [\d:.]+: [IWEF] |WARNING: All log messages before absl|cpu_feature_guard|"
                            r"To enable the following instructions|cuInit|NodeDef", re.MULTILINE)


def assert_no_tensorflow_log(stderr):
    assert not TENSORFLOW_LOG.search(stderr), stderr


def test_a_dry_run_says_nothing_of_tensorflow(tmp_path):
    result = run_script(REPO / "reuters_lstm.py", "--dry-run", "--epochs", "1", "--out", tmp_path / "run")
    assert result.returncode == 0, result.stderr
    assert_no_tensorflow_log(result.stderr)
    said = result.stderr.strip().splitlines()
    if importlib.util.find_spec("tensorflow"):
        assert said == []
    else:  # JAX or PyTorch alone: the one line that says why there are no TensorBoard logs
        assert len(said) == 1 and said[0].startswith("note: no TensorBoard logs"), said


def test_predict_prints_only_its_answers(tmp_path):
    home = tmp_path / "keras_home"
    write_imdb(folder=home / "datasets")
    assert imdb_cnn_lstm.main(["--dry-run", "--epochs", "1", "--out", str(tmp_path / "run")]) == 0
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    result = run_script(REPO / "imdb_cnn_lstm.py", "--predict", "a good film", "--model", tmp_path / "run" / "model.keras",
                        env={"KERAS_HOME": str(home), "USE_CACHED_DATA_AS_IS": "1"})  # the test's word index is not Keras's
    assert result.returncode == 0, result.stderr
    assert_no_tensorflow_log(result.stderr)
    assert result.stderr.splitlines() == [
        f"Answering: the model of {tmp_path / 'run'} (test accuracy {metrics['test_accuracy']:.4f}, 1 epoch, "
        "trained on synthetic data (--dry-run): its answers mean nothing)",
        "note: text 1 has no word the model knows; its answer is a guess"]  # the dry run's words are word4, word5...
    assert len(result.stdout.splitlines()) == 1 and result.stdout.count("\t") == 2


MASKED_MODEL_TRAINED = """
import sys
sys.path.insert(0, sys.argv[1])
from common import keras_setup
import keras, numpy
model = keras.Sequential([keras.layers.Embedding(5, 2, mask_zero=True), keras.layers.LSTM(2)])
model.compile(optimizer="adam", loss="mse")
model.fit(numpy.array([[1, 2, 0]]), numpy.zeros((1, 2)), verbose=0)
"""


@pytest.mark.skipif(importlib.util.find_spec("tensorflow") is None, reason="oneDNN's warning is TensorFlow's")
def test_a_mask_says_nothing_of_onednn_mid_training():
    # the first graph with a boolean op (the mask) made oneDNN say, marked E, that it supports
    # DT_BOOL only with AVX-512: translate_en_ko.py's first epoch, on every CPU
    result = run_script("-c", MASKED_MODEL_TRAINED, REPO)
    assert result.returncode == 0, result.stderr
    assert_no_tensorflow_log(result.stderr)
    assert result.stderr.strip() == ""


@pytest.mark.parametrize("argv, code, message", [
    (["--epochs", "0"], 2, "--epochs must be a positive integer"),
    ([], 1, "reuters.npz is not in the Keras cache and could not be downloaded"),  # offline, nothing cached
])
def test_errors_are_one_line_with_no_tensorflow_log(argv, code, message, tmp_path):
    result = run_script(REPO / "reuters_lstm.py", *argv, "--out", tmp_path / "run",
                        env={"KERAS_HOME": str(tmp_path / "empty_keras_home")})
    assert result.returncode == code
    assert_no_tensorflow_log(result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"reuters_lstm.py: error: {message}"), result.stderr


def test_a_tensorflow_that_cannot_load_is_still_reported(tmp_path):
    broken = tmp_path / "broken" / "tensorflow"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text("raise ImportError('libcudart.so.12: cannot open shared object file')\n")
    result = run_script(REPO / "reuters_lstm.py", "--dry-run", "--out", tmp_path / "run",
                        env={"PYTHONPATH": str(tmp_path / "broken"), "KERAS_BACKEND": "tensorflow"})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("reuters_lstm.py: error: Keras could not start (tensorflow backend)")
    assert "libcudart.so.12: cannot open shared object file" in last and "pip install -r requirements.txt" in last


@pytest.mark.skipif(importlib.util.find_spec("tensorflow") is None, reason="TensorFlow's own log needs TensorFlow")
def test_setting_the_log_level_yourself_shows_tensorflows_log(tmp_path):
    result = run_script(REPO / "reuters_lstm.py", "--dry-run", "--epochs", "1", "--out", tmp_path / "run",
                        env={"TF_CPP_MIN_LOG_LEVEL": "0"})
    assert result.returncode == 0 and TENSORFLOW_LOG.search(result.stderr)


CUDA_PROBE = ("E0000 00:00:1795808573.181261   14079 cuda_platform.cc:52] failed call to cuInit: "
              "INTERNAL: CUDA error: Failed call to cuInit: UNKNOWN ERROR (303)")
START_UP = ["WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
            "I0000 00:00:1795808570.443232   14079 cudart_stub.cc:31] Could not find cuda drivers on your machine.",
            "To enable the following instructions: AVX2 FMA, in other operations, rebuild TensorFlow with the "
            "appropriate compiler flags."]
# TensorFlow 2.20's format of the same lines (requirements-oldest.txt)
CUDA_PROBE_2_20 = ("2026-12-01 19:30:04.054617: E external/local_xla/xla/stream_executor/cuda/cuda_platform.cc:51] "
                   "failed call to cuInit: INTERNAL: CUDA error: Failed call to cuInit: UNKNOWN ERROR (303)")
START_UP_2_20 = ["2026-12-01 19:29:29.668549: I external/local_xla/xla/tsl/cuda/cudart_stub.cc:31] Could not find "
                 "cuda drivers on your machine, GPU will not be used.",
                 "2026-12-01 19:29:29.846317: I tensorflow/core/util/port.cc:153] oneDNN custom operations are on."]


@pytest.mark.parametrize("start_up, probe", [(START_UP, CUDA_PROBE), (START_UP_2_20, CUDA_PROBE_2_20)],
                         ids=["TensorFlow 2.21", "TensorFlow 2.20"])
def test_start_up_lines_are_dropped_and_everything_else_passed_on(capsys, start_up, probe):
    real_error = "2026-12-01 19:30:04.1: E tensorflow/other.cc:3] a real error"
    keras_setup.report([*start_up, probe, "a warning of our own", "E0000 00:00:1.5 1 other.cc:3] a real error", real_error],
                       tensorflow_gpus=[], gpu_present=False)
    assert capsys.readouterr().err.splitlines() == ["a warning of our own", "E0000 00:00:1.5 1 other.cc:3] a real error",
                                                    real_error]


@pytest.mark.parametrize("start_up, probe", [(START_UP, CUDA_PROBE), (START_UP_2_20, CUDA_PROBE_2_20)],
                         ids=["TensorFlow 2.21", "TensorFlow 2.20"])
def test_a_gpu_tensorflow_cannot_use_is_said_with_the_reason(capsys, start_up, probe):
    keras_setup.report([*start_up, probe], tensorflow_gpus=[], gpu_present=True)
    note = capsys.readouterr().err.strip()
    assert note.startswith("note: this machine has an NVIDIA GPU, but TensorFlow cannot use it (INTERNAL: CUDA error")
    assert note.endswith("training runs on the CPU") and "\n" not in note
