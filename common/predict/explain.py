"""Which words decided an answer: occlusion, for --predict --explain.

A word's part in the answer is the answer with the text as it is minus the answer with that
word taken out (the rest of the text read exactly as before, so a word cut off by MAXLEN may
slide into view). The answer is one number per script: the probability of "positive" (IMDB,
NSMC), or of the topic the whole text was given (Reuters). All the variants of all the texts go
through the model in one batched predict.

Occlusion says what the model does with a word in this text, nothing more: a word can matter
only with another beside it, and a word the model never saw (cut off by MAXLEN) or does not know
(outside its vocabulary) is shown as such.

A model with attention (imdb_attention.py) also shows the attention each word received, the
mean of its column of a[t, t'] over the text's words (common/predict/attention.py): where the
model looked, which is not the same as what decided the answer; the two side by side show it.
"""
import html
import sys
from dataclasses import dataclass

from common.text import OOV

STRONGEST = 5  # words listed under a text on a terminal


@dataclass
class Word:
    text: str  # as the tokenizer split the text
    known: bool  # in the model's vocabulary (else read as "unknown", id 2)
    seen: bool  # inside the last MAXLEN ids, the part the model reads
    change: float = 0.0  # the answer as it is minus the answer without this word (0 for an unseen word)
    attention: float = None  # a model with attention: the mean weight the text's words give this one (None: unseen)


@dataclass
class Explained:
    text: str
    answer: float  # the number the changes are changes of
    words: list
    padding: int = 0  # padding ids the model read before the text (a text shorter than MAXLEN)
    probabilities: object = None  # the model's whole answer for the text as it is


def variants(ids, maxlen):
    """The positions (in ids) of the words the model sees, and for each the ids without it. ids
    starts with the start mark; the model reads the last maxlen of them."""
    first_seen = max(1, len(ids) - maxlen)
    positions = list(range(first_seen, len(ids)))
    return positions, [ids[:position] + ids[position + 1:] for position in positions]


def explain(model, vocabulary, texts, maxlen, score):
    """[Explained] for each text; score(probabilities of one text, probabilities of the text as
    it is) -> the number the answer is about."""
    import keras

    from common import training

    encoded = [vocabulary.encode(text) for text in texts]
    batch, owners = [], []
    for ids in encoded:
        positions, without = variants(ids, maxlen)
        batch += [ids, *without]
        owners.append((len(batch) - len(without) - 1, positions))
    probabilities = model.predict(training.batches(keras.utils.pad_sequences(batch, maxlen=maxlen)), verbose=0)
    explained = []
    for text, ids, (row, positions) in zip(texts, encoded, owners):
        whole = probabilities[row]
        answer = score(whole, whole)
        changes = {position: answer - score(probabilities[row + 1 + k], whole) for k, position in enumerate(positions)}
        words = [Word(word, known=ids[position] != OOV, seen=position in changes, change=changes.get(position, 0.0))
                 for position, word in enumerate(vocabulary.split(text), start=1)]
        explained.append(Explained(text, float(answer), words, padding=max(0, maxlen - len(ids)), probabilities=whole))
    return explained


def has_attention(explained):
    return any(word.attention is not None for word in explained.words)


def tab_lines(explained):
    """word<TAB>change in text order (signed, 4 decimals); for a model with attention, then the
    attention the word received (4 decimals, "-" if unseen); a last column says "unknown" for a
    word outside the vocabulary and "unseen" for one the model never read (cut off by MAXLEN)."""
    lines, attention = [], has_attention(explained)
    for word in explained.words:
        note = "" if word.known and word.seen else "\tunseen" if not word.seen else "\tunknown"
        received = ("\t-" if word.attention is None else f"\t{word.attention:.4f}") if attention else ""
        lines.append(f"{word.text}\t{word.change:+.4f}{received}{note}")
    return lines


