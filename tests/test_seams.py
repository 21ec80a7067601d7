"""Where two features meet (issue 22): a dry run then --predict, --seeds then compare, Ctrl-C at
any moment, a run folder read back. Each test here failed before the seam was mended."""
import json
import os
import shutil
import signal
import time
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np
import pytest
from conftest import DATASETS, REPO, run_script, write_imdb, write_nsmc, write_reuters
from test_quiet_start import assert_no_tensorflow_log

import char_rnn_text
import imdb_cnn_lstm
import reuters_lstm
from common import compare, runs, training
from common.records import run_folder
from common.text import datasets, nsmc, tokenizers
from common.errors import ScriptError, UsageError
from common.runs.outcome import Outcome, SignalStops

SMALL = ["--epochs", "1", "--embedding-dim", "8", "--lstm-units", "8"]


# 1. --predict answers only with a complete model trained on real data, unless --model names one,
#    and always says which run answers.

def test_predict_never_answers_with_a_dry_run_model_unless_named(capsys):
    assert reuters_lstm.main(["--dry-run", *SMALL]) == 0
    dry_model = next(run_folder.RUNS_ROOT.glob("reuters_lstm/dry-run/*/model.keras"))
    with pytest.raises(ScriptError, match="no model trained on real data yet: run `python reuters_lstm.py` first"):
        reuters_lstm.main(["--predict", "oil prices rose"])
    capsys.readouterr()
    for asked in (["--model", str(dry_model)], ["--dry-run"]):  # named, or asked for as the newest dry run
        assert reuters_lstm.main(["--predict", "oil prices rose", *asked]) == 0
        said = capsys.readouterr().err
        assert f"Answering: the model of {dry_model.parent}" in said and "trained on synthetic data" in said


def test_predict_skips_a_stopped_run_and_names_the_complete_one(offline_keras, capsys):
    write_reuters()
    assert reuters_lstm.main(SMALL) == 0
    complete = next(run_folder.RUNS_ROOT.glob("reuters_lstm/*/model.keras")).parent
    stopped = run_folder.RUNS_ROOT / "reuters_lstm" / "9999-stopped"  # newer, but stopped in its first epoch
    shutil.copytree(complete, stopped)
    metrics = json.loads((stopped / "metrics.json").read_text())
    (stopped / "metrics.json").write_text(json.dumps({**metrics, "status": "interrupted (SIGINT)"}))
    os.utime(stopped / "model.keras", (time.time() + 60, time.time() + 60))
    capsys.readouterr()
    assert reuters_lstm.main(["--predict", "oil prices rose"]) == 0
    assert capsys.readouterr().err.startswith(f"Answering: the model of {complete} (test accuracy ")


# 2. A trained model predicts with no dataset cache: its vocabulary is saved beside it.

@pytest.mark.parametrize("module, write", [(reuters_lstm, write_reuters), (imdb_cnn_lstm, write_imdb)])
def test_a_trained_model_predicts_with_no_dataset_cache(offline_keras, tmp_path, capsys, module, write):
    write()
    out = tmp_path / "run"
    assert module.main([*SMALL, "--out", str(out)]) == 0
    text = "the film said good great awful dlrs mln"
    capsys.readouterr()
    vocabulary_aside = tmp_path / "aside.json"
    shutil.move(out / "vocabulary.json", vocabulary_aside)  # an older run: the cache's word index encodes
    assert module.main(["--predict", text, "--model", str(out / "model.keras")]) == 0
    with_cache = capsys.readouterr().out
    shutil.move(vocabulary_aside, out / "vocabulary.json")
    shutil.rmtree(DATASETS)  # no cache, and the network is cut
    assert module.main(["--predict", text, "--model", str(out / "model.keras")]) == 0
    assert capsys.readouterr().out == with_cache


# 3, 4. No TensorFlow C++ log line on any path a user can take; a level the user set is no reason
#       to show the start-up lines.

@pytest.fixture(scope="module")
def trained_runs(tmp_path_factory):
    """A text for a --text-file run, in a folder of its own. (A dry run, --predict and --seeds are
    run as a user would in test_quiet_start.py and by dry_group below, with the same check.)"""
    root = tmp_path_factory.mktemp("entry_points")
    (root / "text.txt").write_text("hello world, hello rnn. " * 20, encoding="utf-8")
    return root


