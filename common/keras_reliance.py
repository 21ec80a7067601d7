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


def keras_home():
    """The folder the user keeps Keras's files in: $KERAS_HOME, else ~/.keras (/tmp/.keras when
    the home folder cannot be written), as Keras decides it (Keras has no public function that
    says it)."""
    home = os.environ.get("KERAS_HOME")
    if home is None:
        base = os.path.expanduser("~")
        home = os.path.join(base if os.access(base, os.W_OK) else "/tmp", ".keras")
    return Path(os.path.expanduser(home))


def cache_dir():
    """Where keras.utils.get_file caches the datasets: keras_home()/datasets, but /tmp/.keras's
    when keras_home() is not writable, or not there."""
    home = keras_home()
    if not os.access(home, os.W_OK):
        home = Path("/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir()) / ".keras"
    return home / "datasets"


def read_only_copy(name):
    """A file the user placed in keras_home()/datasets (name: its path there) where Keras, that
    folder being read-only, looks elsewhere (cache_dir); else None."""
    placed = keras_home() / "datasets" / name
    return placed if placed.parent != cache_dir() / Path(name).parent and placed.is_file() else None


def has_checksum(path, expected):
    """Whether the file's checksum is `expected`, as get_file's check answers: sha256 for a
    64-digit one, else md5."""
    digest = hashlib.sha256() if len(expected) == 64 else hashlib.md5()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest() == expected


# keras.datasets.reuters and imdb shuffle their examples with this seed before they split them
# (np.random.RandomState(113)); common/text/datasets.py reads a copy used as it is the same way.
SHUFFLE_SEED = 113


def stop_evaluation(model):
    """End the model's evaluate() after the current batch, as model.stop_training ends fit: the
    model's stop_evaluating, added for callbacks by keras-team/keras pull request 18843 (2023) but not
    in Keras's documentation."""
    model.stop_evaluating = True
