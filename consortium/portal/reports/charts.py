"""Charts as inline SVG, drawn on the server: no JavaScript, no CDN, readable when printed.

`distribution_svg`: a strip plot of every value (ties stacked) above a box plot (whiskers
at min and max, box from Q1 to Q3, a line at the median, a diamond at the mean).
`time_series_svg`: one thin line per (anonymous) company over the periods, the median bold.

Each chart is drawn twice, wide and narrow, in one piece of markup; the stylesheet shows the one that
fits the screen. An SVG scales its text with its drawing: the wide one at a phone's width would
shrink its 11-unit labels to about 5 px, the narrow one is drawn about as wide as a phone shows it.
"""

import math
from dataclasses import dataclass

from django.utils.formats import get_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .statistics import Summary

PAD_X = 24
BRAND, DARK, MUTED, LINE, WASH = "#1f5f8b", "#174a6d", "#5b6b7c", "#d9e0e7", "#e8f1f8"
DOT_R = 4


@dataclass(frozen=True)
class Frame:
    """A variant's drawing width (SVG units), how many ticks an axis aims at, the labels' size, and the
    time series' room for its value labels and between its axis and its first and last period."""

    name: str
    width: int
    ticks: int
    font: int
    series_left: int
    series_inset: int


# The narrow frame is about the width of a report card on a 390 px phone (330 px), so one unit is
# about one pixel there and a label is about 12 px; the wide one fills the 1100 px page.
WIDE = Frame("wide", 640, 5, 11, series_left=56, series_inset=30)
NARROW = Frame("narrow", 320, 4, 12, series_left=44, series_inset=16)


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values (1, 2 or 5 times a power of ten) covering [lo, hi]."""
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.ceil(lo / step) * step
    ticks, t = [], first
    while t <= hi + step * 1e-9:
        ticks.append(round(t, 12))
        t += step
    return ticks


def compact(value: float) -> str:
    """A short tick label in the reader's language: 1.5k, 2M, 0.25 (Estonian: 1,5k, 2M, 0,25)."""
    a = abs(value)
    for limit, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if a >= limit:
            return _localized(f"{value / limit:.3g}") + suffix
    return _localized(f"{value:.3g}")


def _localized(number: str) -> str:
    return number.replace(".", get_format("DECIMAL_SEPARATOR"))


def _padded(lo: float, hi: float) -> tuple[float, float]:
    if hi == lo:
        spread = abs(lo) * 0.1 or 1.0
        return lo - spread, hi + spread
    pad = (hi - lo) * 0.04
    return lo - pad, hi + pad


class _Scale:
    def __init__(self, lo: float, hi: float, start: float, end: float):
        self.lo, self.hi, self.start, self.end = lo, hi, start, end

    def __call__(self, v: float) -> float:
        return round(self.start + (v - self.lo) / (self.hi - self.lo) * (self.end - self.start), 2)


def _svg(frame: Frame, height: int, label: str, body: list[str]) -> str:
    head = (f'<svg class="chart chart-{frame.name}" xmlns="http://www.w3.org/2000/svg" '
            f'viewBox="0 0 {frame.width} {height}" width="100%" role="img" aria-label="{escape(label)}" '
            f'font-family="system-ui, sans-serif" font-size="{frame.font}">')
    return head + f"<title>{escape(label)}</title>" + "".join(body) + "</svg>"


def _both(draw) -> SafeString:
    """The wide and the narrow drawing of one chart (`draw(frame)` returns an <svg>)."""
    return mark_safe(draw(WIDE) + draw(NARROW))  # noqa: S308 - every text inside went through escape()


def distribution_svg(values: list[float], summary: Summary, label: str) -> SafeString:
    """Every value as a dot, ties stacked, above a box plot on the same axis."""
    return _both(lambda frame: _distribution(values, summary, label, frame))


