"""Datasets: Keras's real loaders, guarded, and synthetic stand-ins for --dry-run.

Before Keras touches a file in its cache, `keras_cache` checks it itself, because Keras 3
deletes a cached file whose checksum is not its own when it cannot download a new one. A
user's file is never deleted or overwritten: a damaged one is set aside while Keras downloads
its copy (and put back if it cannot), a readable one with another checksum (a copy from a
mirror) is refused unless USE_CACHED_DATA_AS_IS=1 says to use it as it is.
"""
import io
import json
import os
import pickle
import sys
import zipfile
from contextlib import contextmanager, redirect_stdout

import numpy as np

from common import keras_reliance
from common.errors import ScriptError
from common.text import INDEX_FROM, OOV, START, Vocabulary

AS_IS_SWITCH = "USE_CACHED_DATA_AS_IS"  # =1 (or true, yes): use a readable cached file whatever its checksum
OFFLINE_WAY_IN = f"README: 'No network?' ({AS_IS_SWITCH}=1 uses a copy from elsewhere)"
FULL_SIZES = {"reuters": 11_228, "imdb": 50_000, "nsmc": 200_000}  # examples in the published datasets
BROKEN_FILE_ERRORS = (zipfile.BadZipFile, EOFError, pickle.UnpicklingError, KeyError, OSError, ValueError)


def unreadable(path):
    """Why a cached file cannot be read as what its name says (.npz archive, JSON), or None."""
    try:
        if path.suffix == ".npz":
            with zipfile.ZipFile(path) as archive:
                broken_member = archive.testzip()
            if broken_member:
                return f"{broken_member} in it fails its CRC check"
        elif path.suffix == ".json":
            json.loads(path.read_bytes())
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as error:
        return f"{type(error).__name__}: {error}"
    return None


def load(dataset, **arguments):
    """keras.datasets.<dataset>.load_data(**arguments) through the guard below; a cached copy
    that USE_CACHED_DATA_AS_IS accepts is read by AS_IS_LOADERS (below) instead."""
    import keras

    with keras_cache(f"{dataset}.npz") as as_is:
        if as_is:
            return AS_IS_LOADERS[dataset](as_is, **arguments)
        return getattr(keras.datasets, dataset).load_data(**arguments)


# keras.datasets.reuters and imdb refuse a copy with another checksum, so a copy used as it is
# (USE_CACHED_DATA_AS_IS) is read here as they read theirs with the scripts' arguments: shuffled
# by RandomState(keras_reliance.SHUFFLE_SEED), start mark 1, ids + 3, and ids from num_words on
# as 2 (common/text's START, INDEX_FROM and OOV: the conventions Keras's datasets set).
# tests/test_keras_reliance.py checks that Keras's own loaders give the same arrays.

def encoded(sequences, num_words):
    return [[START] + [w + INDEX_FROM if w + INDEX_FROM < num_words else OOV for w in x] for x in sequences]


def shuffled(rng, xs, labels):
    indices = np.arange(len(xs))
    rng.shuffle(indices)
    return xs[indices], labels[indices]


def reuters_as_is(path, num_words, test_split=0.2):  # Keras's default split
    with np.load(path, allow_pickle=True) as archive:  # the user's own file, placed in the cache by hand
        xs, labels = shuffled(np.random.RandomState(keras_reliance.SHUFFLE_SEED), archive["x"], archive["y"])
    xs, cut = encoded(xs, num_words), int(len(xs) * (1 - test_split))
    return ((np.array(xs[:cut], dtype="object"), np.array(labels[:cut])),
            (np.array(xs[cut:], dtype="object"), np.array(labels[cut:])))


def imdb_as_is(path, num_words):
    rng = np.random.RandomState(keras_reliance.SHUFFLE_SEED)  # one generator for both parts, as Keras has it
    with np.load(path, allow_pickle=True) as archive:
        parts = [shuffled(rng, archive[f"x_{part}"], archive[f"y_{part}"]) for part in ("train", "test")]
    return tuple((np.array(encoded(xs, num_words), dtype="object"), labels) for xs, labels in parts)


AS_IS_LOADERS = {"reuters": reuters_as_is, "imdb": imdb_as_is}


