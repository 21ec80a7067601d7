"""--seeds N: one run per seed, each exactly the run --seed K gives, and the spread of their results."""
import json
import os
import signal
import subprocess
import sys
import time
from types import SimpleNamespace

import numpy as np
import pytest
from conftest import REPO, SEEDS_DRY_RUN, run_script

from common import cli, compare, files
from common.records import run_folder
from common.runs import seeds
from common.records.spread import spread, t_quantile, welch_interval

DRY = SEEDS_DRY_RUN


@pytest.fixture
def group(dry_seeds_group):
    _, folder, result = dry_seeds_group
    return folder, result.stdout


def history_without_seconds(folder):
    return [line.rsplit(",", 1)[0] for line in (folder / "history.csv").read_text().splitlines()]


def test_a_group_of_three_writes_three_runs_their_spread_and_a_figure(group):
    folder, stdout = group
    assert sorted(p.name for p in folder.iterdir()) == ["group.json", "seed0", "seed1", "seed2", "seeds.png"]
    accuracies = [json.loads((folder / f"seed{k}" / "metrics.json").read_text())["test_accuracy"] for k in range(3)]
    losses = [json.loads((folder / f"seed{k}" / "metrics.json").read_text())["test_loss"] for k in range(3)]
    summary = json.loads((folder / "group.json").read_text())
    assert summary["finished"] == [0, 1, 2] and summary["status"] == "completed"
    assert summary["test_accuracy"]["mean"] == pytest.approx(np.mean(accuracies), abs=1e-12)
    assert summary["test_accuracy"]["std"] == pytest.approx(np.std(accuracies, ddof=1), abs=1e-12)
    assert summary["test_loss"]["mean"] == pytest.approx(np.mean(losses), abs=1e-12)
    assert summary["test_loss"]["std"] == pytest.approx(np.std(losses, ddof=1), abs=1e-12)
    assert [summary["test_accuracy"]["min"], summary["test_accuracy"]["max"]] == [min(accuracies), max(accuracies)]
    assert (folder / "seeds.png").read_bytes()[:4] == b"\x89PNG"
    a = summary["test_accuracy"]
    assert f"Test accuracy over 3 seeds: {a['mean']:.4f} ± {a['std']:.4f}" in stdout
    assert "3 of 3 seeds finished" in stdout
    assert "the book" not in stdout  # synthetic data says nothing about the book's numbers


def test_the_books_numbers_are_placed_against_the_seeds_range():
    members = [SimpleNamespace(metrics={"test_accuracy": accuracy, "test_loss": 1.0}) for accuracy in (0.70, 0.72)]
    _, lines = seeds.summarize(members, {"low": 0.69, "in": 0.71, "edge": 0.72, "high": 0.73})
    assert lines[2:] == ["low: 0.6900, below the seeds' range", "in: 0.7100, inside the seeds' range",
                         "edge: 0.7200, inside the seeds' range", "high: 0.7300, above the seeds' range"]


def test_each_member_is_exactly_the_run_its_seed_gives_alone(group, tmp_path):
    folder, _ = group
    result = run_script(REPO / "reuters_lstm.py", *DRY, "--seed", "1", "--out", tmp_path / "alone")
    assert result.returncode == 0, result.stderr
    assert history_without_seconds(tmp_path / "alone") == history_without_seconds(folder / "seed1")


def test_compare_shows_a_group_as_one_row(group, capsys):
    folder, _ = group
    assert compare.main([str(folder)]) == 0
    a = json.loads((folder / "group.json").read_text())["test_accuracy"]
    assert f"{a['mean']:.4f} ± {a['std']:.4f} (n=3)" in capsys.readouterr().out


def write_group(folder, accuracies, lstm_units):
    """A group folder by hand: members with these test accuracies."""
    for seed, accuracy in enumerate(accuracies):
        member = run_folder.seed_folder(folder, seed)
        member.mkdir(parents=True)
        settings = {"lstm_units": lstm_units, "seed": seed}
        run_folder.write_record(member, {"val_loss": [1.0], "val_accuracy": [accuracy]}, [1.0],
                                {"script": "reuters_lstm", "settings": settings, "test_accuracy": accuracy,
                                 "test_loss": 1.0, "epochs_completed": 1})
    files.write_text(folder / run_folder.GROUP, json.dumps({
        "script": "reuters_lstm", "settings": {"lstm_units": lstm_units}, "finished": list(range(len(accuracies))),
        "status": "completed", "test_accuracy": spread(accuracies), "test_loss": spread([1.0] * len(accuracies))}))


