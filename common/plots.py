"""The book's figure: train and test loss per epoch, with accuracy beside it."""
import matplotlib


def history_figure(history, title, show=False):
    """A figure of loss (as the book draws it) and accuracy per epoch; history maps metric -> list."""
    if not show:
        matplotlib.use("Agg")  # draw without a display, e.g. on a server
    import matplotlib.pyplot as plt

    figure, (loss_axes, accuracy_axes) = plt.subplots(1, 2, figsize=(11, 4.2))
    for axes, metric in ((loss_axes, "loss"), (accuracy_axes, "accuracy")):
        # The book's colours and labels: red for the test set, blue for the training set.
        for key, colour, label in ((f"val_{metric}", "red", "Testset"), (metric, "blue", "Trainset")):
            if history.get(key):
                epochs = range(1, len(history[key]) + 1)
                axes.plot(epochs, history[key], marker=".", c=colour, label=f"{label}_{metric}")
        if history.get(metric):
            axes.legend(loc="upper right" if metric == "loss" else "lower right")
        else:
            axes.text(0.5, 0.5, "no complete epoch", ha="center", transform=axes.transAxes)
        axes.grid()
        axes.set_xlabel("epoch")
        axes.set_ylabel(metric)
        axes.xaxis.get_major_locator().set_params(integer=True)
    figure.suptitle(title)
    figure.tight_layout()
    return figure


def seeds_figure(records, book, title):
    """Test loss and accuracy per epoch of every seed (thin), their mean (bold) with a band of
    one standard deviation, and the book's printed accuracies as labelled horizontal lines."""
    import numpy as np

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, metric in zip(axes, ("loss", "accuracy")):
        curves = [record.curve(metric) for record in records]
        epochs = min(len(curve) for curve in curves)
        for number, curve in enumerate(curves):
            ax.plot(range(1, len(curve) + 1), curve, c="grey", lw=0.7, alpha=0.6, label="each seed" if number == 0 else None)
        if epochs:
            stacked = np.array([curve[:epochs] for curve in curves])
            mean, std = stacked.mean(axis=0), stacked.std(axis=0, ddof=1) if len(curves) > 1 else 0 * stacked[0]
            x = range(1, epochs + 1)
            ax.fill_between(x, mean - std, mean + std, color="red", alpha=0.15, label="mean ± 1 std")
            ax.plot(x, mean, c="red", lw=2.2, label=f"mean of {len(curves)} seeds")
        if metric == "accuracy":
            for (label, value), style in zip(book.items(), ("--", ":", "-.")):
                ax.axhline(value, c="black", ls=style, lw=1, label=f"{label}: {value:.4f}")
        ax.set_xlabel("epoch")
        ax.set_ylabel(f"test {metric}")
        ax.grid()
        ax.legend(loc="best", fontsize="small")
        ax.xaxis.get_major_locator().set_params(integer=True)
    figure.suptitle(title)
    figure.tight_layout()
    return figure