def _distribution(values: list[float], summary: Summary, label: str, frame: Frame) -> str:
    lo, hi = _padded(float(summary.min), float(summary.max))
    width = frame.width
    x = _Scale(lo, hi, PAD_X, width - PAD_X)
    stacks: dict[float, int] = {}
    dots = []
    for v in values:
        px = x(float(v))
        slot = round(px / (2 * DOT_R))  # dots closer than a diameter share a column
        level = stacks.get(slot, 0)
        stacks[slot] = level + 1
        dots.append((px, level))
    tallest = max(stacks.values())
    dot_top = 10
    dot_base = dot_top + tallest * (2 * DOT_R + 1)
    box_top, box_bottom = dot_base + 14, dot_base + 42
    mid = (box_top + box_bottom) / 2
    axis_y = box_bottom + 14
    height = axis_y + 22
    body = [f'<rect x="0" y="0" width="{width}" height="{height}" fill="#fff"/>']
    for t in nice_ticks(lo, hi, frame.ticks):
        tx = x(t)
        body.append(f'<line x1="{tx}" y1="{dot_top - 4}" x2="{tx}" y2="{axis_y}" stroke="{LINE}"/>')
        body.append(f'<text x="{tx}" y="{axis_y + 14}" text-anchor="middle" fill="{MUTED}">'
                    f"{escape(compact(t))}</text>")
    body.append(f'<line x1="{PAD_X}" y1="{axis_y}" x2="{width - PAD_X}" y2="{axis_y}" stroke="{MUTED}"/>')
    for px, level in dots:
        cy = dot_base - DOT_R - level * (2 * DOT_R + 1)
        body.append(f'<circle cx="{px}" cy="{cy}" r="{DOT_R}" fill="{BRAND}" fill-opacity=".75"/>')
    q1, med, q3 = x(float(summary.q1)), x(float(summary.median)), x(float(summary.q3))
    mn, mx, mean = x(float(summary.min)), x(float(summary.max)), x(float(summary.mean))
    body += [
        f'<line x1="{mn}" y1="{mid}" x2="{q1}" y2="{mid}" stroke="{DARK}"/>',
        f'<line x1="{q3}" y1="{mid}" x2="{mx}" y2="{mid}" stroke="{DARK}"/>',
        f'<line x1="{mn}" y1="{mid - 7}" x2="{mn}" y2="{mid + 7}" stroke="{DARK}"/>',
        f'<line x1="{mx}" y1="{mid - 7}" x2="{mx}" y2="{mid + 7}" stroke="{DARK}"/>',
        f'<rect x="{q1}" y="{box_top}" width="{max(q3 - q1, 1)}" height="{box_bottom - box_top}" '
        f'fill="{WASH}" stroke="{DARK}"/>',
        f'<line x1="{med}" y1="{box_top}" x2="{med}" y2="{box_bottom}" stroke="{DARK}" stroke-width="3"/>',
        f'<path d="M{mean} {mid - 5} L{mean + 5} {mid} L{mean} {mid + 5} L{mean - 5} {mid} Z" '
        f'fill="#fff" stroke="{DARK}"/>',
    ]
    return _svg(frame, height, label, body)


def time_series_svg(period_names: list[str], rows: list[list[float | None]], medians: list[float | None],
                    label: str) -> SafeString:
    """`rows`: one list per company, one value (or None) per period, oldest first."""
    return _both(lambda frame: _time_series(period_names, rows, medians, label, frame))


def label_step(names: list[str], spacing: float, font: int) -> int:
    """Label every k-th period (the latest always) so that names do not overlap: k for `spacing` units
    between periods, a name's width estimated at 0.6 em per character."""
    widest = max((len(n) for n in names), default=0) * font * 0.6
    return max(1, math.ceil((widest + font) / spacing)) if spacing > 0 else 1


def _time_series(period_names, rows, medians, label: str, frame: Frame) -> str:
    present = [v for row in rows for v in row if v is not None]
    width = frame.width
    height, top, bottom, left, inset = 220, 12, 186, frame.series_left, frame.series_inset
    if not present:
        return _svg(frame, height, label, [])
    lo, hi = _padded(min(present), max(present))
    n = len(period_names)
    x = _Scale(0, max(n - 1, 1), left + inset, width - PAD_X - inset)
    y = _Scale(lo, hi, bottom, top)
    body = [f'<rect x="0" y="0" width="{width}" height="{height}" fill="#fff"/>']
    for t in nice_ticks(lo, hi, frame.ticks):
        body.append(f'<line x1="{left}" y1="{y(t)}" x2="{width - PAD_X}" y2="{y(t)}" stroke="{LINE}"/>')
        body.append(f'<text x="{left - 6}" y="{y(t) + 4}" text-anchor="end" fill="{MUTED}">'
                    f"{escape(compact(t))}</text>")
    step = label_step(period_names, x(1) - x(0), frame.font) if n > 1 else 1
    for i, name in enumerate(period_names):
        if (n - 1 - i) % step == 0:
            body.append(f'<text x="{x(i)}" y="{bottom + 20}" text-anchor="middle" fill="{MUTED}">'
                        f"{escape(name)}</text>")

    def polylines(series, attrs):
        run: list[str] = []
        out = []
        for i, v in enumerate([*series, None]):
            if v is None:
                if len(run) > 1:
                    out.append(f'<polyline points="{" ".join(run)}" fill="none" {attrs}/>')
                elif run:
                    cx, cy = run[0].split(",")
                    out.append(f'<circle cx="{cx}" cy="{cy}" r="2.5" fill="{BRAND}" fill-opacity=".5"/>')
                run = []
            else:
                run.append(f"{x(i)},{y(v)}")
        return out

    for row in rows:
        body += polylines(row, f'stroke="{BRAND}" stroke-opacity=".35" stroke-width="1.5"')
    body += polylines(medians, f'stroke="{DARK}" stroke-width="3"')
    for i, m in enumerate(medians):
        if m is not None:
            body.append(f'<circle cx="{x(i)}" cy="{y(m)}" r="4" fill="{DARK}"/>')
    return _svg(frame, height, label, body)