@pytest.mark.parametrize("second, verdict", [([0.700, 0.710, 0.720], "within seed noise"),
                                             ([0.680, 0.690, 0.700], "a real difference")])
def test_two_groups_get_the_difference_of_their_means_with_its_interval(tmp_path, capsys, second, verdict):
    first = [0.710, 0.720, 0.730]
    write_group(tmp_path / "units100", first, 100)
    write_group(tmp_path / "units50", second, 50)
    assert compare.main([str(tmp_path / "units100"), str(tmp_path / "units50"), "--out", str(tmp_path / "c.png")]) == 0
    out = capsys.readouterr().out
    # Independently: equal spreads and sizes make Welch's degrees of freedom 2 * (3 - 1) = 4,
    # and t(0.975, 4) = 2.776445 stands in any printed table.
    se = np.sqrt(np.var(first, ddof=1) / 3 + np.var(second, ddof=1) / 3)
    difference = np.mean(first) - np.mean(second)
    low, high = difference - 2.776445 * se, difference + 2.776445 * se
    assert welch_interval(first, second)[2] == pytest.approx(4)
    assert f"units100 minus units50: {difference:+.4f}, 95% interval [{low:+.4f}, {high:+.4f}]" in out
    assert f"(Welch's t, 4.0 degrees of freedom): {verdict}.\n" in out


@pytest.mark.parametrize("df, table", [(1, 12.7062), (2, 4.3027), (4, 2.7764), (10, 2.2281), (30, 2.0423)])
def test_t_quantiles_match_the_printed_table(df, table):
    assert t_quantile(0.975, df) == pytest.approx(table, abs=2e-4)


def test_an_interrupted_group_keeps_its_finished_seeds(tmp_path):
    folder, log = tmp_path / "group", tmp_path / "stdout.txt"
    with open(log, "w") as stdout:
        parent = subprocess.Popen([sys.executable, str(REPO / "reuters_lstm.py"), "--dry-run", "--epochs", "8",
                                   "--seeds", "3", "--out", str(folder)], stdout=stdout, stderr=subprocess.STDOUT,
                                  env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        deadline = time.monotonic() + 180
        while "Epoch 2/8" not in log.read_text().partition("=== seed 1 (2 of 3) ===")[2]:
            assert parent.poll() is None and time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.05)
        parent.send_signal(signal.SIGINT)
        parent.wait(timeout=60)
    finally:
        if parent.poll() is None:  # SIGTERM reaches the seed that trains too; SIGKILL would leave it running
            parent.terminate()
            parent.wait(timeout=60)
    printed = log.read_text()
    assert parent.returncode == 130 and "Traceback" not in printed
    assert "1 of 3 seeds finished (interrupted (SIGINT))" in printed
    summary = json.loads((folder / "group.json").read_text())
    assert summary["finished"] == [0] and summary["status"] == "interrupted (SIGINT)"
    assert json.loads((folder / "seed1" / "metrics.json").read_text())["status"] == "interrupted (SIGINT)"
    assert not (folder / "seed2").exists()


@pytest.mark.parametrize("script", ["reuters_lstm", "imdb_cnn_lstm"])
def test_seeds_and_predict_do_not_go_together(script):
    module = __import__(script)
    with pytest.raises(cli.UsageError, match="--seeds does not go with --predict"):
        module.main(["--predict", "good", "--seeds", "2"])


def test_a_scripts_own_test_scores_get_their_spread_too():
    members = [SimpleNamespace(metrics={"test_accuracy": 0.5, "test_loss": 1.0, "test_chrf": chrf, "test_note": "x",
                                        "test_size": 581, **({"test_bleu": 3.0} if chrf > 30 else {})})
               for chrf in (30.0, 34.0)]
    summary, lines = seeds.summarize(members, {})
    assert summary["test_chrf"]["mean"] == pytest.approx(32.0) and summary["test_chrf"]["std"] == pytest.approx(np.std([30, 34], ddof=1))
    assert "Test chrf over 2 seeds: 32.0000 ± 2.8284 (min 30.0000, max 34.0000)" in lines
    assert "test_bleu" not in summary and "test_note" not in summary  # a score one member lacks; not a number
    assert "test_size" not in summary  # how many were tested: no score
