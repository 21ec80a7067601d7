"""A dataset file in the Keras cache is checked before Keras sees it, and never deleted or overwritten.

These run the scripts as a user would, offline (conftest.NO_NETWORK), through Keras's real
checksum code: nothing here patches validate_file.
"""
import json

import pytest
from conftest import REPO, run_script, write_reuters

from common.text import datasets


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


@pytest.mark.parametrize("content, readable", [
    (b'{"the": 1}', True), (b'{"the": 1', False), (b"", False),
])
def test_a_word_index_is_readable_only_if_it_is_json(tmp_path, content, readable):
    path = tmp_path / "reuters_word_index.json"
    path.write_bytes(content)
    assert (datasets.unreadable(path) is None) == readable
