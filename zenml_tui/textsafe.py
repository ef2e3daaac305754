"""Untrusted text made safe to show: a layer's keys and values, a server's messages,
Terraform's output. What would act on a terminal instead of being read (C0 controls
but tab and newline, DEL, C1 controls, bidirectional overrides and isolates) is shown
as a visible escape (`\\x1b`, `\\u202e`); everything else is left as it is. Machine
outputs (`--json`, `--tfvars`, files) are never passed through here: they stay exact."""

from __future__ import annotations

import re

_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """`text` with every terminal control shown, not obeyed (fast when there is none)."""
    if _UNSAFE.search(text) is None:
        return text
    return _UNSAFE.sub(_escape, text)


def line(text: str) -> str:
    """One line of it: newlines and tabs shown too (a key, a name, a table cell)."""
    return visible(text).replace("\n", "\\n").replace("\t", "\\t")


def shorten(text: str, limit: int = 200) -> str:
    """At most `limit` characters for display, saying how long the whole is."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} characters)"


def middle(text: str, limit: int) -> str:
    """At most `limit` characters, cut in the middle: both ends of a name tell names
    apart (`acme-ml-prod-…-step-operator`), where a cut at the end makes them alike."""
    if len(text) <= limit:
        return text
    head = (limit - 1) // 2
    return f"{text[:head]}…{text[len(text) - (limit - 1 - head) :]}"


def wrapped(text: str, width: int) -> list[str]:
    """A line cut into pieces of at most `width` cells, at spaces where it can be, each
    continuation indented: the plan's log shows Terraform's long messages whole."""
    from rich.cells import cell_len

    if cell_len(text) <= width:
        return [text]
    out: list[str] = []
    indent = ""
    while cell_len(indent + text) > width:
        room = width - len(indent)
        cut = text.rfind(" ", room // 2, room + 1)
        if cut <= 0:
            cut = room
            while cut > 1 and cell_len(text[:cut]) > room:
                cut -= 1
        out.append(indent + text[:cut].rstrip())
        text, indent = text[cut:].lstrip(), "  "
    out.append(indent + text)
    return out
