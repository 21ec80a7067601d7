"""The book's figure: train and test loss per epoch, with accuracy beside it; and the others."""
import io
import sys
from pathlib import Path

import matplotlib
import numpy as np


def epoch_ticks():
    """Whole epochs only, even for a run of one (matplotlib would mark 0.96 ... 1.04 around it)."""
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(integer=True, min_n_ticks=1)


HANGUL_FONT = "NanumGothic"  # shipped by the pip package koreanize-matplotlib (SIL Open Font License)


def in_a_notebook():
    """Whether a Jupyter kernel runs this (`%run script.py` in a notebook, Colab's too): figures
    then show in the notebook, under the cell, and --show is not needed."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython else None
    return shell is not None and any(kind.__name__ == "ZMQInteractiveShell" for kind in type(shell).__mro__)


def pyplot(show=False):
    """matplotlib.pyplot, drawing without a display (Agg) unless a window is wanted (--show) or a
    notebook shows the figures (its own backend stays), and drawing Hangul: the one place the
    project picks matplotlib's backend and fonts."""
    if not show and not in_a_notebook():
        matplotlib.use("Agg")  # draw without a display, e.g. on a server
    import matplotlib.pyplot as plt

    draw_hangul_too()
    return plt


def draw_hangul_too():
    """Make NanumGothic matplotlib's fallback for the glyphs its own font lacks (Korean reviews,
    morphemes, translations), so that no figure shows boxes where Hangul should be. The font file
    comes from koreanize-matplotlib (requirements.txt), found without importing the package,
    which would change every rcParam on import and needs distutils, gone since Python 3.12."""
    from importlib.util import find_spec

    from matplotlib import font_manager

    if HANGUL_FONT in matplotlib.rcParams["font.family"]:
        return
    spec = find_spec("koreanize_matplotlib")
    if spec is None or not spec.submodule_search_locations:
        return  # not installed: matplotlib's own warning names each glyph it cannot draw
    font_manager.fontManager.addfont(str(Path(spec.submodule_search_locations[0]) / "fonts" / f"{HANGUL_FONT}.ttf"))
    matplotlib.rcParams["font.family"] = [*matplotlib.rcParams["font.family"], HANGUL_FONT]  # after the default


def show_or_close(figure, show):
    """After a figure is saved: show it under the cell in a notebook, or open it in a window if
    --show asked and there is a display (else say so in one line); then close it, so that a long
    session does not pile figures up."""
    import matplotlib.pyplot as plt

    if in_a_notebook():
        from IPython.display import Image, display

        png = io.BytesIO()
        figure.savefig(png, format="png", dpi=110)  # as saved: the notebook's backend may draw it otherwise
        display(Image(data=png.getvalue()))
    elif show and matplotlib.get_backend().lower() == "agg":
        print("note: --show: there is no display here to open a window on; the figure is saved as a PNG",
              file=sys.stderr)
    elif show:
        plt.show()
    plt.close(figure)


def history_figure(history, title, show=False, validation="Testset", best_epoch=None):
    """A figure of loss (as the book draws it) and accuracy per epoch; history maps metric -> list.
    validation: what the val_ curves were measured on (the book: "Testset"); best_epoch: the
    epoch whose weights early stopping kept, marked by a dotted line."""
    plt = pyplot(show)
    figure, (loss_axes, accuracy_axes) = plt.subplots(1, 2, figsize=(11, 4.2))
    for axes, metric in ((loss_axes, "loss"), (accuracy_axes, "accuracy")):
        # The book's colours and labels: red for the test set, blue for the training set.
        for key, colour, label in ((f"val_{metric}", "red", validation), (metric, "blue", "Trainset")):
            if history.get(key):
                epochs = range(1, len(history[key]) + 1)
                axes.plot(epochs, history[key], marker=".", c=colour, label=f"{label}_{metric}")
        if best_epoch and history.get(metric):
            axes.axvline(best_epoch, c="grey", ls=":", label=f"best epoch ({best_epoch}): kept")
        if history.get(metric):
            axes.legend(loc="upper right" if metric == "loss" else "lower right")
        else:
            axes.text(0.5, 0.5, "no complete epoch", ha="center", transform=axes.transAxes)
        axes.grid()
        axes.set_xlabel("epoch")
        axes.set_ylabel(metric)
        axes.xaxis.set_major_locator(epoch_ticks())
    figure.suptitle(title)
    figure.tight_layout()
    return figure