ENTRY_POINTS = {  # in this order: compare reads the --text-file run
    "char_rnn_keras": ["char_rnn_hello.py", "--epochs", "3", "--out", "{root}/hello"],
    "text_file_and_generate": ["char_rnn_text.py", "--text-file", "{root}/text.txt", "--steps", "3",
                               "--sample-length", "5", "--out", "{root}/lm"],  # one short sample, at the end
    "compare": ["-m", "common.compare", "{root}/lm", "--out", "{root}/compare.png"],
    "one_line_error_at_level_3": ["reuters_lstm.py", "--predict", "x", "--model", "{root}/missing.keras"],
}


@pytest.mark.parametrize("name", ENTRY_POINTS)
def test_no_entry_point_prints_a_tensorflow_log_line(trained_runs, name):
    argv = [arg.replace("{root}", str(trained_runs)) for arg in ENTRY_POINTS[name]]
    script = [REPO / argv[0]] if argv[0].endswith(".py") else argv[:2]
    env = {"TF_CPP_MIN_LOG_LEVEL": "3"} if name == "one_line_error_at_level_3" else None
    result = run_script(*script, *argv[len(script):], env=env, cwd=trained_runs)
    assert_no_tensorflow_log(result.stderr)
    if name == "one_line_error_at_level_3":
        assert result.returncode == 1 and len(result.stderr.strip().splitlines()) == 1, result.stderr
        return
    assert result.returncode == 0, result.stderr
    if name == "text_file_and_generate":
        result = run_script(REPO / "char_rnn_text.py", "--generate", "20", "--model",
                            trained_runs / "lm" / "model.keras", cwd=trained_runs)
        assert result.returncode == 0 and len(result.stdout.strip()) == 21, result.stderr  # the start, then 20
        assert_no_tensorflow_log(result.stderr)


# 5. Ctrl-C while TensorFlow is still loading: one line, exit 130.

