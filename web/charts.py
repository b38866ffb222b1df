"""Server-rendered SVG pictures: score distribution, openness by organization, over time.

Plain SVG built from escaped strings; colours come from presentation attributes (the
Content-Security-Policy allows no inline styles or scripts), text labels carry every value
so the charts read without colour, and each chart has a <title> and <desc>. The pages
also show the same numbers as a table.
"""

from __future__ import annotations

from html import escape

BAR = "#1f5fa8"
GRID = "#c9c9c9"
TEXT = "#1a1a1a"
FONT = 'font-family="system-ui, sans-serif" font-size="12"'


def _svg(width: int, height: int, title: str, desc: str, body: list[str], chart_id: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" class="chart">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>' + "".join(body) + "</svg>"
    )


def distribution_svg(buckets: list[tuple[float, int]]) -> str:
    """Models per total score (v1 totals are multiples of 12.5)."""
    width, height, left, bottom, top = 640, 260, 48, 40, 16
    if not buckets:
        return _svg(
            width,
            80,
            "Score distribution",
            "No scores yet.",
            [f'<text x="10" y="40" {FONT} fill="{TEXT}">No scores yet.</text>'],
            "dist",
        )
    peak = max(n for _, n in buckets) or 1
    slot = (width - left - 10) / len(buckets)
    plot_h = height - bottom - top
    body = [
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" stroke="{GRID}"/>'
    ]
    for i, (total, n) in enumerate(buckets):
        h = plot_h * n / peak
        x = left + i * slot + slot * 0.15
        y = height - bottom - h
        body.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}" fill="{BAR}">'
            f"<title>{total:g} points: {n} models</title></rect>"
        )
        body.append(
            f'<text x="{x + slot * 0.35:.1f}" y="{y - 4:.1f}" text-anchor="middle" {FONT} '
            f'fill="{TEXT}">{n}</text>'
        )
        body.append(
            f'<text x="{x + slot * 0.35:.1f}" y="{height - bottom + 16}" text-anchor="middle" {FONT} '
            f'fill="{TEXT}">{total:g}</text>'
        )
    body.append(
        f'<text x="{width / 2:.0f}" y="{height - 6}" text-anchor="middle" {FONT} fill="{TEXT}">'
        "total openness score (0-100)</text>"
    )
    desc = "; ".join(f"{total:g}: {n} models" for total, n in buckets)
    return _svg(width, height, "How many models reach each total score", desc, body, "dist")


def organizations_svg(rows: list[dict]) -> str:
    """Mean total per organization (horizontal bars), with the number of models."""
    row_h, left, width = 24, 230, 640
    height = 30 + row_h * max(len(rows), 1)
    if not rows:
        return _svg(
            width,
            80,
            "Openness by organization",
            "No data.",
            [f'<text x="10" y="40" {FONT} fill="{TEXT}">No data yet.</text>'],
            "orgs",
        )
    body = []
    plot_w = width - left - 70
    for i, row in enumerate(rows):
        y = 10 + i * row_h
        w = plot_w * (row["mean"] or 0) / 100
        name = escape(row["organization_name"])
        body.append(f'<text x="{left - 8}" y="{y + 15}" text-anchor="end" {FONT} fill="{TEXT}">{name}</text>')
        body.append(
            f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" fill="{BAR}">'
            f"<title>{name}: mean {row['mean']:.1f} over {row['models']} models</title></rect>"
        )
        body.append(
            f'<text x="{left + w + 6:.1f}" y="{y + 15}" {FONT} fill="{TEXT}">{row["mean"]:.1f} '
            f"({row['models']})</text>"
        )
    desc = "; ".join(f"{r['organization_name']}: {r['mean']:.1f} over {r['models']} models" for r in rows)
    return _svg(
        width, height, "Mean openness score of each organization's notable models", desc, body, "orgs"
    )