def seeds_figure(group, book):
    """Test loss and accuracy per epoch of every seed of a group (thin), their mean (bold) with a
    band of one standard deviation, and the book's printed accuracies as labelled horizontal lines."""
    plt = pyplot()
    figure, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, metric in zip(axes, ("loss", "accuracy")):
        for number, member in enumerate(group.members):
            curve = member.curve(metric)
            ax.plot(range(1, len(curve) + 1), curve, c="grey", lw=0.7, alpha=0.6, label="each seed" if number == 0 else None)
        mean, band = group.curve(metric), group.band(metric)
        epochs = range(1, len(mean) + 1)
        ax.fill_between(epochs, mean - band, mean + band, color="red", alpha=0.15, label="mean ± 1 std")
        ax.plot(epochs, mean, c="red", lw=2.2, label=f"mean of {len(group.members)} seeds")
        if metric == "accuracy":
            for (label, value), style in zip(book.items(), ("--", ":", "-.")):
                ax.axhline(value, c="black", ls=style, lw=1, label=f"{label}: {value:.4f}")
        ax.set_xlabel("epoch")
        ax.set_ylabel(f"test {metric}")
        ax.grid()
        ax.legend(loc="best", fontsize="small")
        ax.xaxis.set_major_locator(epoch_ticks())
    figure.suptitle(f"{group.summary['script']}: {len(group.members)} seeds")
    figure.tight_layout()
    return figure


def vanishing_figure(cells, scales, accuracies, chance, title, show=False):
    """vanishing_gradient.py's three panels: the gradient's norm against the distance from the
    loss, for the RNN and LSTM as initialised (a) and for the RNN with its recurrent weights
    scaled (b); and each cell's accuracy against the distance it must carry a letter (c)."""
    plt = pyplot(show)
    figure, (cells_axes, scales_axes, learning_axes) = plt.subplots(1, 3, figsize=(16, 4.8))
    for (name, curve), colour in zip(cells.items(), ("tab:blue", "tab:red", "lightcoral")):
        cells_axes.semilogy(curve, c=colour, label=name)
    scale_colours = [plt.cm.viridis(x) for x in np.linspace(0, 0.8, max(len(scales) - 1, 1))]
    for (name, curve), colour in zip(scales.items(), scale_colours + scale_colours[-1:]):
        scales_axes.semilogy(curve, c=colour, ls="--" if "clipped" in name else "-", label=name)
    cells_axes.set_title("(a) the RNN's gradient vanishes; the LSTM's c_t carries it")
    scales_axes.set_title("(b) the RNN with W_hh scaled: vanishing or exploding")
    for axes in (cells_axes, scales_axes):
        axes.set_xlabel("distance T - t from the loss (steps)")
        axes.set_ylabel("mean norm of d loss / d state at step t")
        axes.grid()
        axes.legend(fontsize="small")
    for (cell, by_distance), colour in zip(accuracies.items(), ("tab:blue", "tab:red")):
        distances = sorted(by_distance)
        for distance in distances:
            learning_axes.scatter([distance] * len(by_distance[distance]), by_distance[distance], c=colour, s=14, alpha=0.5)
        learning_axes.plot(distances, [np.mean(by_distance[d]) for d in distances], c=colour, marker="o",
                           label=f"{cell.upper()} (mean; dots: each seed)")
    learning_axes.axhline(chance, c="black", ls=":", label=f"guessing ({chance:.2f})")
    learning_axes.set_ylim(0, 1.05)
    learning_axes.set_title("(c) repeat the first letter, this many letters later")
    learning_axes.set_xlabel("distance (letters between the first letter and the answer)")
    learning_axes.set_ylabel("accuracy on new strings")
    learning_axes.grid()
    learning_axes.legend(fontsize="small")
    figure.suptitle(title)
    figure.tight_layout()
    return figure


def language_model_figure(losses, smooth, guessing, title):
    """char_rnn_text.py: the loss per character at every step, min-char-rnn's
    smoothed curve over it, and the loss of guessing (ln of the alphabet's size) for scale."""
    plt = pyplot()
    figure, axes = plt.subplots(figsize=(8, 4.2))
    steps = range(1, len(losses) + 1)
    axes.plot(steps, losses, c="lightsteelblue", lw=0.6, label="loss of each step")
    axes.plot(steps, smooth, c="blue", lw=2, label="smoothed (0.999 running average)")
    axes.axhline(guessing, c="black", ls=":", label=f"guessing: ln(alphabet) = {guessing:.2f}")
    axes.set_xlabel("step")
    axes.set_ylabel("loss per character (nats)")
    axes.set_ylim(bottom=0)
    axes.grid()
    axes.legend(loc="upper right")
    figure.suptitle(title)
    figure.tight_layout()
    return figure
