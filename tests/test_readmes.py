"""README.md and README.ko.md say the same thing: the same sections, every command and figure in
both, every linked page there; and the README stays short."""
import re

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
    assert len(text("en").splitlines()) <= 250
    assert "(README.ko.md)" in text("en") and "(README.md)" in text("ko")


@pytest.mark.parametrize("language", READMES)
def test_the_book_to_keras3_table_quotes_reuters_lstm_as_it_is(language):
    """The table's middle column quotes reuters_lstm.py: every `quoted` piece is in the script."""
    script = (REPO / "reuters_lstm.py").read_text(encoding="utf-8")
    lines = text(language).splitlines()
    header = next(number for number, line in enumerate(lines) if line.startswith("| ") and "Keras 2 / TensorFlow 1" in line)
    rows = [line for line in lines[header + 2:] if line.startswith("|")][:7]
    quoted = [piece for row in rows for piece in re.findall(r"`([^`]+)`", row.split(" | ")[1])]
    assert len(rows) == 7 and len(quoted) >= 12
    assert [piece for piece in quoted if piece not in script] == []
