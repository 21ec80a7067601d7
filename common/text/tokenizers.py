"""How text becomes tokens: Kiwi's morphemes or the words between spaces for Korean reviews,
and Keras's own word split for IMDB and Reuters (common/text/__init__.py: words_of).

Korean glues particles and endings to their stems ("재미있어요" is 재미있 + 어요), so the
words between spaces are many and rare; a morphological analyser splits them into morphemes.
Kiwi (kiwipiepy) does it in C++ with no Java VM, unlike KoNLPy's Okt. Nothing here is imported
until a tokenizer is asked for: --help never pays for loading Kiwi's model.
"""
import re

from common.errors import ScriptError
from common.text import words_of

NAMES = ("morphemes", "spaces")  # what nsmc_cnn_lstm.py --tokenizer offers


class Spaces:
    """The words between whitespace, as they stand (the baseline a morpheme analyser must beat)."""

    name, version = "spaces", "str.split"

    def split(self, text):
        return text.split()

    def split_many(self, texts):
        return (text.split() for text in texts)


class Morphemes:
    """Kiwi's morphemes, their surface forms: "이 영화 정말 재미있어요" -> 이, 영화, 정말, 재미있, 어요."""

    name = "morphemes"

    def __init__(self):
        try:
            import kiwipiepy
            import kiwipiepy_model
        except ImportError:
            raise ScriptError("the morpheme tokenizer needs kiwipiepy: pip install -r requirements.txt "
                              "(or --tokenizer spaces)") from None
        self.kiwi = kiwipiepy.Kiwi(num_workers=-1)  # -1: a thread per core when given many texts
        self.version = f"kiwipiepy {kiwipiepy.__version__}, model {kiwipiepy_model.__version__}"

    def split(self, text):
        return [token.form for token in self.kiwi.tokenize(text)]

    def split_many(self, texts):
        """The same tokens as split() gives one text at a time, computed in parallel, in order."""
        return ([token.form for token in tokens] for tokens in self.kiwi.tokenize(texts))


class KerasWords(Spaces):
    """The words of Keras's IMDB and Reuters datasets: lower case, punctuation removed, split at spaces."""

    name, version = "keras-words", "text_to_word_sequence"

    def split(self, text):
        return words_of(text)

    def split_many(self, texts):
        return (words_of(text) for text in texts)


class EnglishWords(Spaces):
    """The translator's English: lower case, words (an apostrophe kept inside one: "don't") and each
    punctuation mark a token of its own, since "?" and "." ask for different Korean endings."""

    name, version = "english-words", "regex [\\w']+|[^\\w\\s]"
    pattern = re.compile(r"[\w']+|[^\w\s]")

    def split(self, text):
        return self.pattern.findall(text.lower())

    def split_many(self, texts):
        return (self.split(text) for text in texts)


class Syllables(Spaces):
    """The translator's Korean: one token per character, each Hangul syllable block, space and
    mark, so that the tokens joined again are the text (translate_en_ko.py says why: a small
    vocabulary, nearly every test syllable seen in training)."""

    name, version = "syllables", "characters"

    def split(self, text):
        return list(" ".join(text.split()))

    def split_many(self, texts):
        return (self.split(text) for text in texts)

    @staticmethod
    def join(tokens):
        return "".join(tokens)


TOKENIZERS = {tokenizer.name: tokenizer for tokenizer in (Morphemes, Spaces, KerasWords, EnglishWords, Syllables)}


def tokenizer(name):
    return TOKENIZERS[name]()
