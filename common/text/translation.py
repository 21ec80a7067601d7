"""Tatoeba's English-Korean sentence pairs, as www.manythings.org/anki packs them: kor-eng.zip
holding kor.txt, one pair a line, tab-separated: English, Korean, attribution (CC-BY 2.0 France;
"www.manythings.org/anki and tatoeba.org").

Where the pairs come from, first found first:
  1. kor.txt placed by hand in the Keras cache's datasets/kor-eng/: used if it is the release the
     README measured (sha256 RELEASE_SHA256), or any copy with USE_CACHED_DATA_AS_IS=1;
  2. kor-eng.zip already there (an earlier download): its kor.txt, read without unpacking;
  3. kor-eng.zip downloaded through keras.utils.get_file from manythings.org, which refuses
     clients that do not say they are a browser (so the request says so), else the pinned copy
     of the README's release (FALLBACK_URL), whose kor.txt must have RELEASE_SHA256.
manythings.org may serve a newer release than the README's: it is used, with a note.

Tatoeba repeats English sentences with several translations; the split (split_by_english) puts
all of a sentence's pairs on one side, so no test sentence was ever seen in training.
"""
import hashlib
import os
import sys
import urllib.request
import zipfile
from contextlib import contextmanager

import numpy as np

from common import keras_reliance
from common.errors import ScriptError
from common.text import datasets

URL = "https://www.manythings.org/anki/kor-eng.zip"
# The README's release (2023-02-20) as the Internet Archive keeps it; checked by its kor.txt.
FALLBACK_URL = "https://web.archive.org/web/20230401000000id_/https://www.manythings.org/anki/kor-eng.zip"
RELEASE_SHA256 = "6c9d8de3e500306997e4083274fb0038ef521651ffb2b7923e4e607a59d09dbc"  # kor.txt, 5,749 pairs
SUBFOLDER, ARCHIVE, FILENAME = "kor-eng", "kor-eng.zip", "kor.txt"
FALLBACK_ARCHIVE = "kor-eng-2023-02-20.zip"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
SPLIT_SEED = 20230220  # the split never moves with --seed: every seed is scored on the same test sentences


def folder():
    return keras_reliance.cache_dir() / SUBFOLDER


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def kor_txt():
    """(kor.txt's bytes, where they came from), found or downloaded as the module's docstring says."""
    placed = keras_reliance.read_only_copy(f"{SUBFOLDER}/{FILENAME}") or folder() / FILENAME
    if placed.is_file():
        data = placed.read_bytes()
        if sha256(data) != RELEASE_SHA256 and not datasets.use_cached_as_is():
            raise ScriptError(f"{FILENAME} in {placed.parent} is kept: it is readable but not the release the README "
                              f"measured (its sha256 is not {RELEASE_SHA256[:12]}...); delete it to download "
                              f"{ARCHIVE}, or use it as it is with {datasets.AS_IS_SWITCH}=1")
        return data, str(placed)
    for archive, url in ((ARCHIVE, URL), (FALLBACK_ARCHIVE, FALLBACK_URL)):
        cached = folder() / archive
        if not cached.is_file():
            try:
                download(archive, url)
            except DownloadFailed:
                continue
        data = from_archive(cached)
        if sha256(data) != RELEASE_SHA256:
            if archive == FALLBACK_ARCHIVE:
                cached.unlink()
                raise ScriptError(f"{FALLBACK_URL} did not give the README's release of {FILENAME} (sha256 "
                                  f"{RELEASE_SHA256[:12]}...); place {FILENAME} in {folder()} by hand")
            print(f"note: {ARCHIVE} holds another release of {FILENAME} than the README's (2023-02-20): results "
                  "will differ a little from its table", file=sys.stderr)
        return data, str(cached)
    raise ScriptError(f"{FILENAME} is not in {folder()} and {ARCHIVE} could not be downloaded from {URL} or "
                      f"{FALLBACK_URL} (no network?); place {FILENAME} from {ARCHIVE} (www.manythings.org/anki) in "
                      f"{folder()} (the folder follows $KERAS_HOME); {datasets.OFFLINE_WAY_IN}")