@contextmanager
def keras_cache(filename):
    """Around a keras.datasets call that reads `filename` from the Keras cache: check the cached
    file first (see above); no network, or a file Keras cannot read, becomes one line. Yields the
    cached file's path if it is to be read as it is, without Keras (USE_CACHED_DATA_AS_IS), else None."""
    cached, url = keras_reliance.cache_dir() / filename, keras_reliance.DATASETS_URL + filename
    read_only = not cached.exists() and keras_reliance.read_only_copy(filename)
    if read_only:  # Keras would look elsewhere: the user's copy is read here, as Keras reads it
        cached = read_only
    folder, damage, set_aside, as_is = cached.parent, None, None, None
    if cached.exists():
        damage = unreadable(cached)
        if damage:  # Keras downloads over it, or deletes it when it cannot: keep it aside meanwhile
            set_aside = cached.with_name(cached.name + ".damaged")
            try:
                os.replace(cached, set_aside)
            except OSError as error:
                raise ScriptError(f"{filename} in {folder} is damaged ({damage}), and it cannot be set aside for a new "
                                  f"copy ({error.strerror or error}); place a good copy there") from None
        elif read_only and keras_reliance.has_checksum(cached, keras_reliance.CHECKSUMS[filename]):
            as_is = cached
        elif not keras_reliance.has_checksum(cached, keras_reliance.CHECKSUMS[filename]):
            if not use_cached_as_is():
                raise ScriptError(
                    f"{filename} in {folder} is kept: it is readable but its checksum is not Keras's (a copy "
                    f"from another source?); delete it to download Keras's copy, or use it as it is with "
                    f"{AS_IS_SWITCH}=1")
            as_is = cached
    try:
        with download_line_held_back():
            yield as_is
    except Exception as error:  # Keras raises a bare Exception when the download fails
        if keras_reliance.DOWNLOAD_FAILED in str(error) and damage:
            raise ScriptError(f"{filename} in {folder} is damaged ({damage}) and Keras's copy could not be "
                              f"downloaded from {url} (no network?); place a good copy there") from None
        if keras_reliance.DOWNLOAD_FAILED in str(error):
            raise ScriptError(f"{filename} is not in the Keras cache and could not be downloaded from {url} "
                              f"(no network?); place a copy in {folder} (the folder follows $KERAS_HOME); {OFFLINE_WAY_IN}") from None
        if isinstance(error, BROKEN_FILE_ERRORS):
            raise ScriptError(f"{filename} in {folder} is damaged ({type(error).__name__}: {error}); delete it "
                              "so that Keras downloads it again, or place a good copy there") from None
        raise
    finally:
        if set_aside and not cached.exists():
            os.replace(set_aside, cached)  # no download came: the user's file goes back, byte for byte
    if set_aside:
        print(f"note: {filename} in {folder} was damaged ({damage}); Keras downloaded its own copy, "
              f"and the damaged file is kept as {set_aside.name}")


def use_cached_as_is():
    return os.environ.get(AS_IS_SWITCH, "").strip().lower() in ("1", "true", "yes")


class DownloadLineHeldBack(io.TextIOBase):
    """Standard output, less Keras's "Downloading data from ..." line until the download shows
    progress: offline, the one-line error comes alone, not after a download that never began."""

    def __init__(self, stream):
        super().__init__()
        self.stream, self.held = stream, ""

    def write(self, text):
        if not self.held and text.startswith(keras_reliance.DOWNLOAD_LINE):
            self.held = text
            return len(text)
        self.release()
        return self.stream.write(text)

    def release(self):
        if self.held:
            self.stream.write(self.held)
            self.held = ""

    def flush(self):
        self.stream.flush()

    def isatty(self):  # Keras's progress bar asks
        return self.stream.isatty()


@contextmanager
def download_line_held_back():
    stream = DownloadLineHeldBack(sys.stdout)
    with redirect_stdout(stream):
        yield
    stream.release()  # a download that began and ended; a failed one never says it began


def sizes(dataset, train, test, synthetic):
    """For metrics.json: how many training and test examples a run had, and whether that is
    much less than the published dataset (a cut-down copy), which gets a one-line note."""
    full = FULL_SIZES[dataset]
    cut_down = not synthetic and train + test < 0.9 * full
    if cut_down:
        print(f"note: this copy of {dataset} holds {train + test:,} examples ({train:,} training, {test:,} test), "
              f"the published one {full:,}: results will not be comparable with the book's", file=sys.stderr)
    return {"train_size": train, "test_size": test, "cut_down_data": cut_down}


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

    with keras_cache(f"{dataset}_word_index.json") as as_is:
        word_index = json.loads(as_is.read_text(encoding="utf-8")) if as_is else getattr(keras.datasets, dataset).get_word_index()
        return Vocabulary(word_index, num_words)


def vocabulary_or_note(dataset, num_words, synthetic=False):
    """vocabulary(...), or None with a one-line note when the word index cannot be had (offline)."""
    try:
        return vocabulary(dataset, num_words, synthetic)
    except ScriptError as error:
        print(f"note: no word index, so no examples in words and no vocabulary saved for --predict ({error})",
              file=sys.stderr)
        return None
