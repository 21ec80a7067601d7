"""Offline test data in Keras's own cache formats, read through Keras's real loaders.

KERAS_HOME points at a fresh folder before Keras is imported (Keras reads it once, at
import). Only the download is replaced: the files here are small
stand-ins, so their sha256 cannot match Google's, and no test may touch the network.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import urllib.error
from pathlib import Path

import numpy as np
import pytest

KERAS_HOME = Path(tempfile.mkdtemp(prefix="keras_home_tests_"))
os.environ["KERAS_HOME"] = str(KERAS_HOME)
DATASETS = KERAS_HOME / "datasets"
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

WORDS = ["the", "of", "said", "and", "a", "mln", "to", "dlrs", "it's", "don't", "good", "bad", "film", "great",
         "awful", "movie", "loved", "boring", "wonderful", "br"]


@pytest.fixture(autouse=True, scope="session")
def away_from_the_checkout(tmp_path_factory):
    """The whole session, module fixtures included, runs in an empty folder: no test reads or
    writes the checkout's runs/ (RUNS_ROOT is relative to the working folder)."""
    checkout = os.getcwd()
    os.chdir(tmp_path_factory.mktemp("session_cwd"))
    yield
    os.chdir(checkout)


@pytest.fixture(autouse=True)
def own_signals_and_folder(tmp_path_factory, monkeypatch):
    """Each test starts in an empty folder of its own, so that no test reads or writes the
    checkout's runs/, and gets back the signal handlers it found (a Run installs its own)."""
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))
    handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    yield
    for signum, handler in handlers.items():
        signal.signal(signum, handler)


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(KERAS_HOME, ignore_errors=True)


def ragged(rows):
    array = np.empty(len(rows), dtype=object)
    array[:] = [list(row) for row in rows]
    return array


def raw_sequences(labels, vocabulary, rng):
    """Raw word ranks (1 = most frequent), as stored in the .npz before Keras shifts them."""
    rows = []
    for label in labels:
        words = rng.integers(1, vocabulary, rng.integers(5, 160))
        words[rng.random(len(words)) < 0.3] = 1 + int(label) % (vocabulary - 1)
        rows.append(words.tolist())
    return ragged(rows)


def write_word_index(path, size):
    words = WORDS + [f"word{i}" for i in range(len(WORDS) + 1, size + 1)]
    path.write_text(json.dumps({w: i for i, w in enumerate(words, start=1)}))


def write_reuters(wires=300, vocabulary=2000, seed=1, folder=None):
    """reuters.npz and its word index in Keras's format, in `folder` (default: the tests' Keras cache)."""
    folder = Path(folder or DATASETS)
    rng = np.random.default_rng(seed)
    labels = np.arange(wires) % 46  # every topic present
    folder.mkdir(parents=True, exist_ok=True)
    np.savez(folder / "reuters.npz", x=raw_sequences(labels, vocabulary, rng), y=labels)
    write_word_index(folder / "reuters_word_index.json", vocabulary)


