"""A dataset file in the Keras cache is checked before Keras sees it, and never deleted or overwritten.

These run the scripts as a user would, offline (conftest.NO_NETWORK), through Keras's real
checksum code: nothing here patches validate_file.
"""
import inspect
import json

import keras
import pytest
from conftest import REPO, run_script, write_imdb, write_reuters

from common import data
from common.text import Vocabulary


@pytest.fixture
def cache(tmp_path):
    """An empty Keras cache of the test's own: $KERAS_HOME/datasets."""
    folder = tmp_path / "keras_home" / "datasets"
    folder.mkdir(parents=True)
    return folder


def run_reuters(cache, *argv, **env):
    return run_script(REPO / "reuters_lstm.py", *argv, "--out", cache.parent.parent / "run",
                      env={"KERAS_HOME": str(cache.parent), **env})


def assert_one_line_error(result, *phrases):
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("reuters_lstm.py: error: "), result.stderr
    for phrase in phrases:
        assert phrase in lines[0]


def test_a_readable_file_with_another_checksum_is_kept_and_named(cache):
    write_reuters(folder=cache)
    before = (cache / "reuters.npz").read_bytes()
    result = run_reuters(cache, "--epochs", "1")
    assert_one_line_error(result, f"reuters.npz in {cache} is kept", "its checksum is not Keras's",
                          "delete it to download Keras's copy", "USE_CACHED_DATA_AS_IS=1")
    assert (cache / "reuters.npz").read_bytes() == before
    assert sorted(p.name for p in cache.iterdir()) == ["reuters.npz", "reuters_word_index.json"]


def test_a_truncated_file_is_damaged_and_stays_where_it_was(cache):
    write_reuters(folder=cache)
    truncated = (cache / "reuters.npz").read_bytes()[:5000]
    (cache / "reuters.npz").write_bytes(truncated)
    result = run_reuters(cache, "--epochs", "1")
    assert_one_line_error(result, f"reuters.npz in {cache} is damaged", "could not be downloaded",
                          "place a good copy there")
    assert (cache / "reuters.npz").read_bytes() == truncated
    assert sorted(p.name for p in cache.iterdir()) == ["reuters.npz", "reuters_word_index.json"]


def test_no_file_is_missing_with_where_to_put_it(cache):
    result = run_reuters(cache, "--epochs", "1")
    assert_one_line_error(result, "reuters.npz is not in the Keras cache and could not be downloaded from "
                          "https://storage.googleapis.com/tensorflow/tf-keras-datasets/reuters.npz",
                          f"place a copy in {cache}")
    assert list(cache.iterdir()) == []


def test_the_switch_trains_on_the_file_as_it_is(cache):
    write_reuters(folder=cache)
    before = (cache / "reuters.npz").read_bytes()
    result = run_reuters(cache, "--epochs", "1", USE_CACHED_DATA_AS_IS="1")
    assert result.returncode == 0, result.stderr
    metrics = json.loads((cache.parent.parent / "run" / "metrics.json").read_text())
    assert metrics["synthetic_data"] is False and "test_accuracy" in metrics
    assert "True topic:" in result.stdout  # the word index, another checksum too, was used as it is
    assert (cache / "reuters.npz").read_bytes() == before


@pytest.mark.parametrize("dataset", ["reuters", "imdb"])
def test_the_checksums_checked_are_keras_own(dataset):
    source = inspect.getsource(getattr(keras.src.datasets, dataset))
    for filename in (f"{dataset}.npz", f"{dataset}_word_index.json"):
        assert f'"{data.KERAS_CHECKSUMS[filename]}"' in source


@pytest.mark.parametrize("content, readable", [
    (b'{"the": 1}', True), (b'{"the": 1', False), (b"", False),
])
def test_a_word_index_is_readable_only_if_it_is_json(tmp_path, content, readable):
    path = tmp_path / "reuters_word_index.json"
    path.write_bytes(content)
    assert (data.unreadable(path) is None) == readable


@pytest.mark.parametrize("kind", ["sha256", "md5"])
def test_the_checksum_check_answers_as_keras_own(tmp_path, kind):
    """common/data.py checks with hashlib what keras.utils' validate_file checks (Keras 3.15)."""
    import hashlib

    from keras.src.utils import file_utils

    path = tmp_path / "file.npz"
    path.write_bytes(b"some bytes" * 1000)
    right = getattr(hashlib, kind)(path.read_bytes()).hexdigest()
    wrong = right[:-1] + ("0" if right[-1] != "0" else "1")
    for expected in (right, wrong):
        assert data.has_keras_checksum(path, expected) == file_utils.validate_file(str(path), expected)
    assert data.has_keras_checksum(path, right) and not data.has_keras_checksum(path, wrong)


@pytest.mark.parametrize("dataset, arguments", [("reuters", {"num_words": 1000, "test_split": 0.2}),
                                                ("reuters", {"num_words": 50, "test_split": 0.3}),
                                                ("imdb", {"num_words": 5000}), ("imdb", {"num_words": 40})])
def test_a_copy_used_as_it_is_is_read_exactly_as_keras_reads_it(offline_keras, monkeypatch, dataset, arguments):
    """USE_CACHED_DATA_AS_IS reads the file with common/data.py's loaders; Keras's own (its checksum
    check switched off here, in the test) must give the same arrays. Fails when Keras changes."""
    from keras.src.utils import file_utils

    {"reuters": write_reuters, "imdb": write_imdb}[dataset]()
    ours = data.load(dataset, **arguments)
    monkeypatch.setattr(file_utils, "validate_file", lambda *args, **kwargs: True)
    keras_own = getattr(keras.datasets, dataset).load_data(**arguments)
    for (our_x, our_y), (their_x, their_y) in zip(ours, keras_own):
        assert [list(x) for x in our_x] == [list(x) for x in their_x]
        assert our_y.tolist() == their_y.tolist()
    assert data.vocabulary(dataset, 1000).ids == Vocabulary(getattr(keras.datasets, dataset).get_word_index(), 1000).ids
