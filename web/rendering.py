"""The leaderboard's table body, rendered in Python.

The leaderboard is the most requested page; 50 rows of 15 cells through the template
engine cost more than everything else the request does. This writes the same markup with
one format string per row. Every value from the catalog goes through ``escape``.
"""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from web.templatetags.openness import MOF_NAMES, compact, level_mark

ROW = (
    '<tr><td><input type="checkbox" name="m" value="{repo}" id="cmp-{pk}" class="compare-box">'
    '<label for="cmp-{pk}" class="visually-hidden">Compare {repo}</label></td>'
    '<td class="num">{rank}</td>'
    '<td class="model"><a href="/models/{repo}/">{repo}</a>{derivative}</td>'
    "<td>{org}</td><td>{w}</td><td>{d}</td><td>{c}</td><td>{lic}</td>"
    '<td class="num total">{total:.1f}</td><td>{mof}</td>'
    '<td class="license-label">{label}{conflict}</td>'
    '<td class="num">{params}</td><td>{modality}</td><td class="num">{downloads}</td><td>{crawled}</td></tr>'
)
DERIVATIVE = ' <span class="tag">derivative</span>'
CONFLICT = ' <span class="tag warn">conflict</span>'


def _truncate(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def board_rows(rows, first_rank: int) -> SafeString:
    out = []
    for offset, row in enumerate(rows):
        repo = escape(row.repo_id)
        out.append(
            ROW.format(
                repo=repo,
                pk=row.pk,
                rank=first_rank + offset,
                derivative=DERIVATIVE if row.is_derivative else "",
                org=escape(row.organization_name),
                w=level_mark(row.weights),
                d=level_mark(row.training_data),
                c=level_mark(row.training_code),
                lic=level_mark(row.license),
                total=row.total,
                mof=MOF_NAMES.get(row.mof_class, "none"),
                label=escape(_truncate(row.license_label, 40)),
                conflict=CONFLICT if row.has_license_conflict else "",
                params=compact(row.parameters),
                modality=escape(row.modality) or "–",
                downloads=compact(row.downloads),
                crawled=row.last_crawled_at.strftime("%Y-%m-%d") if row.last_crawled_at else "–",
            )
        )
    return mark_safe("".join(out))  # noqa: S308 - every interpolated catalog value is escaped above
