"""What the trained attention does with a text (imdb_attention.py): --attention TEXT, and the
attention column of --explain.

The model's layers below its SeqSelfAttention run on the padded text as at prediction (no
dropout); the layer's own attention(h) then gives a[t, t'], the weight position t gives
position t' (each row sums to 1). Only the text's own positions are shown: the padding before
a short review is read too, and takes its share of each row, so a row's weights over the words
sum to less than 1.

A word's attention received (--explain) is column t' of a, averaged over the rows t of the
text's words: how much, on average, the text's words look at it. 1 / T would be uniform.

The book's attention_activation='sigmoid' squeezes every score e[t, t'] into (0, 1) before the
softmax, so no weight can be more than e = 2.718 times another in its row: over T = 500 positions
each lies between 1 / (1 + 499 e) = 0.0007 and e / (e + 499) = 0.0054. The figure's colours
span the weights found, not 0 to 1, and its scale names 1 / T, or it would look uniform.
"""
import numpy as np

from common.errors import ScriptError


def the_attention(model):
    """The model's one SeqSelfAttention layer; ScriptError if it has none."""
    from common.self_attention import SeqSelfAttention

    found = [layer for layer in model.layers if isinstance(layer, SeqSelfAttention)]
    if len(found) != 1:
        raise ScriptError(f"the model {model.name} has {len(found)} attention layers (SeqSelfAttention), not one")
    return found[0]


def has_attention(model):
    from common.self_attention import SeqSelfAttention

    return any(isinstance(layer, SeqSelfAttention) for layer in model.layers)


def weights(model, padded):
    """a[t, t'] for each padded text (rows of ids): (texts, maxlen, maxlen) as float64."""
    import keras

    attention, x = the_attention(model), np.asarray(padded)
    for layer in model.layers:
        if layer is attention:
            return keras.ops.convert_to_numpy(attention.attention(x)).astype(np.float64)
        x = layer(x, training=False)
    raise ScriptError("the attention layer is not in the model's layers")


def over_words(a, ids, maxlen):
    """(the indices in ids of the words the model reads, a[t, t'] among them alone): ids starts
    with the start mark, which is no word; the model reads the last maxlen ids, after padding."""
    indices = list(range(max(1, len(ids) - maxlen), len(ids)))
    positions = [index + maxlen - len(ids) for index in indices]
    return indices, a[np.ix_(positions, positions)]


def received(a, ids, maxlen):
    """{index in ids: the mean weight the text's words give it} for one text's a[t, t']."""
    indices, among_words = over_words(a, ids, maxlen)
    return dict(zip(indices, among_words.mean(axis=0).tolist()))


def add_to_explained(model, explained, encoded, maxlen):
    """Each explained word's attention received (Word.attention), the words' and their texts' in
    one batched pass; the start mark (index 0 of ids) is not a word."""
    import keras

    matrices = weights(model, keras.utils.pad_sequences(encoded, maxlen=maxlen))
    for text, ids, a in zip(explained, encoded, matrices):
        by_index = received(a, ids, maxlen)
        for index, word in enumerate(text.words, start=1):
            word.attention = by_index.get(index)


def figure(a, words, title, length):
    """The t x t' heat map over the text's words: row t (down) is where word t looks, across;
    length is T, the positions each row spreads over (the padding's too)."""
    from common import plots

    plt = plots.pyplot()
    size = min(16.0, 3.0 + 0.28 * len(words))
    drawn, axes = plt.subplots(figsize=(size + 1.5, size))
    image = axes.imshow(a, cmap="viridis")  # the weights' own range: see the module's docstring
    every = max(1, len(words) // 60)  # at most about 60 labels an axis
    ticks = range(0, len(words), every)
    axes.set_xticks(list(ticks), [words[i] for i in ticks], rotation=90, fontsize=8)
    axes.set_yticks(list(ticks), [words[i] for i in ticks], fontsize=8)
    axes.set_xlabel("t': the word looked at")
    axes.set_ylabel("t: the word looking")
    drawn.colorbar(image, ax=axes, fraction=0.046, pad=0.04, label=f"a[t, t']  (uniform: 1 / {length} = {1 / length:.4f})")
    axes.set_title(title, fontsize=10)
    drawn.tight_layout()
    return drawn
