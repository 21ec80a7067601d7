"""The Naver sentiment movie corpus (NSMC v1.0, github.com/e9t/nsmc, CC0): Korean reviews.

ratings_train.txt (150,000 reviews) and ratings_test.txt (50,000) are tab-separated: a header
line `id document label`, then one review per line, label 1 (ratings 9-10) or 0 (ratings 1-4),
each review under 140 characters. They are downloaded once through keras.utils.get_file into
the Keras cache, datasets/nsmc/. A review whose text is empty (the published files hold a few)
stays in, as the corpus counts it: a review with no words, which the model can only guess.

Tokenizing 200,000 reviews into morphemes takes a minute or two, so the tokens are cached in
datasets/nsmc/tokenized/, under a name made from what they depend on: both files' contents,
the tokenizer and its version. Any change there makes a new cache; the old one is left alone.
"""
import hashlib
import json
import os
import sys

import numpy as np

from common import files, keras_reliance
from common.errors import ScriptError
from common.text import datasets

URL = "https://raw.githubusercontent.com/e9t/nsmc/master/"
FILES = ("ratings_train.txt", "ratings_test.txt")
HEADER = "id\tdocument\tlabel"
SUBFOLDER = "nsmc"


def folder():
    return keras_reliance.cache_dir() / SUBFOLDER


def download(filename):
    """The path of `filename` in the Keras cache, downloaded first if it is not there."""
    import keras

    placed = keras_reliance.read_only_copy(os.path.join(SUBFOLDER, filename))
    if placed:  # the user's copy in a read-only cache, where Keras would not look
        return str(placed)

    try:
        with datasets.download_line_held_back():
            return keras.utils.get_file(filename, URL + filename, cache_subdir=os.path.join("datasets", SUBFOLDER))
    except Exception as error:  # Keras raises a bare Exception when the download fails
        if keras_reliance.DOWNLOAD_FAILED in str(error):
            raise ScriptError(f"{filename} is not in {folder()} and could not be downloaded from {URL + filename} "
                              f"(no network?); place a copy there (the folder follows $KERAS_HOME); {datasets.OFFLINE_WAY_IN}") from None
        raise


def read_reviews(path, raw):
    """(texts, labels) of one NSMC file's bytes; ScriptError naming the line if the layout is not NSMC's."""
    where = f"{os.path.basename(path)} in {os.path.dirname(path)}"
    try:
        lines = raw.decode("utf-8-sig").split("\n")
    except UnicodeDecodeError:
        raise ScriptError(f"{where} is not UTF-8 text; delete it so that it is downloaded again") from None
    if lines[0].rstrip("\r") != HEADER:
        raise ScriptError(f"{where} does not start with NSMC's header line 'id<TAB>document<TAB>label'; "
                          "delete it so that it is downloaded again")
    texts, labels = [], []
    for number, line in enumerate(lines[1:], start=2):
        line = line.rstrip("\r")
        if not line:
            continue
        fields = line.split("\t")
        if len(fields) != 3 or fields[2] not in ("0", "1"):
            raise ScriptError(f"{where}, line {number}: expected 'id<TAB>review<TAB>0 or 1', got {line[:60]!r}; "
                              "the file is damaged or not NSMC's (delete it so that it is downloaded again)")
        texts.append(fields[1])
        labels.append(int(fields[2]))
    if not texts:
        raise ScriptError(f"{where} holds no reviews; delete it so that it is downloaded again")
    return texts, np.array(labels)


def tokenized(tokenizer, sources, texts):
    """The texts of both files as token lists, from the cache if it holds them, else split now
    (with a progress bar) and cached."""
    key = hashlib.sha256("\0".join([tokenizer.name, tokenizer.version, *sources]).encode()).hexdigest()[:16]
    cache = folder() / "tokenized" / f"{tokenizer.name}-{key}.json"
    try:
        return json.loads(cache.read_text(encoding="utf-8"))["tokens"]
    except (OSError, ValueError, KeyError):  # none yet, or damaged: made again
        pass
    tokens = [list(split_with_progress(tokenizer, part, f"Tokenizing {name} ({tokenizer.name})"))
              for name, part in zip(FILES, texts)]
    record = {"tokenizer": tokenizer.name, "version": tokenizer.version, "sources": sources, "tokens": tokens}
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        files.write_text(cache, json.dumps(record, ensure_ascii=False))
        print(f"Tokens cached in {cache}: the next run starts at once")
    except OSError as error:  # a read-only cache: this run goes on with the tokens in hand
        print(f"note: the tokens could not be cached in {cache.parent} ({error.strerror or error}); "
              "the next run splits the reviews again")
    return tokens


def split_with_progress(tokenizer, texts, title, chunk=5000):
    """A progress bar on a terminal; in a log file (Keras's bar would write its control
    characters there) the title and one line at the end."""
    import keras

    print(title, flush=True)
    bar = keras.utils.Progbar(len(texts), unit_name="review") if sys.stdout.isatty() else None
    for start in range(0, len(texts), chunk):
        yield from tokenizer.split_many(texts[start:start + chunk])
        if bar:
            bar.update(min(start + chunk, len(texts)))
    if not bar:
        print(f"{len(texts)} reviews split", flush=True)


def load_data(tokenizer):
    """((train tokens, labels), (test tokens, labels)): both files, downloaded if needed, split by `tokenizer`."""
    texts, labels, sources = [], [], []
    for filename in FILES:
        path = download(filename)
        with open(path, "rb") as file:
            raw = file.read()
        file_texts, file_labels = read_reviews(path, raw)
        texts.append(file_texts)
        labels.append(file_labels)
        sources.append(hashlib.sha256(raw).hexdigest())
    empty = sum(not text.strip() for part in texts for text in part)
    if empty:
        print(f"note: {empty} review(s) have no text; they stay in, as the corpus counts them")
    train_tokens, test_tokens = tokenized(tokenizer, sources, texts)
    return (train_tokens, labels[0]), (test_tokens, labels[1])


SYNTHETIC_WORDS = {1: ["최고", "감동", "재미있어요", "추천합니다"], 0: ["최악", "지루해요", "별로", "실망했다"]}


def synthetic_reviews(size, seed):
    """Korean-looking reviews for --dry-run: random syllables, and a word that gives the label away."""
    rng = np.random.default_rng(seed)
    syllables = [chr(code) for code in rng.integers(0xAC00, 0xD7A4, 60)]  # the Hangul syllable block
    labels = rng.integers(0, 2, size)
    texts = []
    for label in labels:
        words = ["".join(rng.choice(syllables, rng.integers(1, 4))) for _ in range(rng.integers(3, 12))]
        words.insert(int(rng.integers(0, len(words))), str(rng.choice(SYNTHETIC_WORDS[int(label)])))
        texts.append(" ".join(words))
    return texts, labels


def synthetic_data(tokenizer):
    """load_data's shape, from synthetic_reviews, through the same tokenizer (nothing cached)."""
    return tuple((list(tokenizer.split_many(texts)), labels)
                 for texts, labels in (synthetic_reviews(300, seed=0), synthetic_reviews(100, seed=1)))
