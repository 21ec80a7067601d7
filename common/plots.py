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
