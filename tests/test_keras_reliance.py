"""One test for each thing common/keras_reliance.py relies on in Keras: each fails when Keras changes it.

These may read Keras's insides (keras.src): the product may not, and this is where it learns
that Keras moved.
"""
import inspect
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import keras
import numpy as np
import pytest
from conftest import REPO, run_script, write_imdb, write_reuters

from common import keras_reliance
from common.text import Vocabulary, datasets


@pytest.mark.parametrize("environment", ["KERAS_HOME", "HOME", "HOME without .keras"])
def test_the_cache_folder_is_where_keras_puts_its_downloads(tmp_path, environment):
    """get_file's folder is decided when Keras loads: ask a fresh Python with the environment set."""
    source = tmp_path / "source.txt"
    source.write_text("a dataset")
    home = tmp_path / "home"
    keras_home = home / ("keras_home" if environment == "KERAS_HOME" else ".keras")
    keras_home.parent.mkdir()
    if environment != "HOME without .keras":  # which Keras makes as it loads
        keras_home.mkdir()
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "KERAS_BACKEND": keras.backend.backend(),
           "HOME": str(home), **({"KERAS_HOME": str(keras_home)} if environment == "KERAS_HOME" else {})}
    name = f"reliance-{tmp_path.name}.txt"  # new wherever it lands, so that Keras downloads it
    script = ("import json, keras; from common import keras_reliance; "
              f"print(json.dumps([keras.utils.get_file({name!r}, {source.as_uri()!r}), str(keras_reliance.cache_dir())]))")
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    keras_path, ours = json.loads(result.stdout.strip().splitlines()[-1])
    Path(keras_path).unlink()
    assert keras_path == f"{ours}/{name}"
    assert ours == str(keras_home / "datasets")


PROBE = """
import keras, sys
from common import keras_reliance
got = keras.utils.get_file("probe.txt", origin=sys.argv[1])
print("ANSWER", keras_reliance.cache_dir() / "probe.txt" == __import__("pathlib").Path(got), got)
"""


def test_the_cache_folder_is_where_keras_puts_its_files(tmp_path):
    """Keras puts its files in $KERAS_HOME/datasets, or in /tmp/.keras/datasets when that folder
    cannot be written (here: it cannot even be made, under /proc). Every other test uses the first."""
    origin = tmp_path / "origin.txt"
    origin.write_text("probe")
    result = run_script("-c", PROBE, origin.as_uri(), env={"KERAS_HOME": "/proc/keras_home"})
    assert result.returncode == 0, result.stderr
    _, answer, path = next(line for line in result.stdout.splitlines() if line.startswith("ANSWER")).split()
    os.remove(path)
    assert answer == "True" and path.startswith("/tmp/.keras/")


def test_a_failed_download_says_so_in_the_words_the_product_looks_for(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    with pytest.raises(Exception, match=keras_reliance.DOWNLOAD_FAILED):
        keras.utils.get_file("never.npz", "http://127.0.0.1:9/never.npz", cache_dir=str(tmp_path))


def test_a_download_begins_with_the_line_the_product_holds_back(tmp_path, capsys):
    source = tmp_path / "source.txt"
    source.write_text("a dataset")
    (tmp_path / "cache").mkdir()  # else Keras falls back to /tmp/.keras, where a copy may be
    keras.utils.get_file("copy.txt", source.as_uri(), cache_dir=str(tmp_path / "cache"))
    assert capsys.readouterr().out.startswith(keras_reliance.DOWNLOAD_LINE)


@pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                    reason="the scripts hand fit a tf.data.Dataset (training.batches) on TensorFlow only")
def test_fit_warns_if_at_all_in_the_words_the_product_silences_when_it_is_handed_a_dataset():
    """Keras 3.14 and later warn that fit's shuffle=True goes unused with a dataset; 3.13 says nothing."""
    import tensorflow as tf

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(loss="mse", optimizer="sgd")
    batches = tf.data.Dataset.from_tensors((np.zeros((2, 3), "float32"), np.zeros((2, 1), "float32")))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(batches, verbose=0)  # fit's own shuffle=True, as the scripts leave it
    said = [str(warning.message) for warning in caught if "shuffle" in str(warning.message)]
    assert all(text.startswith(keras_reliance.SHUFFLE_UNUSED_WARNING) for text in said), said
    if tuple(map(int, keras.__version__.split(".")[:2])) >= (3, 14):
        assert said


def test_stop_evaluation_ends_evaluate_after_the_current_batch():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(loss="mse")
    seen = []

    class StopAtOnce(keras.callbacks.Callback):
        def on_test_batch_end(self, batch, logs=None):
            seen.append(batch)
            keras_reliance.stop_evaluation(self.model)

    model.evaluate(np.zeros((40, 3)), np.zeros((40, 1)), batch_size=10, callbacks=[StopAtOnce()], verbose=0)
    assert seen == [0]
@pytest.mark.parametrize("dataset", ["reuters", "imdb"])
def test_the_checksums_checked_are_keras_own(dataset):
    source = inspect.getsource(getattr(keras.src.datasets, dataset))
    for filename in (f"{dataset}.npz", f"{dataset}_word_index.json"):
        assert f'"{keras_reliance.CHECKSUMS[filename]}"' in source


@pytest.mark.parametrize("kind", ["sha256", "md5"])
def test_the_checksum_check_answers_as_keras_own(tmp_path, kind):
    """keras_reliance checks with hashlib what keras.utils' validate_file checks (Keras 3.15)."""
    import hashlib

    from keras.src.utils import file_utils

    path = tmp_path / "file.npz"
    path.write_bytes(b"some bytes" * 1000)
    right = getattr(hashlib, kind)(path.read_bytes()).hexdigest()
    wrong = right[:-1] + ("0" if right[-1] != "0" else "1")
    for expected in (right, wrong):
        assert keras_reliance.has_checksum(path, expected) == file_utils.validate_file(str(path), expected)
    assert keras_reliance.has_checksum(path, right) and not keras_reliance.has_checksum(path, wrong)


@pytest.mark.parametrize("dataset, arguments", [("reuters", {"num_words": 1000, "test_split": 0.2}),
                                                ("reuters", {"num_words": 50, "test_split": 0.3}),
                                                ("imdb", {"num_words": 5000}), ("imdb", {"num_words": 40})])
def test_a_copy_used_as_it_is_is_read_exactly_as_keras_reads_it(offline_keras, monkeypatch, dataset, arguments):
    """USE_CACHED_DATA_AS_IS reads the file with datasets.AS_IS_LOADERS; Keras's own (its checksum
    check switched off here, in the test) must give the same arrays. Fails when Keras changes."""
    from keras.src.utils import file_utils

    {"reuters": write_reuters, "imdb": write_imdb}[dataset]()
    ours = datasets.load(dataset, **arguments)
    monkeypatch.setattr(file_utils, "validate_file", lambda *args, **kwargs: True)
    keras_own = getattr(keras.datasets, dataset).load_data(**arguments)
    for (our_x, our_y), (their_x, their_y) in zip(ours, keras_own):
        assert [list(x) for x in our_x] == [list(x) for x in their_x]
        assert our_y.tolist() == their_y.tolist()
    assert datasets.vocabulary(dataset, 1000).ids == Vocabulary(getattr(keras.datasets, dataset).get_word_index(), 1000).ids