def write_imdb(reviews=200, vocabulary=6000, seed=2, folder=None):
    """imdb.npz and its word index in Keras's format, in `folder` (default: the tests' Keras cache)."""
    folder = Path(folder or DATASETS)
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    train_labels, test_labels = np.arange(reviews) % 2, np.arange(reviews // 2) % 2
    np.savez(folder / "imdb.npz",
             x_train=raw_sequences(train_labels, vocabulary, rng), y_train=train_labels,
             x_test=raw_sequences(test_labels, vocabulary, rng), y_test=test_labels)
    write_word_index(folder / "imdb_word_index.json", vocabulary)


NSMC_WORDS = {1: ["최고", "감동", "재미있어요", "추천", "명작"], 0: ["최악", "지루", "별로", "실망", "아깝다"]}
NSMC_FILLER = ["영화", "정말", "배우", "연기", "스토리", "그냥", "오늘", "봤다", "너무", "이"]


def nsmc_review(label, rng):
    words = list(rng.choice(NSMC_FILLER, rng.integers(2, 8)))
    words.insert(int(rng.integers(0, len(words) + 1)), str(rng.choice(NSMC_WORDS[label])))
    return " ".join(words)


def write_nsmc(train=300, test=100, seed=3, folder=None):
    """ratings_train.txt and ratings_test.txt in NSMC's layout (header, id<TAB>document<TAB>label),
    in `folder` (default: the tests' Keras cache, datasets/nsmc). The training file holds one
    review with no text and one with quotes, as the published files do."""
    folder = Path(folder or DATASETS / "nsmc")
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for name, size in (("ratings_train.txt", train), ("ratings_test.txt", test)):
        rows = [f"{1000 + i}\t{nsmc_review(i % 2, rng)}\t{i % 2}" for i in range(size)]
        if name == "ratings_train.txt":
            rows[:2] = ["999\t\t0", '998\t"최고" 라는 말이 아깝지 않다\t1']
        (folder / name).write_text("id\tdocument\tlabel\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return folder


def write_kor_txt(path, pairs):
    """A kor.txt of (English, Korean) pairs in manythings.org's layout: English<TAB>Korean<TAB>attribution."""
    lines = [f"{english}\t{korean}\tCC-BY 2.0 (France) Attribution: tatoeba.org" for english, korean in pairs]
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def cut_network(monkeypatch):
    """The real keras.datasets loaders with the network cut, an empty Keras cache, and the
    product's own way in for files that are not Google's (USE_CACHED_DATA_AS_IS=1): the small
    stand-ins cannot have Google's checksums. Returns the cache's datasets folder."""
    from keras.src.utils import file_utils

    def no_network(url, *args, **kwargs):
        raise urllib.error.URLError("network disabled in tests")

    monkeypatch.setenv("USE_CACHED_DATA_AS_IS", "1")
    monkeypatch.setattr(file_utils, "urlretrieve", no_network)
    shutil.rmtree(DATASETS, ignore_errors=True)
    DATASETS.mkdir(parents=True)
    return DATASETS


@pytest.fixture
def offline_keras(monkeypatch):
    return cut_network(monkeypatch)


# Any download a script tries goes to a closed port on this machine and fails at once, as offline.
NO_NETWORK = {name: "http://127.0.0.1:9" for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY")}


def script_environment(env=None):
    """The environment a script runs in as a user's would: offline, the tests' Keras cache."""
    inherited = {name: value for name, value in os.environ.items() if name != "TF_CPP_MIN_LOG_LEVEL"}  # set by
    # common/keras_setup.py in this process; a user's shell would not have it
    env = {**inherited, "KERAS_HOME": str(KERAS_HOME), "PYTHONUNBUFFERED": "1", **NO_NETWORK, **(env or {})}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))  # for `python -c`
    return env


def run_script(*args, timeout=240, env=None, **kwargs):
    """Run a script of the repo in a fresh Python, as a user would, offline; returns CompletedProcess."""
    return subprocess.run([sys.executable, *map(str, args)], cwd=kwargs.pop("cwd", Path.cwd()),
                          env=script_environment(env), capture_output=True, text=True, timeout=timeout, **kwargs)


SEEDS_DRY_RUN = ["--dry-run", "--epochs", "2", "--embedding-dim", "8", "--lstm-units", "8"]


@pytest.fixture(scope="session")
def dry_seeds_group(tmp_path_factory):
    """Three seeds of a small Reuters dry run, started as a user would in a fresh folder, so that
    the group lands where a user's does (runs/reuters_lstm/dry-run/<time>-seeds/); shared by the
    tests of --seeds and of compare. Returns (the folder it ran in, the group folder, the result)."""
    root = tmp_path_factory.mktemp("seeds_group")
    result = run_script(REPO / "reuters_lstm.py", *SEEDS_DRY_RUN, "--seeds", "3", cwd=root)
    assert result.returncode == 0, result.stderr
    return root, next((root / "runs" / "reuters_lstm" / "dry-run").glob("*-seeds")), result