class DownloadFailed(Exception):
    pass


@contextmanager
def as_a_browser():
    """urllib's requests (keras.utils.get_file's among them) say they come from a browser, for as
    long as the block runs: manythings.org answers 403 Forbidden to Python's own User-Agent."""
    opener = urllib.request.build_opener()
    opener.addheaders = [("User-Agent", BROWSER)]
    urllib.request.install_opener(opener)
    try:
        yield
    finally:
        urllib.request.install_opener(None)  # urlopen builds its default opener again


def download(archive, url):
    """keras.utils.get_file(archive, url) into folder(); DownloadFailed if it could not be had."""
    import keras

    try:
        with datasets.download_line_held_back(), as_a_browser():
            keras.utils.get_file(archive, url, cache_dir=str(folder().parent.parent),  # where kor_txt looks for it
                                 cache_subdir=os.path.join(folder().parent.name, SUBFOLDER))
    except Exception as error:  # Keras raises a bare Exception when the download fails
        if keras_reliance.DOWNLOAD_FAILED in str(error):
            raise DownloadFailed(str(error)) from None
        raise


def from_archive(path):
    """kor.txt's bytes inside the zip at `path`; ScriptError if it is damaged or holds none."""
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.read(FILENAME)
    except (zipfile.BadZipFile, KeyError, OSError) as error:
        raise ScriptError(f"{path.name} in {path.parent} is damaged or holds no {FILENAME} "
                          f"({type(error).__name__}: {error}); delete it so that it is downloaded again") from None


def read_pairs(data, where):
    """[(English, Korean)] of kor.txt's bytes; ScriptError naming the line if the layout is not its own."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ScriptError(f"{where} is not UTF-8 text; delete it so that it is downloaded again") from None
    pairs = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) < 2 or not fields[0].strip() or not fields[1].strip():
            raise ScriptError(f"{where}, line {number}: expected 'English<TAB>Korean<TAB>attribution', got "
                              f"{line[:60]!r}; the file is damaged or not manythings.org's")
        pairs.append((fields[0].strip(), fields[1].strip()))
    if not pairs:
        raise ScriptError(f"{where} holds no sentence pairs")
    return pairs


def load_pairs():
    """Every (English, Korean) pair of kor.txt, found or downloaded (see above)."""
    data, where = kor_txt()
    return read_pairs(data, where)


def split_by_english(pairs, validation_fraction, test_fraction, seed=SPLIT_SEED):
    """(train, validation, test) lists of pairs: the distinct English sentences shuffled by `seed`
    and cut by the fractions, each taking all its sentences' pairs."""
    sentences = sorted({english for english, _ in pairs})
    order = np.random.default_rng(seed).permutation(len(sentences))
    test_count = round(len(sentences) * test_fraction)
    validation_count = round(len(sentences) * validation_fraction)
    side = {}
    for rank, index in enumerate(order):
        side[sentences[index]] = 2 if rank < test_count else 1 if rank < test_count + validation_count else 0
    parts = ([], [], [])
    for pair in pairs:
        parts[side[pair[0]]].append(pair)
    return parts


# The dry run's stand-in: a small grammar whose English and Korean say the same thing, Korean
# in its own word order (subject, object, verb), so that there is something to learn and align.
SUBJECTS = {"I": "나는", "you": "너는", "he": "그는", "she": "그녀는"}
ADJECTIVES = {"big": "큰", "small": "작은", "red": "빨간"}
OBJECTS = {"apple": "사과를", "book": "책을", "cat": "고양이를", "letter": "편지를"}
VERBS = {"see": "본다", "want": "원한다", "like": "좋아한다"}


def synthetic_pairs():
    """English and Korean sentences of SUBJECTS x VERBS x ADJECTIVES x OBJECTS (144 pairs)."""
    return [(f"{subject} {verb}{'s' if subject in ('he', 'she') else ''} a {adjective} {thing}.",
             f"{korean_subject} {ADJECTIVES[adjective]} {OBJECTS[thing]} {VERBS[verb]}.")
            for subject, korean_subject in SUBJECTS.items() for verb in VERBS
            for adjective in ADJECTIVES for thing in OBJECTS]
