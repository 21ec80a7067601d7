"""--gates TEXT: what the trained model's LSTM did, gate by gate, in the notes' own equations.

The trained keras.layers.LSTM's weights go into the notes' NumPy LSTM
(common/notes/numpy_lstm.py: LSTM.from_keras), which then runs over the sequence the LSTM
reads: one step per word for Reuters, one per pooled window of 4 convolution positions for IMDB.
Its last hidden state is checked against Keras's own LSTM in float32 on the same input (to 1e-5) before
anything is drawn. The figure shows, per step, the input gate i, the forget gate f, the output
gate o (0 to 1, per unit) and the cell state c_t (the notes' conveyor belt), and the mean forget
gate: near 1 the belt carries what it holds on, near 0 it drops it.
"""
import numpy as np

from common.errors import ScriptError
from common.notes.numpy_lstm import LSTM

AGREEMENT = 1e-5  # the largest difference allowed between the NumPy and the Keras last hidden state
PAD = "·"


def the_lstm(model):
    """The model's one keras.layers.LSTM; ScriptError if it has none."""
    import keras

    found = [layer for layer in model.layers if isinstance(layer, keras.layers.LSTM)]
    if len(found) != 1:
        raise ScriptError(f"--gates: the model {model.name} has {len(found)} LSTM layers, not one")
    return found[0]


def lstm_input(model, ids):
    """What the LSTM reads for one padded text: the layers before it, as at prediction (no dropout)."""
    import keras

    lstm, x = the_lstm(model), np.asarray(ids)[None]
    for layer in model.layers:
        if layer is lstm:
            return keras.ops.convert_to_numpy(x)[0], lstm  # any backend's tensor (PyTorch's needs a detach)
        x = layer(x, training=False)
    raise ScriptError("--gates: the LSTM is not in the model's layers")


def run(model, ids):
    """(steps of the notes' LSTM: (i, f, o, g, c, h) per step, the Keras LSTM's last hidden state),
    checked to agree; ScriptError if they do not."""
    import keras

    xs, lstm = lstm_input(model, ids)
    kernel, recurrent_kernel, bias = (np.asarray(weight) for weight in lstm.get_weights())
    steps, _ = LSTM.from_keras(kernel, recurrent_kernel, bias).forward(xs.astype(np.float64))
    keras_last = keras.ops.convert_to_numpy(in_float32(lstm, xs)(xs[None]))[0]
    difference = float(np.abs(steps[-1][5] - keras_last).max())
    if difference > AGREEMENT:
        raise ScriptError(f"--gates: the notes' LSTM and Keras's disagree by {difference:.2g} on this text")
    return steps, difference


def in_float32(lstm, xs):
    """The LSTM itself, or, for a model trained with PRECISION mixed_bfloat16, its float32 twin
    with the same weights: the check compares the equations, not bfloat16's rounding."""
    if lstm.compute_dtype == "float32":
        return lstm
    import keras

    twin = keras.layers.LSTM.from_config({**lstm.get_config(), "dtype": "float32"})
    twin.build(xs[None].shape)
    twin.set_weights(lstm.get_weights())
    return twin


def windows(model):
    """(stride, width): how many input positions one LSTM step moves on, and how many it sees
    through the layers before it (Conv1D and MaxPooling1D for IMDB; one word each for Reuters)."""
    stride, width, lstm = 1, 1, the_lstm(model)
    for layer in model.layers:
        if layer is lstm:
            break
        if hasattr(layer, "kernel_size"):  # Conv1D, stride 1 here
            width += layer.kernel_size[0] - 1
        if hasattr(layer, "pool_size"):  # MaxPooling1D
            width += (layer.pool_size[0] - 1) * stride
            stride *= layer.strides[0]
    return stride, width


def step_labels(words, steps, maxlen, stride=1, width=1):
    """One label per LSTM step: the words it read, padding as a dot. `words` are the text's words;
    the model reads the last maxlen of them."""
    padded = [PAD] * max(0, maxlen - len(words)) + list(words[-maxlen:])
    return [" ".join(padded[k * stride:k * stride + width]) for k in range(steps)]


def text_steps(labels):
    """The first step that reads a word of the text: the steps before it read padding only."""
    return next((k for k, label in enumerate(labels) if set(label.split()) - {PAD}), len(labels) - 1)


def figure(steps, labels, title):
    """i, f, o and c_t per step as heatmaps over the units, and the mean forget gate; steps that
    read padding only are left out (the state they leave is where the text starts)."""
    from common import plots

    plt = plots.pyplot()
    first = text_steps(labels)
    steps, labels = steps[first:], labels[first:]
    gates = {name: np.array([step[k] for step in steps]).T for k, name in enumerate("ifogch")}  # (units, steps)
    shown = [("i", "input gate i", "Greens", (0, 1)), ("f", "forget gate f", "Blues", (0, 1)),
             ("o", "output gate o", "Oranges", (0, 1)), ("c", "cell state c_t", "RdBu_r", None)]
    plot, axes = plt.subplots(len(shown) + 1, 1, figsize=(max(7, 0.45 * len(labels) + 3), 12), sharex=True)
    for axis, (key, name, colours, limits) in zip(axes, shown):
        values = gates[key]
        if limits is None:
            largest = float(np.percentile(np.abs(values), 99)) or 1.0  # a unit or two can reach far beyond the rest
            limits = (-largest, largest)
        image = axis.imshow(values, aspect="auto", cmap=colours, vmin=limits[0], vmax=limits[1], interpolation="nearest")
        axis.set_ylabel(f"{name}\nunit")
        plot.colorbar(image, cax=axis.inset_axes([1.01, 0, 0.015, 1]))  # beside the axis: every panel as wide
    axes[-1].plot(range(len(labels)), gates["f"].mean(axis=0), c="navy", marker="o")
    axes[-1].set_ylim(0, 1)
    axes[-1].set_ylabel("mean f\n(1: keep, 0: drop)")
    axes[-1].grid(alpha=0.4)
    axes[-1].set_xticks(range(len(labels)))
    axes[-1].set_xticklabels(labels, rotation=90, fontsize=8)
    plot.suptitle(title + (f"\n({first} steps over padding before the text not shown)" if first else ""))
    plot.tight_layout()
    renderer = plot.canvas.get_renderer()
    lowest = min(label.get_window_extent(renderer).y0 for label in axes[-1].get_xticklabels())
    if lowest < 0:  # a long window of words (IMDB's pooled steps) reaches below the figure: room for it
        plot.subplots_adjust(bottom=plot.subplotpars.bottom + (4 - lowest) / plot.bbox.height)
    return plot
