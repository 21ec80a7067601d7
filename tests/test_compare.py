"""python -m common.compare on run folders made by short dry runs."""
import json
import shutil
from pathlib import Path

import pytest

import char_rnn_hello
import reuters_lstm
from common import compare
from common.records import run_folder

SMALL = ["--dry-run", "--epochs", "2", "--embedding-dim", "8"]


@pytest.fixture(scope="module")
def runs_folder(tmp_path_factory):
    """runs/reuters_lstm with three dry runs: two differ in LSTM_UNITS, the third in EPOCHS too."""
    root = tmp_path_factory.mktemp("compare")
    outputs = []
    for extra in (["--lstm-units", "8"], ["--lstm-units", "16"], ["--lstm-units", "16", "--epochs", "3"]):
        out = root / "runs" / "reuters_lstm" / f"run{len(outputs) + 1}"
        assert reuters_lstm.main([*SMALL, *extra, "--out", str(out)]) == 0
        outputs.append(out)
    return root / "runs" / "reuters_lstm"


def test_the_table_shows_exactly_the_settings_that_differ(runs_folder, capsys):
    assert compare.main([str(runs_folder / "run1"), str(runs_folder / "run2")]) == 0
    header, *rows = capsys.readouterr().out.split("\n\n")[0].splitlines()
    assert header.split()[:5] == ["run", "started", "data", "lstm_units", "epochs"]  # not embedding_dim, not seed
    assert [row.split()[:1] + row.split()[3:5] for row in rows] == [["run1", "synthetic", "8"], ["run2", "synthetic", "16"]]
    assert all(row.split()[-1] == "completed" for row in rows)


