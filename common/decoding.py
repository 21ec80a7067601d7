"""Writing a sequence token by token with a trained decoder: greedy, and beam search.

Both take a step function, the model seen from outside:

    step(tokens, state) -> (log_probabilities, state, attention)

tokens: (rows,) the last token of each row; state: a tuple of arrays whose first axis is the
rows (the decoder's h and c, and whatever stays fixed, such as the encoder's outputs);
log_probabilities: (rows, vocabulary) for the next token; attention: (rows, source length), the
weights the step gave the source, or None for a model without attention. Rows are sentences
(greedy) or a sentence's beams (beam search), so that one call of the model serves them all.

A hypothesis's score is the sum of its tokens' log-probabilities, the end token's included,
with no length penalty: the probability the model gives the whole sentence. Scores only fall as
a hypothesis grows, so a sentence's search ends once its best finished hypothesis scores at
least as high as its best live one: nothing longer could beat it. Beam search with width 1 is
greedy decoding (tests/test_translate.py).
"""
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Hypothesis:
    tokens: list  # the tokens written, the end token not among them
    score: float  # the sum of the log-probabilities of the tokens and of the end token (or the last, if cut)
    attention: list = field(default_factory=list)  # one row of source weights per token written (and the end)
    finished: bool = True  # False: cut at the length limit before an end token


def greedy(step, state, start, end, max_length):
    """For each row of state, the sentence written by taking the likeliest token at each step,
    until the end token; one still writing after max_length tokens is cut there."""
    rows = len(state[0])
    tokens = np.full(rows, start)
    found = [Hypothesis([], 0.0, finished=False) for _ in range(rows)]
    live = np.arange(rows)  # the rows still writing
    for length in range(max_length + 1):  # `length` tokens written; the last step can only end
        log_probabilities, state, attention = step(tokens, state)
        chosen = log_probabilities.argmax(axis=1)
        for row, sentence in enumerate(live):
            hypothesis = found[sentence]
            if chosen[row] != end and length == max_length:
                continue  # cut: the token it would write next is past the limit
            hypothesis.score += float(log_probabilities[row, chosen[row]])
            if attention is not None:
                hypothesis.attention.append(attention[row])
            if chosen[row] == end:
                hypothesis.finished = True
            else:
                hypothesis.tokens.append(int(chosen[row]))
        going = np.array([not found[sentence].finished for sentence in live], dtype=bool)
        if length == max_length or not going.any():
            break
        live, tokens = live[going], chosen[going]
        state = tuple(part[going] for part in state)
    return found


def beam_search(step, state, start, end, max_length, width):
    """For each row of state, the highest-scoring sentence found while keeping the `width` best
    hypotheses at each step: a finished one if any, else the best one cut at max_length tokens.
    An end token finishes a hypothesis when it is among the `width` best candidates, as greedy
    takes it when it is the best: width 1 is greedy."""
    sentences = len(state[0])
    state = tuple(np.repeat(part, width, axis=0) for part in state)  # row = sentence * width + beam
    beams = [[Hypothesis([], 0.0 if beam == 0 else -np.inf, finished=False) for beam in range(width)]
             for _ in range(sentences)]  # at first one live beam a sentence; the others wait at -inf
    best = [None] * sentences  # each sentence's best finished hypothesis so far
    tokens = np.full(sentences * width, start)
    for length in range(max_length + 1):  # `length` tokens written; the last step can only end
        log_probabilities, state, attention = step(tokens, state)
        vocabulary = log_probabilities.shape[1]
        scores = np.array([[hypothesis.score for hypothesis in sentence] if sentence else [-np.inf] * width
                           for sentence in beams])  # (sentences, width)
        totals = (scores[:, :, None] + log_probabilities.reshape(sentences, width, vocabulary)).reshape(sentences, -1)
        parents = np.arange(sentences * width)
        for sentence in range(sentences):
            if beams[sentence] is None:  # done: its rows run on, unread
                continue
            kept = []  # (hypothesis, the row it grew from)
            for rank, candidate in enumerate(np.argsort(-totals[sentence], kind="stable")[:2 * width]):
                total = float(totals[sentence, candidate])
                if total == -np.inf:
                    break
                beam, token = divmod(int(candidate), vocabulary)
                parent, row = beams[sentence][beam], sentence * width + beam
                if token == end and rank < width:
                    ended = Hypothesis(parent.tokens, total, parent.attention + _row(attention, row))
                    if best[sentence] is None or ended.score > best[sentence].score:
                        best[sentence] = ended
                elif token != end and length < max_length and len(kept) < width:
                    kept.append((Hypothesis(parent.tokens + [token], total, parent.attention + _row(attention, row),
                                            finished=False), row))
            if length == max_length and best[sentence] is None:  # nothing ended: the best live one, cut
                best[sentence] = max(beams[sentence], key=lambda hypothesis: hypothesis.score)
            best_live = max((hypothesis.score for hypothesis, _ in kept), default=-np.inf)
            if not kept or (best[sentence] is not None and best[sentence].score >= best_live):
                beams[sentence] = None  # nothing live can beat what has ended: scores only fall
                continue
            kept += [(Hypothesis([], -np.inf, finished=False), sentence * width)] * (width - len(kept))
            beams[sentence] = [hypothesis for hypothesis, _ in kept]
            for beam, (hypothesis, row) in enumerate(kept):
                parents[sentence * width + beam] = row
                tokens[sentence * width + beam] = hypothesis.tokens[-1] if hypothesis.tokens else start
        if all(sentence is None for sentence in beams):
            break
        state = tuple(part[parents] for part in state)
    return best


def _row(attention, row):
    return [] if attention is None else [attention[row]]


def forced_score(step, state, start, tokens, end):
    """The score the model gives one row's `tokens` followed by the end token: what greedy and
    beam search add up, computed on its own (tests compare them)."""
    total, previous = 0.0, start
    for token in [*tokens, end]:
        log_probabilities, state, _ = step(np.array([previous]), state)
        total += float(log_probabilities[0, token])
        previous = token
    return total
