"""The book's figure: train and test loss per epoch, with accuracy beside it."""
import matplotlib


def history_figure(history, title, show=False):
    """A figure of loss (as the book draws it) and accuracy per epoch; history maps metric -> list."""
    if not show:
        matplotlib.use("Agg")  # draw without a display, e.g. on a server
    import matplotlib.pyplot as plt

    figure, (loss_axes, accuracy_axes) = plt.subplots(1, 2, figsize=(11, 4.2))
    for axes, metric in ((loss_axes, "loss"), (accuracy_axes, "accuracy")):
        epochs = range(1, len(history.get(metric, [])) + 1)
        # The book's colours and labels: red for the test set, blue for the training set.
        axes.plot(epochs, history.get(f"val_{metric}", []), marker=".", c="red", label=f"Testset_{metric}")
        axes.plot(epochs, history.get(metric, []), marker=".", c="blue", label=f"Trainset_{metric}")
        axes.legend(loc="upper right" if metric == "loss" else "lower right")
        axes.grid()
        axes.set_xlabel("epoch")
        axes.set_ylabel(metric)
        axes.xaxis.get_major_locator().set_params(integer=True)
    figure.suptitle(title)
    figure.tight_layout()
    return figure
