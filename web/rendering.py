"""The leaderboard's table body, rendered in Python.

The leaderboard is the most requested page; 50 rows of 15 cells through the template
engine cost more than everything else the request does. This writes the same markup with
one format string per row (one level cell per dimension of ``scoring.dimensions``). Every
value from the catalog goes through ``escape_text``: the standard library's ``html.escape``,
which Django's ``escape`` calls underneath (same output), without the lazy-text wrapper that
cost more than the escaping at several hundred calls a page.
"""

from __future__ import annotations

from functools import lru_cache
from html import escape as escape_text
from operator import attrgetter
from typing import Any

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from scoring import dimensions
from scoring.freshness import is_stale
from scoring.levels import UNKNOWN
from web.site import org_path
from web.templatetags.openness import MARKS, MOF_NAMES, compact, level_mark

ROW = (
    '<tr><td class="pick"><input type="checkbox" name="m" value="{repo}" id="cmp-{pk}" class="compare-box">'
    '<label for="cmp-{pk}" class="visually-hidden">Compare {repo}</label></td>'
    '<td class="num rank">{rank}</td>'
    '<td class="model"><a href="/models/{repo}/">{repo}</a>{derivative}</td>'
    '<td class="org">{org}</td>{levels}'
    '<td class="num total">{total:.1f}</td><td class="mof">{mof}</td>'
    '<td class="license-label">{label}{conflict}</td>'
    '<td class="num params">{params}</td><td class="modality">{modality}</td>'
    '<td class="num downloads">{downloads}</td><td class="crawled">{crawled}</td></tr>'
)
DERIVATIVE = ' <span class="tag">derivative</span>'
CONFLICT = ' <span class="tag warn">conflict</span>'
# one cell per dimension, in registry order (the level columns of scoring.dimensions)
_levels = attrgetter(*dimensions.COLUMNS)
# the dimension's heading rides along (data-label) for the phone layout, where rows are cards
_CELLS = [
    {
        level: f'<td class="lvl" data-label="{escape_text(d.heading)}">{level_mark(level)}</td>'
        for level in MARKS
    }
    for d in dimensions.ALL
]
# text filters offered as pick lists of the values present (the datalists of ``pick_lists``)
PICK_LISTS = {"license": "license-families", "organization": "organizations"}
BOARD_COLUMNS = ROW.count("<td") + len(dimensions.ALL)  # the empty table's colspan


_CORRECTED_CELLS = [
    {
        level: f'<td class="lvl corrected" data-label="{escape_text(d.heading)}">{level_mark(level)}'
        '<span class="corrected-mark" title="set by an approved correction; the page shows the crawled '
        'value beside it">corrected</span></td>'
        for level in MARKS
    }
    for d in dimensions.ALL
]
_KEYS = tuple(d.key for d in dimensions.ALL)


def _level_cells(row, corrected: frozenset[str] = frozenset()) -> str:
    levels = _levels(row)
    if not isinstance(levels, tuple):  # attrgetter of a single name returns the value itself
        levels = (levels,)
    # any other value shows as unknown, as level_mark shows it
    return "".join(
        [
            _cell(corrected_cells if key in corrected else cells, level)
            for cells, corrected_cells, key, level in zip(
                _CELLS, _CORRECTED_CELLS, _KEYS, levels, strict=True
            )
        ]
    )


def _cell(cells: dict[str, str], level: str) -> str:
    return cells.get(level, cells[UNKNOWN])