INTERRUPT_WHILE_KERAS_LOADS = """
import os, runpy, signal, sys

class CtrlCAtKerasImport:  # Ctrl-C the moment the script starts importing Keras (seconds of loading)
    def find_spec(self, name, path=None, target=None):
        if name == "keras":
            sys.meta_path.remove(self)
            os.kill(os.getpid(), signal.SIGINT)
        return None

sys.meta_path.insert(0, CtrlCAtKerasImport())
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def test_ctrl_c_while_keras_loads_is_one_line_and_exit_130(tmp_path):
    result = run_script("-c", INTERRUPT_WHILE_KERAS_LOADS, REPO / "reuters_lstm.py", "--dry-run",
                        "--out", tmp_path / "run")
    assert result.returncode == 130, result.stderr[-3000:]
    assert result.stderr.splitlines() == ["reuters_lstm.py: interrupted (SIGINT)"], result.stderr[-3000:]
    assert not (tmp_path / "run").exists()


# 6, 7. compare: groups as first-class rows, synthetic runs marked, figures never in a read folder.

@pytest.fixture
def dry_group(dry_seeds_group):
    root, _, result = dry_seeds_group
    return root, result.stdout


def test_a_dry_run_group_says_nothing_about_the_book_nor_of_tensorflow(dry_seeds_group):
    _, group, result = dry_seeds_group
    assert "Test accuracy over 3 seeds" in result.stdout and "the book" not in result.stdout
    assert json.loads((group / "group.json").read_text())["book"] == {}
    assert_no_tensorflow_log(result.stderr)  # the seeds' processes inherit the level, not the user's wish


def test_compare_with_no_argument_picks_the_newest_group_and_labels_it(dry_group, monkeypatch, capsys):
    root, _ = dry_group
    monkeypatch.chdir(root)
    assert compare.main([]) == 0
    out = capsys.readouterr().out
    header, row = out.split("\n\n")[0].splitlines()
    assert header.split()[:3] == ["run", "started", "data"] and "None" not in out
    cells = row.split()
    assert cells[0].endswith("-seeds") and cells[3] == "synthetic" and "(n=3)" in row
    figures = list(Path("runs/compare").glob("*-reuters_lstm.png"))
    assert len(figures) == 1 and f"Figure: {figures[0]}" in out


def test_a_group_row_shows_its_seeds_as_a_range():
    summary = {"script": "x", "settings": {"epochs": 2}, "finished": [3, 4, 5],
               "test_accuracy": {"mean": 0.5}, "test_loss": {"mean": 1.0}}
    assert run_folder.Group("g", summary, []).settings == {"epochs": 2, "seed": "3-5", "seeds": 3}


def test_compare_never_writes_into_what_it_reads_nor_over_an_earlier_figure(dry_group, tmp_path, monkeypatch, capsys):
    root, _ = dry_group
    group = next((root / "runs" / "reuters_lstm" / "dry-run").glob("*-seeds"))
    read_before = sorted(p.name for p in group.iterdir())
    monkeypatch.chdir(tmp_path)
    assert compare.main([str(group)]) == 0 and compare.main([str(group)]) == 0
    assert sorted(p.name for p in group.iterdir()) == read_before
    assert len(list((tmp_path / "runs" / "compare").glob("*.png"))) == 2
    capsys.readouterr()
    assert compare.main([str(group), "--out", str(tmp_path / "taken.png")]) == 0
    assert compare.main([str(group), "--out", str(tmp_path / "taken.png")]) == 1
    assert "already exists" in capsys.readouterr().err


# 8. A stopped run's files describe the same weights; a signal while saving keeps "completed".

class Stopper(keras.callbacks.Callback):
    """Records the weights after each epoch, and asks to stop in the middle of epoch 2."""

    def __init__(self, outcome):
        super().__init__()
        self.outcome, self.after_epoch = outcome, []

    def on_epoch_end(self, epoch, logs=None):
        self.after_epoch.append([w.numpy().copy() for w in self.model.weights])

    def on_train_batch_end(self, batch, logs=None):
        if len(self.after_epoch) == 1 and batch == 1:
            self.outcome.status = "interrupted (SIGINT)"


def test_a_stopped_run_keeps_the_weights_of_its_last_complete_epoch():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), keras.layers.Dense(1)])
    model.compile(loss="mse", optimizer="adam")
    x, y = np.random.default_rng(0).normal(size=(40, 4)), np.zeros((40, 1))
    outcome = Outcome()
    stopper = Stopper(outcome)
    with SignalStops(outcome).training():
        model.fit(x, y, batch_size=5, epochs=5, verbose=0, callbacks=[training.Guard(outcome), stopper])
    assert outcome.done == 1 and len(outcome.history["loss"]) == 1
    for kept, now in zip(stopper.after_epoch[0], model.weights):
        np.testing.assert_array_equal(now.numpy(), kept)


def test_a_signal_after_training_is_one_line_the_run_stays_completed_and_exits_130(tmp_path, capsys):
    args = type("Args", (), {"script": "reuters_lstm", "out": str(tmp_path / "run"), "dry_run": True, "show": False})
    run = runs.Run(args, type("Config", (), {})())
    with run.training():
        pass
    run.signal_stops.on_signal(signal.SIGINT, None)  # as if Ctrl-C came while the test set was scored
    run.signal_stops.on_signal(signal.SIGINT, None)
    figure = plt.figure()
    assert run.finish(None, figure) == 130
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["status"] == "completed"
    assert capsys.readouterr().err.strip().splitlines() == [
        "SIGINT: saving the run first; the script ends when that is done",
        f"SIGINT came after training: the run is complete and saved in {tmp_path / 'run'}"]


# 9. A --text-file run's record says steps and training loss per character.

def test_a_text_file_runs_metrics_say_steps_and_training_loss(tmp_path):
    text = tmp_path / "text.txt"
    text.write_text("abcabcabd " * 30, encoding="utf-8")
    out = tmp_path / "run"
    assert char_rnn_text.main(["--impl", "numpy", "--text-file", str(text), "--steps", "7", "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert (metrics["steps_completed"], metrics["steps_planned"]) == (7, 7)
    assert not any(key.startswith(("epochs_", "test_")) for key in metrics)
    losses = [float(line.split(",")[1]) for line in (out / "history.csv").read_text().splitlines()[1:]]
    assert (out / "history.csv").read_text().startswith("step,loss,seconds") and len(losses) == 7
    assert metrics["training_loss_per_character"] == pytest.approx(np.mean(losses))


# 10. Figures are closed once saved.

def test_a_run_leaves_no_figure_open(tmp_path):
    plt.close("all")
    assert reuters_lstm.main(["--dry-run", *SMALL, "--out", str(tmp_path / "run")]) == 0
    assert plt.get_fignums() == []


# 11. A corpus much smaller than the dataset it claims to be gets a one-line note, and the record says so.

def test_a_cut_down_corpus_is_noted_and_recorded(offline_keras, tmp_path, capsys):
    write_nsmc(train=200, test=50)
    out = tmp_path / "run"
    import nsmc_cnn_lstm

    assert nsmc_cnn_lstm.main(["--tokenizer", "spaces", "--epochs", "1", "--out", str(out)]) == 0
    notes = [line for line in capsys.readouterr().err.splitlines() if "published one" in line]
    assert notes == ["note: this copy of nsmc holds 250 examples (200 training, 50 test), the published one "
                     "200,000: results will not be comparable with the book's"]
    metrics = json.loads((out / "metrics.json").read_text())
    assert (metrics["train_size"], metrics["test_size"], metrics["cut_down_data"]) == (200, 50, True)
    assert "cut-down copy of the data (200 training examples)" in run_folder.provenance(out / "model.keras")


# 12. The smaller seams.

def test_an_offline_error_comes_alone_and_names_the_way_in(offline_keras, tmp_path, capsys):
    with pytest.raises(ScriptError) as error:
        reuters_lstm.main(["--out", str(tmp_path / "run")])
    assert "Downloading data from" not in capsys.readouterr().out
    assert "USE_CACHED_DATA_AS_IS=1" in str(error.value) and "README" in str(error.value)


@pytest.mark.parametrize("value, used", [("1", True), ("true", True), ("YES", True), ("0", False), ("", False)])
def test_the_as_is_switch_takes_the_usual_words_for_yes(monkeypatch, value, used):
    monkeypatch.setenv(datasets.AS_IS_SWITCH, value)
    assert datasets.use_cached_as_is() is used


def test_show_without_a_display_says_so(tmp_path, capsys):
    assert reuters_lstm.main(["--dry-run", *SMALL, "--show", "--out", str(tmp_path / "run")]) == 0
    assert "--show: there is no display here" in capsys.readouterr().err


def test_the_tokenizing_progress_in_a_log_has_no_control_characters(capsys):
    assert list(nsmc.split_with_progress(tokenizers.Spaces(), ["a b", "c"], "Tokenizing")) == [["a", "b"], ["c"]]
    out = capsys.readouterr().out
    assert out == "Tokenizing\n2 reviews split\n"


def test_one_kind_of_mistake_one_exit_code(tmp_path):
    """A file that cannot be used is ScriptError (exit 1) whichever flag names it; usage is 2."""
    for argv in (["--predict", "x", "--model", str(tmp_path / "missing.keras")],
                 ["--predict-file", str(tmp_path / "missing.txt")],
                 ["--rerun", str(tmp_path)]):
        with pytest.raises(ScriptError):
            imdb_cnn_lstm.main(argv)
    with pytest.raises(UsageError):
        imdb_cnn_lstm.main(["--predict", " "])


def test_a_failed_start_leaves_no_empty_runs_folder(offline_keras, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ScriptError):
        reuters_lstm.main([])  # offline, no cache: fails after the run folder was planned
    assert not (tmp_path / "runs").exists()


def test_a_model_file_that_is_not_a_model_is_one_short_line(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("not a model")
    with pytest.raises(ScriptError) as error:
        imdb_cnn_lstm.main(["--predict", "good", "--model", str(notes)])
    assert str(error.value) == f"--model: {notes} is not a saved model (.keras file)"
