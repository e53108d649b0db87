"""Charts as server-rendered SVG (no JavaScript library): grouped bars per OPD, the 9-box
grid (each box a link), and a small trend line."""

from collections.abc import Sequence
from html import escape
from typing import Any

from tatamutasi_web.fmt import number
from tatamutasi_web.i18n import t

# DOMAIN.md §4.1: rows from high potential to low, columns from low to high performance.
NINEBOX_ROWS: tuple[tuple[str, tuple[int, int, int]], ...] = (
    ("tinggi", (6, 8, 9)),
    ("menengah", (3, 5, 7)),
    ("rendah", (1, 2, 4)),
)
NINEBOX_COLS = ("di_bawah", "sesuai", "di_atas")
_BOX_FILL = {
    1: "#f4c7c3",
    2: "#fce8b2",
    3: "#fce8b2",
    4: "#fff4c2",
    5: "#fff4c2",
    6: "#fff4c2",
    7: "#b7e1cd",
    8: "#b7e1cd",
    9: "#7fcba4",
}

SERIES = (
    ("need", "#5b7bd5"),
    ("filled", "#3a9d5d"),
    ("vacant", "#d9534f"),
    ("retiring", "#f0ad4e"),
)


def gap_bars(rows: Sequence[dict[str, Any]], lang: str) -> str:
    """Horizontal grouped bars: per OPD, need / filled / vacant / retiring soon."""
    label_w, bar_h, gap, width = 340, 11, 12, 980
    group_h = bar_h * len(SERIES) + gap
    top = 34
    height = top + group_h * max(1, len(rows)) + 10
    peak = max([1] + [int(r.get(k) or 0) for r in rows for k, _ in SERIES])
    scale = (width - label_w - 60) / peak
    title = t("gaps.chart", lang)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="gapchart-title">',
        f'<title id="gapchart-title">{escape(title)}</title>',
    ]
    x = label_w
    for key, colour in SERIES:
        out.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{colour}"/>')
        out.append(
            f'<text x="{x + 16}" y="16" font-size="12">{escape(t("gaps." + key, lang))}</text>'
        )
        x += 150
    for i, row in enumerate(rows):
        y0 = top + i * group_h
        name = str(row.get("name") or row.get("key") or "")
        out.append(
            f'<text x="{label_w - 8}" y="{y0 + group_h / 2}" font-size="12" text-anchor="end">'
            f"{escape(name if len(name) <= 48 else name[:47] + '…')}</text>"
        )
        for j, (key, colour) in enumerate(SERIES):
            v = int(row.get(key) or 0)
            y = y0 + j * bar_h
            w = max(0.0, v * scale)
            label = f"{name}: {t('gaps.' + key, lang)} {number(v, lang)}"
            out.append(
                f'<rect class="bar bar-{key}" x="{label_w}" y="{y}" width="{w:.1f}" '
                f'height="{bar_h - 2}" fill="{colour}"><title>{escape(label)}</title></rect>'
            )
            out.append(
                f'<text x="{label_w + w + 4:.1f}" y="{y + bar_h - 3}" font-size="10">'
                f"{number(v, lang)}</text>"
            )
    out.append("</svg>")
    return "".join(out)


def ninebox_grid(counts: dict[int, int], href: str, selected: int | None, lang: str) -> str:
    """The 3×3 grid; each box is a keyboard-focusable link to its list of employees."""
    cell, left, top = 150, 110, 10
    width, height = left + 3 * cell + 10, top + 3 * cell + 60
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart ninebox" viewBox="0 0 {width} '
        f'{height}" width="{width}" role="img" aria-labelledby="nb-title">',
        f'<title id="nb-title">{escape(t("nb.title", lang))}</title>',
    ]
    for r, (potential, boxes) in enumerate(NINEBOX_ROWS):
        y = top + r * cell
        out.append(
            f'<text x="{left - 8}" y="{y + cell / 2}" font-size="13" text-anchor="end">'
            f"{escape(t('nb.pot.' + potential, lang))}</text>"
        )
        for c, box in enumerate(boxes):
            x = left + c * cell
            n = counts.get(box, 0)
            label = f"{t('nb.box', lang)} {box}: {number(n, lang)} {t('nb.people', lang)}"
            stroke = (
                ' stroke="#1a1a1a" stroke-width="4"'
                if selected == box
                else ' stroke="#fff" stroke-width="2"'
            )
            out.append(
                f'<a href="{escape(href)}{box}" aria-label="{escape(label)}" class="nb-box" '
                f'data-box="{box}"><rect x="{x}" y="{y}" width="{cell}" height="{cell}" '
                f'fill="{_BOX_FILL[box]}"{stroke}/>'
                f'<text x="{x + 10}" y="{y + 22}" font-size="13">'
                f"{escape(t('nb.box', lang))} {box}</text>"
                f'<text x="{x + cell / 2}" y="{y + cell / 2 + 16}" font-size="40" '
                f'text-anchor="middle" font-weight="bold">{number(n, lang)}</text></a>'
            )
    for c, perf in enumerate(NINEBOX_COLS):
        out.append(
            f'<text x="{left + c * cell + cell / 2}" y="{top + 3 * cell + 20}" font-size="13" '
            f'text-anchor="middle">{escape(t("nb.perf." + perf, lang))}</text>'
        )
    out.append(
        f'<text x="{left + 1.5 * cell}" y="{top + 3 * cell + 45}" font-size="14" '
        f'text-anchor="middle" font-weight="bold">{escape(t("nb.performance", lang))} →</text>'
    )
    out.append("</svg>")
    return "".join(out)


def sparkline(values: Sequence[float], label: str, width: int = 240, height: int = 50) -> str:
    if not values:
        values = [0]
    lo, hi = min(values), max(values)
    span = (hi - lo) or 1
    step = width / max(1, len(values) - 1)
    pts = " ".join(
        f"{i * step:.1f},{height - 4 - (v - lo) / span * (height - 8):.1f}"
        for i, v in enumerate(values)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'height="{height}" preserveAspectRatio="none" role="img" aria-label="{escape(label)}">'
        f'<polyline fill="none" '
        f'stroke="#5b7bd5" stroke-width="2" points="{pts}"/></svg>'
    )
