"""Every figure draws Hangul (Korean reviews' morphemes on --gates, a --seeds group's labels,
translations): with the font a pip package ships, never one a user must install."""
import warnings

import numpy as np

from common import plots


def drawn_without_missing_glyphs(draw):
    plt = plots.pyplot()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)" for each box it draws
        figure = draw(plt)
        figure.canvas.draw()
    plt.close(figure)


def test_a_korean_title_and_labels_draw_in_the_shipped_font():
    def draw(plt):
        figure, axes = plt.subplots()
        axes.plot([1, 2], [3, 4], label="검증 손실")
        axes.set_title("왼쪽에 빨간 원, 오른쪽에 파란 세모")
        axes.set_xticks([1, 2], ["이 영화", "정말 재미있어요"])
        axes.legend()
        return figure

    drawn_without_missing_glyphs(draw)
    from matplotlib import font_manager

    used = font_manager.findfont(font_manager.FontProperties(family=plots.HANGUL_FONT), fallback_to_default=False)
    assert "koreanize_matplotlib" in used  # the pip package's file, not a system font


def test_the_gates_figure_labels_korean_morphemes():
    from common.notes import gates

    rng = np.random.default_rng(0)
    steps = [tuple(rng.random(4) for _ in "ifogch") for _ in range(3)]  # i, f, o, g, c, h per step
    drawn_without_missing_glyphs(lambda plt: gates.figure(steps, ["영화/NNG", "재미있/VA", "어요/EF"], "NSMC"))
