"""Words <-> word ids, exactly as Keras's IMDB and Reuters datasets were encoded.

Both datasets index words by frequency (1 = most frequent) and shift every id by
`INDEX_FROM` = 3 to make room for 0 = padding, 1 = start mark, 2 = out-of-vocabulary.
Their text was lower-cased and split after removing the characters in `FILTERS`
(the old `keras.preprocessing.text.text_to_word_sequence`); the apostrophe was kept,
so "don't" and "it's" are words of the index.
"""
PADDING, START, OOV, INDEX_FROM = 0, 1, 2, 3
FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'
UNKNOWN_MARK = "?"  # how decode shows an out-of-vocabulary id
_TO_SPACES = str.maketrans(FILTERS, " " * len(FILTERS))


def words_of(text):
    return text.lower().translate(_TO_SPACES).split()


class Vocabulary:
    """A dataset's word index, cut to its `num_words` most frequent ids."""

    def __init__(self, word_index, num_words):
        self.num_words = num_words
        self.ids = {word: index + INDEX_FROM for word, index in word_index.items()}
        self.words = {index: word for word, index in self.ids.items()}

    def encode(self, text):
        """Text -> ids as the dataset has them: start mark, then one id per word."""
        ids = (self.ids.get(word, OOV) for word in words_of(text))
        return [START] + [i if i < self.num_words else OOV for i in ids]

    def decode(self, ids):
        """Ids -> text; padding and the start mark are dropped, unknown ids shown as '?'."""
        words = (self.words.get(i, UNKNOWN_MARK) if i != OOV else UNKNOWN_MARK for i in ids if i > START)
        return " ".join(words)

    def knows_any(self, ids):
        """Whether an encoded text holds any word of the vocabulary (else a model can only guess)."""
        return any(i >= INDEX_FROM for i in ids)
