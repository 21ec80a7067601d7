"""Greedy decoding and beam search (common/decoding.py), on small models whose every sentence's
probability can be counted by hand: no Keras, milliseconds."""
import itertools

import numpy as np
import pytest

from common import decoding

START, END = 0, 1  # token 0 only ever starts; 1 ends


def markov_model(seed, vocabulary=5, length=6):
    """A step function whose next-token distribution depends on the previous token and on the
    position (kept in the state), drawn at random: a decoder of known probabilities."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 2, (length + 2, vocabulary, vocabulary))
    logits[..., START] = -np.inf  # never written
    table = logits - np.logaddexp.reduce(logits, axis=-1, keepdims=True)

    def step(tokens, state):
        (position,) = state
        return table[position[:, 0], tokens], (position + 1,), None

    return step


def first_state(rows=1):
    return (np.zeros((rows, 1), dtype=int),)


def every_sentence(step, vocabulary, max_length):
    """Every finished sentence up to max_length tokens, with its score, counted out."""
    words = [token for token in range(vocabulary) if token not in (START, END)]
    for length in range(max_length + 1):
        for tokens in itertools.product(words, repeat=length):
            yield list(tokens), decoding.forced_score(step, first_state(), START, list(tokens), END)


@pytest.mark.parametrize("seed", range(20))
def test_beam_width_one_is_greedy(seed):
    step = markov_model(seed)
    greedy = decoding.greedy(step, first_state(3), START, END, max_length=5)
    beam = decoding.beam_search(step, first_state(3), START, END, max_length=5, width=1)
    assert [(h.tokens, h.finished) for h in beam] == [(h.tokens, h.finished) for h in greedy]
    assert [h.score for h in beam] == pytest.approx([h.score for h in greedy])


@pytest.mark.parametrize("seed", range(20))
def test_a_hypothesis_scores_what_the_model_gives_its_tokens(seed):
    step = markov_model(seed)
    for found in (decoding.greedy(step, first_state(), START, END, 5)[0],
                  decoding.beam_search(step, first_state(), START, END, 5, width=3)[0]):
        if found.finished:
            assert found.score == pytest.approx(decoding.forced_score(step, first_state(), START, found.tokens, END))


@pytest.mark.parametrize("seed", range(30))
def test_beam_search_never_returns_less_than_a_finished_greedy_hypothesis_it_holds(seed):
    step = markov_model(seed)
    greedy = decoding.greedy(step, first_state(), START, END, max_length=5)[0]
    beam = decoding.beam_search(step, first_state(), START, END, max_length=5, width=4)[0]
    scores = dict((tuple(tokens), score) for tokens, score in every_sentence(step, 5, 5))
    assert beam.finished and beam.score == pytest.approx(scores[tuple(beam.tokens)])
    if greedy.finished:  # greedy's sentence is among the candidates beam search weighs at width >= 1
        assert beam.score >= greedy.score - 1e-12


@pytest.mark.parametrize("seed", range(10))
def test_a_wide_enough_beam_finds_the_likeliest_sentence(seed):
    step = markov_model(seed, vocabulary=4)
    likeliest = max(every_sentence(step, 4, 3), key=lambda found: found[1])
    beam = decoding.beam_search(step, first_state(), START, END, max_length=3, width=4 ** 3)[0]
    assert beam.tokens == likeliest[0] and beam.score == pytest.approx(likeliest[1])


def test_a_sentence_that_never_ends_is_cut_at_the_limit():
    def never_ends(tokens, state):
        log_probabilities = np.log(np.full((len(tokens), 4), 0.1))
        log_probabilities[:, 2], log_probabilities[:, END] = np.log(0.8), -np.inf
        return log_probabilities, state, None

    for found in (decoding.greedy(never_ends, first_state(2), START, END, 7),
                  decoding.beam_search(never_ends, first_state(2), START, END, 7, width=3)):
        assert [h.tokens for h in found] == [[2] * 7] * 2 and not any(h.finished for h in found)


def test_each_written_token_keeps_its_attention_row():
    def attends(tokens, state):
        (position,) = state
        log_probabilities = np.log(np.full((len(tokens), 3), 0.05))
        log_probabilities[:, 2] = np.log(0.9)
        log_probabilities[position[:, 0] >= 2, END] = np.log(0.9)  # ends after two tokens
        log_probabilities[position[:, 0] >= 2, 2] = np.log(0.05)
        return log_probabilities, (position + 1,), np.eye(4)[np.minimum(position[:, 0], 3)]

    for found in (decoding.greedy(attends, first_state(), START, END, 5)[0],
                  decoding.beam_search(attends, first_state(), START, END, 5, width=2)[0]):
        assert found.tokens == [2, 2] and found.finished
        assert np.array(found.attention).argmax(axis=1).tolist() == [0, 1, 2]  # each step's row, the end's too
