"""The server-drawn charts: a wide and a narrow drawing of each, labels readable on a phone."""

import re

from consortium.portal.reports import charts
from consortium.portal.reports.statistics import Summary


def drawings(svg: str) -> dict[str, str]:
    """Each <svg> of a chart's markup by its variant's name."""
    found = re.finditer(r'<svg class="chart chart-(\w+)".*?</svg>', svg, re.S)
    return {m.group(1): m.group(0) for m in found}


def view_width(svg: str) -> int:
    return int(re.search(r'viewBox="0 0 (\d+) \d+"', svg).group(1))


def test_it_draws_each_distribution_wide_and_narrow():
    values = [3, 7, 12, 12, 25, 40, 88]
    summary = Summary(count=7, min=3, q1=9.5, median=12, q3=32.5, max=88, mean=26.71)
    both = drawings(charts.distribution_svg(values, summary, "Employees"))
    assert set(both) == {"wide", "narrow"}
    assert view_width(both["wide"]) == 640 and view_width(both["narrow"]) == 320
    for svg in both.values():
        assert svg.count("<circle") == len(values) and 'aria-label="Employees"' in svg


def test_the_narrow_drawing_is_about_as_wide_as_a_phone_shows_it():
    # a report card is about 330 px wide on a 390 px phone: its labels stay at their size or above
    card_px = 330
    assert charts.NARROW.font * card_px / charts.NARROW.width >= 12
    assert charts.WIDE.font * card_px / charts.WIDE.width < 6  # what it replaces on a phone


def test_it_labels_every_kth_period_when_names_would_overlap():
    names = [f"{year} H{half}" for year in range(2022, 2026) for half in (1, 2)]
    rows = [[float(i + j) for j in range(len(names))] for i in range(6)]
    both = drawings(charts.time_series_svg(names, rows, [float(j) for j in range(len(names))], "Employees"))
    wide = [n for n in names if f">{n}</text>" in both["wide"]]
    narrow = [n for n in names if f">{n}</text>" in both["narrow"]]
    assert wide == names
    assert names[-1] in narrow and 1 < len(narrow) < len(names)


def test_it_escapes_the_labels_in_both_drawings():
    svg = charts.time_series_svg(["<b>"], [[1.0]], [1.0], 'a "label" <i>')
    assert "<b>" not in svg and "<i>" not in svg
    assert svg.count("&lt;i&gt;") == 4  # the aria-label and the title, in each drawing
