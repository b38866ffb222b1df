"""Direction controls and look-alike words in untrusted text are made visible, not removed."""

from __future__ import annotations

import pytest

from lib import display
from web.middleware import reveal

RTL = "evil\u202egnp.exe"  # reads "evilexe.png"
CYRILLIC_O = "\u043epenai"  # reads "openai"


def test_a_direction_override_is_shown_as_its_code_point():
    assert display.direction_controls_shown(RTL) == "evil[U+202E]gnp.exe"
    for control in display.DIRECTION_CONTROLS:
        assert control not in display.direction_controls_shown(f"a{control}b")


@pytest.mark.parametrize("honest", ["openai", "привет", "café", "日本語", "Łódź", "ολυμπος", "Mistral-7B"])
def test_honest_words_in_any_one_script_are_not_marked(honest):
    assert display.lookalike_words(honest) == []


def test_a_latin_name_with_one_cyrillic_letter_is_marked_with_its_scripts():
    [(start, end, scripts)] = display.lookalike_words(f"by {CYRILLIC_O} team")
    assert (start, end) == (3, 3 + len(CYRILLIC_O))
    assert scripts == ["Cyrillic", "Latin"]


def test_reveal_marks_text_but_never_writes_markup_inside_a_tag_or_a_title():
    html = (
        f"<html><head><title>{CYRILLIC_O}</title></head><body>"
        f'<input value="{CYRILLIC_O}" title="{RTL}"><p>by {CYRILLIC_O}</p>'
        f"<select><option>{CYRILLIC_O}</option></select><td>{RTL}</td></body></html>"
    )
    out = reveal(html)
    assert "\u202e" not in out
    assert 'title="evil[U+202E]gnp.exe"' in out  # attributes too: a tooltip cannot reorder
    assert f'<input value="{CYRILLIC_O}"' in out  # a form value keeps the word as typed
    assert '<p>by <mark class="lookalike" title="mixes Cyrillic and Latin letters' in out
    assert f"<title>{CYRILLIC_O} (mixes Cyrillic and Latin letters" in out
    assert f"<option>{CYRILLIC_O} (mixes" in out
    assert "<td>evil[U+202E]gnp.exe</td>" in out


def test_a_page_without_either_is_returned_unchanged():
    html = "<p>Caf\u00e9 — 日本語 · Łódź</p><script>var a = '<b>';</script>"
    assert reveal(html) == html


def test_only_pages_with_a_non_ascii_letter_or_a_direction_control_are_reworked():
    assert not display.may_mislead("plain ascii <b>page</b>")
    assert not display.may_mislead("“quoted” · ▲ — typography only")
    assert display.may_mislead("by \u043epenai")
    assert display.may_mislead("file\u202egnp.exe")