def over_time_svg(rows: list[dict]) -> str:
    """Mean total of the models released in each quarter."""
    width, height, left, bottom, top = 640, 260, 48, 48, 16
    if not rows:
        return _svg(
            width,
            80,
            "Openness over time",
            "No data.",
            [f'<text x="10" y="40" {FONT} fill="{TEXT}">No data yet.</text>'],
            "time",
        )
    plot_w, plot_h = width - left - 20, height - bottom - top
    step = plot_w / max(len(rows) - 1, 1)
    points = []
    body = [
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 20}" y2="{height - bottom}" '
        f'stroke="{GRID}"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}" stroke="{GRID}"/>',
    ]
    for value in (0, 50, 100):
        y = height - bottom - plot_h * value / 100
        body.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" {FONT} fill="{TEXT}">{value}</text>'
        )
    label_every = max(1, len(rows) // 8)
    for i, row in enumerate(rows):
        x = left + i * step if len(rows) > 1 else left + plot_w / 2
        y = height - bottom - plot_h * (row["mean"] or 0) / 100
        points.append(f"{x:.1f},{y:.1f}")
        quarter = row["quarter"]
        label = f"{quarter.year} Q{(quarter.month - 1) // 3 + 1}"
        body.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{BAR}"><title>{label}: mean {row["mean"]:.1f} '
            f"over {row['models']} models</title></circle>"
        )
        if i % label_every == 0:
            body.append(
                f'<text x="{x:.1f}" y="{height - bottom + 16}" text-anchor="middle" {FONT} '
                f'fill="{TEXT}">{label}</text>'
            )
    body.insert(2, f'<polyline points="{" ".join(points)}" fill="none" stroke="{BAR}" stroke-width="2"/>')
    body.append(
        f'<text x="{width / 2:.0f}" y="{height - 8}" text-anchor="middle" {FONT} fill="{TEXT}">'
        "release quarter (Hub creation date)</text>"
    )
    desc = "; ".join(f"{r['quarter']}: {r['mean']:.1f} over {r['models']} models" for r in rows)
    return _svg(width, height, "Mean openness score by release quarter", desc, body, "time")


def history_svg(points: list[tuple]) -> str:
    """A model's total over time (one point per recorded change)."""
    width, height, left, bottom, top = 640, 200, 40, 36, 12
    if not points:
        return _svg(
            width,
            60,
            "Score history",
            "No recorded changes yet.",
            [f'<text x="10" y="34" {FONT} fill="{TEXT}">No recorded changes yet.</text>'],
            "hist",
        )
    plot_w, plot_h = width - left - 20, height - bottom - top
    start, end = points[0][0], points[-1][0]
    span = max((end - start).total_seconds(), 1.0)
    body = [
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 20}" y2="{height - bottom}" stroke="{GRID}"/>'
    ]
    for value in (0, 50, 100):
        y = height - bottom - plot_h * value / 100
        body.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" {FONT} fill="{TEXT}">{value}</text>'
        )
    coords = []
    previous_y = None
    for moment, total in points:
        x = left + plot_w * ((moment - start).total_seconds() / span if len(points) > 1 else 0.5)
        y = height - bottom - plot_h * total / 100
        if previous_y is not None:
            coords.append(f"{x:.1f},{previous_y:.1f}")  # a step: the score holds until it changes
        coords.append(f"{x:.1f},{y:.1f}")
        previous_y = y
        body.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{BAR}"><title>{moment:%Y-%m-%d}: '
            f"{total:g}</title></circle>"
        )
    body.insert(1, f'<polyline points="{" ".join(coords)}" fill="none" stroke="{BAR}" stroke-width="2"/>')
    body.append(f'<text x="{left}" y="{height - 10}" {FONT} fill="{TEXT}">{start:%Y-%m-%d}</text>')
    body.append(
        f'<text x="{width - 20}" y="{height - 10}" text-anchor="end" {FONT} fill="{TEXT}">'
        f"{end:%Y-%m-%d}</text>"
    )
    desc = "; ".join(f"{m:%Y-%m-%d}: {t:g}" for m, t in points)
    return _svg(width, height, "Total score over time", desc, body, "hist")
