"""README.md and README.ko.md say the same thing: the same sections, every command and figure in
both, every linked page there; and the README stays short."""
import itertools
import re
import shlex

import pytest
from conftest import REPO

READMES = {"en": REPO / "README.md", "ko": REPO / "README.ko.md"}
COMMAND = re.compile(r"^    (?:\$ |!)?((?:\.venv|python|KERAS_BACKEND|%cd|git|pip)\S*.*?)\s*(?:#.*)?$")


def text(language):
    return READMES[language].read_text(encoding="utf-8")


def commands(language):
    return [match.group(1) for line in text(language).splitlines() if (match := COMMAND.match(line))]


def test_every_command_of_one_readme_is_in_the_other():
    english, korean = commands("en"), commands("ko")
    assert len(english) >= 20  # the set-up, every script's example, the tested sets, Colab
    assert [c for c in english if c not in korean] == [], "in README.md, missing from README.ko.md"
    assert [c for c in korean if c not in english] == [], "in README.ko.md, missing from README.md"


def test_both_have_the_same_sections_figures_and_links_in_the_same_order():
    def outline(language):
        lines = text(language).splitlines()
        return ([line.split()[0] for line in lines if line.startswith("#")],
                re.findall(r"!\[[^]]*\]\(([^)]+)\)", text(language)),
                [link for link in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text(language))
                 if not link.endswith(".png") and not link.startswith("README")])
    assert outline("en") == outline("ko")


@pytest.mark.parametrize("language", READMES)
def test_every_page_and_figure_a_readme_links_to_exists(language):
    for target in re.findall(r"\]\(([^)#]+)", text(language)):
        if not target.startswith("http"):
            assert (REPO / target).exists(), f"{READMES[language].name} links to {target}, which is not there"


def test_every_docs_page_links_back_and_its_links_exist():
    for page in (REPO / "docs").glob("*.md"):
        content = page.read_text(encoding="utf-8")
        assert "](../README.md)" in content, f"{page.name} has no way back to the README"
        for target in re.findall(r"\]\(([^)#]+)", content):
            if not target.startswith("http"):
                assert (page.parent / target).exists(), f"{page.name} links to {target}, which is not there"


def test_the_readme_is_short_and_links_to_both_languages():
    assert len(text("en").splitlines()) <= 252
    assert "(README.ko.md)" in text("en") and "(README.md)" in text("ko")


@pytest.mark.parametrize("language", READMES)
def test_the_book_to_keras3_table_quotes_the_scripts_as_they_are(language):
    """The table's middle column quotes reuters_lstm.py in its first seven rows, imdb_attention.py
    in the three after them: every `quoted` piece is in its script."""
    lines = text(language).splitlines()
    header = next(number for number, line in enumerate(lines) if line.startswith("| ") and "Keras 2 / TensorFlow 1" in line)
    rows = list(itertools.takewhile(lambda line: line.startswith("|"), lines[header + 2:]))
    assert len(rows) == 10
    for script, its_rows, at_least in (("reuters_lstm.py", rows[:7], 12), ("imdb_attention.py", rows[7:], 5)):
        quoted = [piece for row in its_rows for piece in re.findall(r"`([^`]+)`", row.split(" | ")[1])]
        quoted = [piece for piece in quoted if piece != "common.self_attention"]  # a module's name, not a line
        assert len(quoted) >= at_least
        assert [piece for piece in quoted if piece not in (REPO / script).read_text(encoding="utf-8")] == []


# The README's commands as a new user types them, a script's commands in one fresh folder, in the
# README's order, so that a --predict finds the model an earlier command trained; where a command
# trains, flags that make it a dry run's size are added after it (the later flag wins).
SMALLER = {"reuters_lstm.py": ["--dry-run", "--epochs", "1", "--embedding-dim", "8", "--lstm-units", "8"],
           "imdb_cnn_lstm.py": ["--dry-run", "--epochs", "1", "--embedding-dim", "8", "--lstm-units", "8"],
           "nsmc_cnn_lstm.py": ["--dry-run", "--epochs", "1"],
           "char_rnn_hello.py": ["--epochs", "5"],
           "char_rnn_text.py": ["--steps", "20", "--sample-every", "10"],
           "vanishing_gradient.py": ["--dry-run"],
           "imdb_attention.py": ["--dry-run", "--epochs", "1", "--maxlen", "30", "--embedding-dim", "8", "--lstm-units", "6"],
           "translate_en_ko.py": ["--dry-run", "--epochs", "2", "--units", "16", "--embedding-dim", "8"],
           "caption_shapes.py": ["--dry-run", "--epochs", "1", "--units", "16", "--filters", "4", "--embedding-dim", "8"]}
ANSWERING = ("--predict", "--predict-file", "--gates", "--attention", "--generate", "--help")


def user_commands():
    """Both READMEs' `python ...` commands (the set-up and Colab lines aside), each once, in order."""
    found = [command for language in READMES for command in commands(language) if command.startswith("python ")]
    return list(dict.fromkeys(found))


def commands_by_script():
    """user_commands() grouped by the script each runs, in the README's order within a group, so
    that the groups can run side by side (pytest -n). A command without a script of its own
    (`python -m common.compare`) reads the runs the commands before it made: it joins their group."""
    groups, group = {}, None
    for command in user_commands():
        first = shlex.split(command)[1]
        group = first if first.endswith(".py") else group
        groups.setdefault(group, []).append(command)
    return groups


@pytest.mark.parametrize("script", commands_by_script())
def test_every_readme_command_runs_as_written(script, tmp_path):
    import shutil

    from conftest import run_script, write_imdb, write_nsmc, write_reuters

    for write in (write_reuters, write_imdb, write_nsmc):  # the data in place, as the README asks
        write()
    shutil.copy(REPO / "README.ko.md", tmp_path)  # the example text of char_rnn_text.py, as in a clone
    from PIL import Image, ImageDraw  # the user's own picture for caption_shapes.py, drawn elsewhere

    picture = Image.new("RGB", (64, 64), "white")
    ImageDraw.Draw(picture).ellipse((4, 20, 20, 36), fill="red")
    picture.save(tmp_path / "my_picture.png")
    trained, failures = False, []
    for command in commands_by_script()[script]:
        words = shlex.split(command)[1:]
        its_script = words[0] if words[0].endswith(".py") else None
        if its_script and not set(words) & set(ANSWERING) and "--dry-run" not in words:
            words += SMALLER[its_script]
        if "--seeds" in words:
            words[words.index("--seeds") + 1] = "2"  # a group of two says as much about the command
        if its_script in SMALLER and set(words) & {"--predict", "--gates", "--attention"}:
            if not trained:  # a model to answer with: a dry run's
                run_script(REPO / its_script, *SMALLER[its_script], cwd=tmp_path, env={"USE_CACHED_DATA_AS_IS": "1"})
            words.append("--dry-run")
        target = [REPO / words[0], *words[1:]] if its_script else words
        result = run_script(*target, cwd=tmp_path, env={"USE_CACHED_DATA_AS_IS": "1"}, timeout=280)
        trained = trained or its_script is not None
        if result.returncode != 0 or "Traceback" in result.stderr:
            failures.append(f"{command}: exit {result.returncode}: {result.stderr.strip()[-300:]}")
    assert failures == []
