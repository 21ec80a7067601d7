"""Words <-> word ids, exactly as Keras's IMDB and Reuters datasets were encoded.

Both datasets index words by frequency (1 = most frequent) and shift every id by
`INDEX_FROM` = 3 to make room for 0 = padding, 1 = start mark, 2 = out-of-vocabulary.
Their text was lower-cased and split after removing the characters in `FILTERS`
(the old `keras.preprocessing.text.text_to_word_sequence`); the apostrophe was kept,
so "don't" and "it's" are words of the index. A corpus of raw text (NSMC) gets a vocabulary
of the same kind, counted from its training set and split by its own tokenizer.
"""
import sys
from collections import Counter
from pathlib import Path

from common.errors import ScriptError

START, OOV, INDEX_FROM = 1, 2, 3  # and 0: padding
FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'
UNKNOWN_MARK = "?"  # how decode shows an out-of-vocabulary id
_TO_SPACES = str.maketrans(FILTERS, " " * len(FILTERS))


def read_utf8(path, flag):
    """The text of the file at `path` (`-`: standard input); a one-line ScriptError, naming the
    flag, for a file that cannot be read, is binary, or is not UTF-8."""
    path = Path(path)
    try:
        raw = sys.stdin.buffer.read() if str(path) == "-" else path.read_bytes()
    except OSError as error:
        raise ScriptError(f"{flag}: cannot read {path}: {error.strerror or error}") from None
    if b"\0" in raw:
        raise ScriptError(f"{flag}: {path} is a binary file, not text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ScriptError(f"{flag}: {path} is not UTF-8 text") from None


def words_of(text):
    return text.lower().translate(_TO_SPACES).split()


class Vocabulary:
    """A dataset's word index (word -> rank, 1 = most frequent), cut to its `num_words` most
    frequent ids; `split` turns a text into its words."""

    def __init__(self, word_index, num_words, split=words_of):
        self.num_words, self.split = num_words, split
        self.ids = {word: index + INDEX_FROM for word, index in word_index.items()}
        self.words = {index: word for word, index in self.ids.items()}

    @classmethod
    def counted(cls, texts_as_words, num_words, split):
        """The vocabulary of a corpus already split into words: ranked by frequency, ties in
        order of first appearance (as Counter.most_common keeps them), only the ranks whose id
        (rank + INDEX_FROM, from 4: Keras's id 3 is never a word) is below num_words (None: every
        word of the corpus)."""
        counts = Counter(word for words in texts_as_words for word in words)
        num_words = len(counts) + INDEX_FROM + 1 if num_words is None else num_words
        return cls.ranked([word for word, _ in counts.most_common(max(num_words - INDEX_FROM - 1, 0))], split, num_words)

    @classmethod
    def ranked(cls, words, split=words_of, num_words=None):
        """The vocabulary whose ranked_words() these are: words[i] gets id i + 1 + INDEX_FROM (None:
        a rank no word holds); num_words: every id they fill, unless given."""
        num_words = len(words) + INDEX_FROM + 1 if num_words is None else num_words
        return cls({word: rank for rank, word in enumerate(words, start=1) if word is not None}, num_words, split)

    def ranked_words(self):
        """Every id below num_words from 4 on, most frequent first, as its word (None for an id
        no word has): Vocabulary(dict of word -> position from 1) rebuilds the same ids."""
        return [self.words.get(i) for i in range(INDEX_FROM + 1, self.num_words)]

    def encode(self, text):
        """Text -> ids as the dataset has them: start mark, then one id per word."""
        return self.encode_words(self.split(text))

    def encode_words(self, words):
        ids = (self.ids.get(word, OOV) for word in words)
        return [START] + [i if i < self.num_words else OOV for i in ids]

    def decode(self, ids):
        """Ids -> text; padding and the start mark are dropped, unknown ids shown as '?'."""
        words = (self.words.get(i, UNKNOWN_MARK) if i != OOV else UNKNOWN_MARK for i in ids if i > START)
        return " ".join(words)

    def knows_any(self, ids):
        """Whether an encoded text holds any word of the vocabulary (else a model can only guess)."""
        return any(i >= INDEX_FROM for i in ids)
