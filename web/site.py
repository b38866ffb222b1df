"""The site's public address and how to cite it.

``settings.SITE_URL`` (env ``SITE_URL``; the demo's http://127.0.0.1:8000 by default) is the
one place the address lives: badge Markdown, citations, exports, the dump, the sitemap and
social-preview tags all build absolute URLs here, so nothing hard-codes a host.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from django.conf import settings

TITLE = "Openness Index"
DATA_LICENSE_NAME = "CC BY 4.0"


def absolute_url(path: str) -> str:
    """``path`` (starting with /) on the public site."""
    return settings.SITE_URL.rstrip("/") + path


def model_path(repo_id: str) -> str:
    return "/models/" + quote(repo_id, safe="/") + "/"


def org_path(name: str) -> str:
    return "/org/" + quote(name, safe="") + "/"


def citation(
    *, version: str, on: dt.date, subject: str | None = None, path: str = "/data/"
) -> dict[str, str]:
    """How to cite the state of the index (or one model's judgments, ``subject``) on a date,
    as APA-style text and a BibTeX entry; the methodology version pins what the levels mean."""
    url = absolute_url(path)
    what = f"{subject}: openness judgments" if subject else "Openness of AI models on the Hugging Face Hub"
    apa = (
        f"{TITLE}. ({on.year}). {what} as of {on.isoformat()} (methodology v{version}) [Data set]. "
        f"Licensed {DATA_LICENSE_NAME}. {url}"
    )
    key = "openness_index_" + (
        "".join(c if c.isalnum() else "_" for c in subject).strip("_") + "_" if subject else ""
    )
    key += on.strftime("%Y_%m_%d")
    bibtex = (
        f"@misc{{{key},\n"
        f"  author = {{{{{TITLE}}}}},\n"
        f"  title = {{{what} (methodology v{version})}},\n"
        f"  year = {{{on.year}}},\n"
        f"  note = {{State of the index on {on.isoformat()}; data licensed {DATA_LICENSE_NAME}}},\n"
        f"  url = {{{url}}},\n"
        f"  urldate = {{{on.isoformat()}}}\n"
        "}"
    )
    return {"apa": apa, "bibtex": bibtex, "url": url, "date": on.isoformat(), "version": version}
