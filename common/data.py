"""Datasets: Keras's real loaders with one-line errors, and synthetic stand-ins for --dry-run."""
import os
import pickle
import re
import zipfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from common.errors import ScriptError
from common.text import INDEX_FROM, START, Vocabulary

KERAS_DATASETS_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
BROKEN_FILE_ERRORS = (zipfile.BadZipFile, EOFError, pickle.UnpicklingError, KeyError, OSError, ValueError)


def keras_cache_dir():
    """Where Keras caches its datasets: $KERAS_HOME/datasets, else ~/.keras/datasets."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(home) / "datasets"


@contextmanager
def keras_cache(filename):
    """Around a keras.datasets call: no network, or a broken cached `filename`, becomes one line."""
    cached = keras_cache_dir() / filename
    try:
        yield cached
    except Exception as error:  # Keras raises a bare Exception when the download fails
        if "URL fetch failure" in str(error):
            url = re.search(r"URL fetch failure on (\S+): ", str(error))
            url = url.group(1) if url else KERAS_DATASETS_URL + filename
            raise ScriptError(
                f"{filename} is not in the Keras cache and could not be downloaded from {url} "
                f"(no network?); place a copy at {cached} (the folder follows $KERAS_HOME)"
            ) from None
        if isinstance(error, BROKEN_FILE_ERRORS):
            raise ScriptError(
                f"the cached {cached} is damaged ({type(error).__name__}: {error}); "
                "delete it so that Keras downloads it again, or place a good copy there"
            ) from None
        raise


def synthetic_sequences(num_classes, num_words, train_size=200, test_size=100, seed=0):
    """Ragged word-id sequences shaped like a Keras text dataset, with a learnable topic word."""
    rng = np.random.default_rng(seed)

    def split(size):
        labels = rng.integers(0, num_classes, size)
        sequences = np.empty(size, dtype=object)
        for row, label in enumerate(labels):
            words = rng.integers(INDEX_FROM, num_words, rng.integers(20, 200))
            # Each class has a word that gives it away, so training has something to learn.
            words[rng.random(len(words)) < 0.2] = INDEX_FROM + label % (num_words - INDEX_FROM)
            sequences[row] = [START] + words.tolist()
        return sequences, labels

    return split(train_size), split(test_size)


def synthetic_word_index(num_words):
    """A stand-in word index for synthetic data ('word3', 'word4', ...), so --dry-run needs no network."""
    return {f"word{i}": i for i in range(1, num_words)}


def vocabulary(dataset, num_words, synthetic=False):
    """The word index of keras.datasets.<dataset> ('imdb', 'reuters') as a Vocabulary cut to
    num_words; the synthetic stand-in for --dry-run. Raises ScriptError if it cannot be had."""
    if synthetic:
        return Vocabulary(synthetic_word_index(num_words), num_words)
    import keras

    with keras_cache(f"{dataset}_word_index.json"):
        return Vocabulary(getattr(keras.datasets, dataset).get_word_index(), num_words)