def test_a_folder_of_runs_compares_them_all_and_writes_the_figure(runs_folder, capsys):
    assert compare.main([str(runs_folder)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split()[3:5] == ["epochs", "lstm_units"]
    assert len([line for line in out.splitlines() if line.startswith("run")]) == 4  # header + 3 runs
    figure = Path(out.strip().splitlines()[-1].removeprefix("Figure: "))
    assert figure.parent == Path("runs/compare") and figure.read_bytes()[:4] == b"\x89PNG"
    assert not (runs_folder / "compare.png").exists()


def test_partial_and_corrupt_folders_are_skipped_with_a_note(runs_folder, tmp_path, capsys):
    partial, corrupt = tmp_path / "partial", tmp_path / "corrupt"
    partial.mkdir()
    (partial / "history.csv").write_text("epoch,loss\n1,0.5\n")
    corrupt.mkdir()
    (corrupt / "metrics.json").write_text("{not json")
    (corrupt / "history.csv").write_text("")
    code = compare.main([str(runs_folder / "run1"), str(partial), str(corrupt), "--out", str(tmp_path / "c.png")])
    captured = capsys.readouterr()
    assert code == 0 and (tmp_path / "c.png").exists()
    assert f"skipped {partial}" in captured.err and f"skipped {corrupt}" in captured.err


def test_runs_of_different_scripts_are_refused(runs_folder, tmp_path, capsys):
    char_run = tmp_path / "char"
    assert char_rnn_hello.main(["--impl", "numpy", "--epochs", "5", "--out", str(char_run)]) == 0
    capsys.readouterr()
    assert compare.main([str(runs_folder / "run1"), str(char_run)]) == 2
    assert "different scripts (char_rnn_hello, reuters_lstm)" in capsys.readouterr().err


def test_each_run_ends_by_comparing_itself_with_the_previous_one(runs_folder, tmp_path, monkeypatch, capsys):
    for run in ("run1", "run3"):  # copied in this order, so run3 is the newest; dry runs, among the dry runs
        shutil.copytree(runs_folder / run, tmp_path / "runs" / "reuters_lstm" / "dry-run" / run)
    metrics = tmp_path / "runs" / "reuters_lstm" / "dry-run" / "run3" / "metrics.json"
    older = json.loads(metrics.read_text())
    del older["settings"]["precision"]  # as a run from before the setting was added recorded it
    metrics.write_text(json.dumps(older))
    monkeypatch.chdir(tmp_path)
    assert reuters_lstm.main([*SMALL, "--lstm-units", "16", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if line.startswith("Compared with the previous run (run3)"))
    assert "test accuracy" in line
    assert "Settings changed: seed 0 -> 3, epochs 3 -> 2, precision (not recorded) -> float32." in out


@pytest.mark.parametrize("previous, verdict", [(0.70, "better, +0.0200"), (0.72, "the same, +0.0000"),
                                               (0.75, "worse, -0.0300")])
def test_the_comparison_with_the_previous_run_says_which_way_it_went(tmp_path, monkeypatch, previous, verdict):
    monkeypatch.chdir(tmp_path)
    earlier = tmp_path / "runs" / "x" / "earlier"
    earlier.mkdir(parents=True)
    record = {"script": "x", "settings": {"units": 8}, "test_accuracy": previous, "test_loss": 1.0}
    run_folder.write_record(earlier, {"loss": [1.0]}, [1.0], record)
    line = compare.summary_against_previous("x", tmp_path / "now", {**record, "test_accuracy": 0.72})
    assert f"test accuracy 0.7200 vs {previous:.4f} ({verdict})" in line


def test_no_runs_yet_is_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert compare.main([]) == 1
    assert "no runs under runs/ yet" in capsys.readouterr().err


def test_read_run_reports_why_a_folder_is_not_a_run(tmp_path):
    (tmp_path / "metrics.json").write_text(json.dumps({"script": "x"}))
    (tmp_path / "history.csv").write_text("epoch\n")
    with pytest.raises(ValueError, match="lacks the script or its settings"):
        compare.read_run(tmp_path)


def test_a_script_that_names_its_score_is_compared_by_it(tmp_path, capsys):
    """caption_shapes.py's result is exact captions of unseen combinations, not word accuracy:
    two runs alike in accuracy are told apart by their score."""
    folder = tmp_path / "runs" / "caption_shapes"
    for name, unseen in (("with", 0.93), ("plain", 0.314)):  # not "attention": --attention's figures folder
        run = folder / name
        run.mkdir(parents=True)
        (run / "history.csv").write_text("epoch,loss,val_loss,accuracy,val_accuracy\n1,0.5,0.4,0.9,0.9\n")
        (run / "metrics.json").write_text(json.dumps({
            "script": "caption_shapes", "status": "completed", "epochs_completed": 1, "test_accuracy": 0.9995,
            "test_loss": 0.001, "test_exact_unseen": unseen, "score": "test_exact_unseen", "seconds_per_epoch": [3.0],
            "settings": {"with_attention": name == "with", "seed": 0}, "synthetic_data": False,
            "started": f"2026-12-04T19:2{len(name)}:00"}))
    assert compare.main([str(folder), "--out", str(tmp_path / "c.png")]) == 0
    header, *rows = capsys.readouterr().out.split("\n\n")[0].splitlines()
    assert "exact unseen" in header and "accuracy" not in header
    assert [row.split()[0] for row in rows] == ["with", "plain"]  # by start
    assert "0.9300" in rows[0] and "0.3140" in rows[1] and "0.9995" not in "".join(rows)


@pytest.mark.parametrize("validated, label", [((True, True), "validation loss"), ((False, False), "test loss"),
                                              ((True, False), "test or validation loss")])
def test_the_curves_are_named_by_what_each_run_checked_its_epochs_on(validated, label, tmp_path):
    """The book's scripts check each epoch on the test set; translation, captioning and the
    third edition's early stopping on a validation split, which their metrics.json sizes."""
    records = []
    for number, split in enumerate(validated):
        run = tmp_path / f"run{number}"
        run.mkdir()
        (run / "history.csv").write_text("epoch,loss,val_loss,accuracy,val_accuracy\n1,0.5,0.4,0.9,0.9\n")
        (run / "metrics.json").write_text(json.dumps({
            "script": "imdb_attention", "status": "completed", "epochs_completed": 1, "test_accuracy": 0.88,
            "test_loss": 0.3, "seconds_per_epoch": [3.0], "synthetic_data": False, **({"validation_size": 5000} if split else {}),
            "settings": {"seed": number}, "started": f"2026-12-04T19:2{number}:00"}))
        records.append(compare.read_run(run))
    figure = compare.figure(records, ["seed"])
    assert figure.axes[0].get_ylabel() == label and figure.axes[1].get_ylabel() == label.replace("loss", "accuracy")


def test_the_books_way_of_validating_is_named_the_test_set(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "history.csv").write_text("epoch,loss,val_loss\n1,0.5,0.4\n")
    (run / "metrics.json").write_text(json.dumps({  # imdb_attention.py --validate-on test
        "script": "imdb_attention", "status": "completed", "epochs_completed": 1, "test_accuracy": 0.88, "test_loss": 0.3,
        "seconds_per_epoch": [3.0], "synthetic_data": False, "validation_size": 25000,
        "settings": {"seed": 0, "validate_on": "test"}, "started": "2026-12-04T19:20:00"}))
    assert compare.checked_on(compare.read_run(run)) == "test"
