"""Encoding raw text the way Keras's IMDB and Reuters datasets were encoded, and back."""
import json

import pytest
from conftest import write_imdb, write_reuters

from common.text import Vocabulary, datasets, words_of

WORD_INDEX = {"the": 1, "film": 2, "it's": 3, "great": 4, "br": 5, "rare": 5000}


@pytest.fixture
def words():
    return Vocabulary(WORD_INDEX, num_words=5000)


def test_ids_follow_the_dataset_convention(words):
    # start mark 1, then each word's rank + 3; 0, 1, 2 are padding, start, unknown
    assert words.encode("the film it's great") == [1, 4, 5, 6, 7]


def test_case_and_punctuation_are_dropped_like_keras_did(words):
    assert words.encode("The FILM, the film!!! (great)") == words.encode("the film the film great")
    assert words_of("It's <br /><br />great--really.") == ["it's", "br", "br", "great", "really"]


def test_unknown_and_too_rare_words_become_id_2(words):
    assert words.encode("the zzyzx film") == [1, 4, 2, 5]
    assert words.encode("rare") == [1, 2]  # rank 5000 -> id 5003 >= NUM_WORDS


def test_empty_text_is_just_the_start_mark(words):
    assert words.encode("") == [1] and words.encode("  ...  ") == [1]


def test_a_very_long_text_keeps_its_end_after_padding_like_the_training_data(words):
    import keras

    ids = words.encode("the " * 500 + "great film")
    padded = keras.utils.pad_sequences([ids], maxlen=100)[0]
    assert len(ids) == 503 and list(padded[-2:]) == [7, 5]


def test_decode_drops_padding_and_start_and_marks_unknowns(words):
    assert words.decode([0, 0, 1, 4, 2, 5]) == "the ? film"


@pytest.mark.parametrize("dataset", ["imdb", "reuters"])
def test_decoding_then_encoding_a_test_sequence_gives_back_its_ids(offline_keras, dataset):
    (write_imdb if dataset == "imdb" else write_reuters)()
    num_words = 1000
    _, (x_test, _) = datasets.load(dataset, num_words=num_words)  # the stand-in's checksum is not Google's: read as it is
    word_index = json.loads((offline_keras / f"{dataset}_word_index.json").read_text())
    words = Vocabulary(word_index, num_words)
    for ids in x_test[:50]:
        known = [i for i in ids if i != 2]
        assert [i for i in words.encode(words.decode(ids)) if i != 2] == known


def test_a_counted_vocabulary_ranks_by_frequency_ties_by_first_appearance_and_cuts_at_num_words():
    corpus = [["b", "a", "a"], ["c", "b", "a"], ["d"]]  # a: 3, b: 2, then c and d once each
    words = Vocabulary.counted(corpus, num_words=6, split=str.split)
    assert words.ranked_words() == ["a", "b"]  # ids 3 + 1 and 3 + 2; c's would be 6, not below num_words
    assert words.encode("a b c d") == [1, 4, 5, 2, 2]
    assert words.encode_words(["c", "a"]) == [1, 2, 4]