def _truncate(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


STALE = ' <span class="stale" title="older than the freshness window">stale</span>'


def rank_text(ranks: dict, total: float) -> str:
    """A competition rank by total ("=1" when shared); a dash when it is not known."""
    if total not in ranks:
        return "–"
    rank, tied = ranks[total]
    return f"={rank}" if tied else str(rank)


def _org_cell(name: str) -> str:
    if not name:
        return "–"
    return f'<a href="{escape_text(org_path(name))}">{escape_text(name)}</a>'


def board_rows(rows, ranks: dict, corrected: dict[int, frozenset[str]] | None = None) -> SafeString:
    """The rows' markup; ``corrected`` (score id -> dimension keys) marks corrected cells."""
    corrected = corrected or {}
    out = []
    now = timezone.now()
    for row in rows:
        repo = escape_text(row.repo_id)
        out.append(
            ROW.format(
                repo=repo,
                pk=row.id,
                rank=rank_text(ranks, row.total),
                derivative=DERIVATIVE if row.is_derivative else "",
                org=_org_cell(row.organization_name),
                levels=_level_cells(row, corrected.get(row.id, frozenset())),
                total=row.total,
                mof=MOF_NAMES.get(row.mof_class, "none"),
                label=escape_text(_truncate(row.license_label, 40)),
                conflict=CONFLICT if row.has_license_conflict else "",
                params=compact(row.parameters),
                modality=escape_text(row.modality) or "–",
                downloads=compact(row.downloads),
                crawled=(row.last_crawled_at.strftime("%Y-%m-%d") if row.last_crawled_at else "–")
                + (STALE if is_stale(row.last_crawled_at, now=now) else ""),
            )
        )
    return mark_safe("".join(out))  # noqa: S308 - every interpolated catalog value is escaped above


@lru_cache(maxsize=64)
def _options(field: Any) -> tuple[tuple[str, str, str], ...]:
    """(value, option, option selected) of each choice of a shared, read-only form field
    (scoring.filters): escaped once per process, not once per request."""
    choices: Any = field.choices  # normalised to (value, label) pairs by the field
    out = []
    for v, label in choices:
        head = f'<option value="{escape_text(str(v))}"'
        tail = f">{escape_text(str(label))}</option>"
        out.append((str(v), head + tail, head + " selected" + tail))
    return tuple(out)


def _filter_control(name: str, field: Any, value: str) -> str:
    from django import forms

    attrs = f'name="{name}" id="id_{name}"'
    if isinstance(field, forms.ChoiceField):
        options = "".join(selected if v == value else plain for v, plain, selected in _options(field))
        return f"<select {attrs}>{options}</select>"
    kind = "date" if isinstance(field, forms.DateField) else getattr(field.widget, "input_type", "text")
    extra = ' maxlength="100"' if kind == "text" else ""
    if name in PICK_LISTS:
        extra += f' list="{PICK_LISTS[name]}" autocomplete="off"'
    return f'<input type="{kind}" {attrs} value="{escape_text(value)}"{extra}>'


def filter_grid(form) -> SafeString:
    """The leaderboard's filter controls, one labelled control per filter of the form, with the
    request's values filled in. Written here rather than through each widget's templates: a
    dozen selects of options cost the template engine more than the rest of the page. Filter
    names are the form's own identifiers; labels, choices and values are escaped."""
    data = form.data if hasattr(form.data, "get") else {}
    cells = []
    for name, field in form.fields.items():
        value = str(data.get(name, "") or "")
        label = escape_text(str(field.label or name))
        cells.append(
            f'<div class="filter-field"><label for="id_{name}">{label}</label>'
            f"{_filter_control(name, field, value)}</div>"
        )
    return mark_safe('<div class="filter-grid">' + "".join(cells) + "</div>")  # noqa: S308 - escaped above


def _models(n: int) -> str:
    return f"{n:,} model{'s' if n != 1 else ''}"


def pick_lists(license_families: list[dict], organization_counts: list[tuple[str, int]]) -> SafeString:
    """The leaderboard's two datalists (licence families, organizations), written here rather
    than by the template engine: hundreds of options cost more in templates than the rest of
    the page. Cached by the caller per data version."""
    families = []
    for fam in license_families:
        keys = ", ".join(fam["keys"])
        extra = f": {_truncate(keys, 80)}" if len(fam["keys"]) > 1 else ""
        value = escape_text(fam["family"])
        families.append(f'<option value="{value}">{_models(fam["count"])}{escape_text(extra)}</option>')
    orgs = [f'<option value="{escape_text(name)}">{_models(n)}</option>' for name, n in organization_counts]
    return mark_safe(  # noqa: S308 - every value above is escaped
        '<datalist id="license-families">' + "".join(families) + "</datalist>\n"
        '<datalist id="organizations">' + "".join(orgs) + "</datalist>"
    )
