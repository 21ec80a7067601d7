"""What this project relies on in Keras beyond its documented API, all in one place.

Each item below is Keras behaviour that its public API does not promise (or promises only
loosely), checked on Keras 3.13.2 (requirements-oldest.txt, a Colab runtime's) and 3.15.1
(requirements.txt). tests/test_keras_reliance.py has a test for each that fails when Keras
changes it; everything else in the project uses Keras's public API only.
"""
import hashlib
import os
import tempfile
from pathlib import Path

import numpy as np

from common.text import INDEX_FROM, OOV, START

# keras.utils.get_file: its failed download raises a bare Exception whose text starts so, and it
# prints this line before a download (to standard output).
DOWNLOAD_FAILED = "URL fetch failure"
DOWNLOAD_LINE = "Downloading data from"

# model.fit warns so (Keras 3.14 and later) when it is handed a tf.data.Dataset with its default
# shuffle=True; 3.13 does not warn.
SHUFFLE_UNUSED_WARNING = "`shuffle=True` was passed, but will be ignored"

# keras.datasets.reuters and imdb: where they download from, and the checksums they check
# (sha256 for the arrays, md5 for the word indexes).
DATASETS_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
CHECKSUMS = {
    "reuters.npz": "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916",
    "reuters_word_index.json": "4d44cc38712099c9e383dc6e5f11a921",
    "imdb.npz": "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f",
    "imdb_word_index.json": "bfafd718b763782e994055a2d397834f",
}


def cache_dir():
    """Where keras.utils.get_file caches the datasets, decided as Keras decides it (Keras has no
    public function that says it): $KERAS_HOME, else ~/.keras (/tmp/.keras when the home folder
    cannot be written); and /tmp/.keras when that folder is not writable, or not there."""
    home = os.environ.get("KERAS_HOME")
    if home is None:
        base = os.path.expanduser("~")
        home = os.path.join(base if os.access(base, os.W_OK) else "/tmp", ".keras")
    home = os.path.expanduser(home)
    if not os.access(home, os.W_OK):
        home = os.path.join("/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir(), ".keras")
    return Path(home) / "datasets"


def has_checksum(path, expected):
    """Whether the file's checksum is `expected`, as get_file's check answers: sha256 for a
    64-digit one, else md5."""
    digest = hashlib.sha256() if len(expected) == 64 else hashlib.md5()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest() == expected


# keras.datasets.reuters and imdb refuse a copy with another checksum, so a copy used as it is
# (USE_CACHED_DATA_AS_IS) is read here as they read theirs with the scripts' arguments: shuffled
# by RandomState(113), start mark 1, ids + 3, and ids from num_words on as 2 (common/text's
# START, INDEX_FROM and OOV: the conventions Keras's datasets set).
SHUFFLE_SEED = 113


def encoded(sequences, num_words):
    return [[START] + [w + INDEX_FROM if w + INDEX_FROM < num_words else OOV for w in x] for x in sequences]


def shuffled(rng, xs, labels):
    indices = np.arange(len(xs))
    rng.shuffle(indices)
    return xs[indices], labels[indices]


def reuters_as_is(path, num_words, test_split=0.2):  # Keras's default split
    with np.load(path, allow_pickle=True) as archive:  # the user's own file, placed in the cache by hand
        xs, labels = shuffled(np.random.RandomState(SHUFFLE_SEED), archive["x"], archive["y"])
    xs, cut = encoded(xs, num_words), int(len(xs) * (1 - test_split))
    return ((np.array(xs[:cut], dtype="object"), np.array(labels[:cut])),
            (np.array(xs[cut:], dtype="object"), np.array(labels[cut:])))


def imdb_as_is(path, num_words):
    rng = np.random.RandomState(SHUFFLE_SEED)  # one generator for both parts, as Keras has it
    with np.load(path, allow_pickle=True) as archive:
        parts = [shuffled(rng, archive[f"x_{part}"], archive[f"y_{part}"]) for part in ("train", "test")]
    return tuple((np.array(encoded(xs, num_words), dtype="object"), labels) for xs, labels in parts)


AS_IS_LOADERS = {"reuters": reuters_as_is, "imdb": imdb_as_is}


def stop_evaluation(model):
    """End the model's evaluate() after the current batch, as model.stop_training ends fit: the
    model's stop_evaluating, added for callbacks by keras-team/keras pull request 18843 (2023) but not
    in Keras's documentation."""
    model.stop_evaluating = True
