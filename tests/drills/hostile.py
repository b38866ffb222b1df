"""The hostile corpus (issue 17): text an attacker controls, for every place it can enter.

Every script payload sets ``window.__pwned`` (or calls ``alert``), so a browser that runs any
of them is caught by one check; the HTML assertions look for the raw markup. The same strings
go into model cards (READMEs), card metadata (licence strings, dataset names, base models,
tags), correction notes and rationales, and - through ``hostile_report_texts()`` - the public
"report a problem" form once it exists (add its submission to ``tests/drills/test_hostile_corpus.py``
with these texts; nothing here needs to change).
"""

from __future__ import annotations

PWN = "window.__pwned=1"
SVG_SCRIPT = f'<svg xmlns="http://www.w3.org/2000/svg" onload="{PWN}"><script>{PWN}</script></svg>'
DATA_HTML = "data:text/html;base64,PHNjcmlwdD53aW5kb3cuX19wd25lZD0xPC9zY3JpcHQ+"

PAYLOADS = [
    f"<script>{PWN}</script>",
    f'<img src=x onerror="{PWN}">',
    f"<img src=x onerror={PWN}>",
    f'"><script>{PWN}</script>',
    f"'><img src=x onerror={PWN}>",
    f"</textarea></title></style><script>{PWN}</script>",
    SVG_SCRIPT,
    f'<a href="javascript:{PWN}">js link</a>',
    f'<a href="JaVaScRiPt&#58;{PWN}">encoded js link</a>',
    f'<a href="{DATA_HTML}">data link</a>',
    f"[markdown js](javascript:{PWN})",
    f"[markdown data]({DATA_HTML})",
    f"![svg image](data:image/svg+xml;base64,{'PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+'})",
    '<iframe srcdoc="<script>parent.__pwned=1</script>"></iframe>',
    f'<object data="javascript:{PWN}"></object>',
    f'<form action="javascript:{PWN}"><button>go</button></form>',
    f'<meta http-equiv="refresh" content="0;url=javascript:{PWN}">',
    f"<style>body{{background:url(javascript:{PWN})}}</style>",
    f'<div style="background-image:url(javascript:{PWN});width:expression({PWN})">css</div>',
    "<style>@import url(https://evil.example/x.css);*{display:none!important}</style>",
    f"<math><mtext><table><mglyph><style><img src=x onerror={PWN}>",  # mutation XSS
    f'<noscript><p title="</noscript><img src=x onerror={PWN}>">',
    "{{ 7|add:7 }} {% now 'Y' %} ${7*7} <%= 7*7 %>",  # template injection: must stay text
    f"<details open ontoggle={PWN}>",
    f'<body onload="{PWN}">',
]
# look-alike and direction tricks: shown as text, never mistaken for markup
HOMOGLYPH = "\u043epenai"  # Cyrillic o: looks like "openai"
RTL_OVERRIDE = "evil\u202egnp.exe"  # renders as "evilexe.png"
ONE_LINE_MEGABYTE = "A" * (1024 * 1024 - 64) + f"<script>{PWN}</script>"

CARD = (
    "# Hostile card\n\n"
    + "\n\n".join(PAYLOADS)
    + f"\n\nLook-alikes: {HOMOGLYPH} and {RTL_OVERRIDE}\n\n[a fine link](https://example.org/paper)\n"
)
LICENSE_NAME = f"<script>{PWN}</script><b onmouseover={PWN}>Evil License {RTL_OVERRIDE}</b>"
DATASET_NAMES = [f"<img src=x onerror={PWN}>", f"javascript:{PWN}", HOMOGLYPH, RTL_OVERRIDE]
NOTE = f"<img src=x onerror={PWN}> note {RTL_OVERRIDE} javascript:{PWN}"
RATIONALE = f"<script>{PWN}</script> weights are <i onclick={PWN}>public</i> {HOMOGLYPH}"


def hostile_report_texts() -> list[str]:
    """Texts for the public "report a problem" form: every payload, the look-alikes, one long line."""
    return [*PAYLOADS, HOMOGLYPH, RTL_OVERRIDE, ONE_LINE_MEGABYTE[-2000:]]


def raw_markers() -> list[str]:
    """Openings of markup that appear in a page only if a payload went through unescaped."""
    return [
        "<script>window",
        "<script>parent",
        "<img src=x",
        "<iframe",
        "<object",
        '<svg xmlns="http://www.w3.org/2000/svg" onload',
        '<meta http-equiv="refresh"',
        "<style>body",
        "<style>@import",
        "<math>",
        "<details open",
        "<body onload",
        "<div style=",
        "<b onmouseover",
        "<i onclick",
        "<form action=",
    ]