def coloured(explained, towards):
    """The text for a terminal: each word on a background green as it pushes towards `towards`,
    red as it pushes away, grey if never seen; then the strongest words, largest push first."""
    largest = max((abs(word.change) for word in explained.words), default=0.0) or 1.0
    shown = []
    for word in explained.words:
        if not word.seen:
            shown.append(f"\x1b[2m{word.text}\x1b[0m")
            continue
        strength = int(round(200 * min(1.0, abs(word.change) / largest)))
        red, green = (255 - strength, 255) if word.change > 0 else (255, 255 - strength)
        mark = "" if word.known else "?"
        shown.append(f"\x1b[30;48;2;{red};{green};{255 - strength}m{word.text}{mark}\x1b[0m")
    strongest = sorted((word for word in explained.words if word.seen), key=lambda word: -abs(word.change))
    listed = ", ".join(f"{word.text} {word.change:+.3f}" for word in strongest[:STRONGEST])
    padded = [f"\x1b[2m({explained.padding} padding)\x1b[0m"] if explained.padding else []
    lines = [" ".join(padded + shown), f"  towards {towards}: {listed}"]
    if has_attention(explained):
        looked_at = sorted((word for word in explained.words if word.attention is not None), key=lambda w: -w.attention)
        lines.append("  attention received: " + ", ".join(f"{word.text} {word.attention:.4f}"
                                                          for word in looked_at[:STRONGEST]))
    return lines


def page(explained_texts, answers, title):
    """One HTML page: every text with its words shaded by their push, its answer beside it."""
    rows = []
    for explained, answer in zip(explained_texts, answers):
        largest = max((abs(word.change) for word in explained.words), default=0.0) or 1.0
        spans = []
        for word in explained.words:
            alpha = min(1.0, abs(word.change) / largest)
            colour = f"rgba(0, 160, 60, {alpha:.2f})" if word.change > 0 else f"rgba(220, 40, 40, {alpha:.2f})"
            kind = "unseen" if not word.seen else "unknown" if not word.known else ""
            style = "" if kind == "unseen" else f' style="background:{colour}"'
            tip = f"{word.change:+.4f}" + (f" ({kind})" if kind else "")
            spans.append(f'<span class="word {kind}"{style} title="{tip}">{html.escape(word.text)}</span>')
        padded = [f'<span class="padding">({explained.padding} padding)</span>'] if explained.padding else []
        rows.append(f'<tr><td class="answer">{html.escape(answer)}</td><td class="text">{" ".join(padded + spans)}</td></tr>')
        if has_attention(explained):
            rows.append(f'<tr><td class="answer">attention</td><td class="text">{attention_spans(explained)}</td></tr>')
    return f"""<!doctype html>
<html lang="ko"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: "Noto Sans CJK KR", "Noto Sans KR", "Apple SD Gothic Neo", "Malgun Gothic", sans-serif; margin: 2em; }}
td {{ vertical-align: top; padding: 0.4em 0.8em; border-bottom: 1px solid #ddd; }}
.answer {{ white-space: nowrap; font-weight: bold; }}
.word {{ padding: 0.1em 0.15em; border-radius: 0.2em; line-height: 1.9; }}
.unknown {{ text-decoration: underline dotted; }}
.unseen, .padding {{ color: #aaa; }}
</style></head><body>
<h1>{html.escape(title)}</h1>
<p>Green: the word pushes the answer up; red: down; the stronger, the darker (occlusion: the
answer minus the answer without the word). Dotted: a word the model does not know.
Grey: a word the model never read (before the last MAXLEN words), and the padding it read
before a shorter text. A model with attention has a second row under each text: blue, the
attention each word received (the mean weight the text's words give it).</p>
<table>{"".join(rows)}</table>
</body></html>
"""


def attention_spans(explained):
    """The words again, shaded blue by the attention they received (the most looked at darkest)."""
    largest = max((word.attention for word in explained.words if word.attention is not None), default=0.0) or 1.0
    spans = []
    for word in explained.words:
        if word.attention is None:
            spans.append(f'<span class="word unseen">{html.escape(word.text)}</span>')
            continue
        alpha = word.attention / largest
        spans.append(f'<span class="word" style="background:rgba(40, 90, 220, {alpha:.2f})" '
                     f'title="attention {word.attention:.4f}">{html.escape(word.text)}</span>')
    return " ".join(spans)


def print_explained(explained_texts, answers, towards, stream=None):
    """After each answer line: coloured words on a terminal, else word<TAB>change lines (stream:
    standard output as it is when called, a notebook's too)."""
    stream = stream or sys.stdout
    for explained, answer in zip(explained_texts, answers):
        print(answer, file=stream)
        lines = coloured(explained, towards) if stream.isatty() else tab_lines(explained)
        print(*lines, sep="\n", file=stream)
