"""Helpers for the diagnostics the platform layer collects (`zenml_tui.errors.Diagnostic`).

Errors are collected, never raised one at a time, so a user sees all of them at once
(docs/layering.md, "Errors"). A diagnostic never carries a secret value: messages are
built from paths, kinds and reference names only.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from zenml_tui.errors import Diagnostic


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """A "did you mean" hint, or an empty string when nothing is close."""
    matches = difflib.get_close_matches(word, list(candidates), n=3, cutoff=0.6)
    if not matches:
        return ""
    if len(matches) == 1:
        return f"did you mean '{matches[0]}'?"
    return "did you mean " + " or ".join(f"'{m}'" for m in matches) + "?"


def dedupe(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Keep the first diagnostic per (code, location, path), in order."""
    seen: set[tuple[str, str, int, int, str]] = set()
    out: list[Diagnostic] = []
    for d in diagnostics:
        k = d.key()
        if k not in seen:
            seen.add(k)
            out.append(d)
    return out


def dedupe_locations(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """One diagnostic per value: the first for each (file, line, col, path)."""
    seen: set[tuple[str, int, int, str]] = set()
    out: list[Diagnostic] = []
    for d in diagnostics:
        k = (d.file, d.line, d.col, d.path)
        if k not in seen:
            seen.add(k)
            out.append(d)
    return out


def sort_key(d: Diagnostic) -> tuple[str, int, int, str]:
    return (d.file, d.line, d.col, d.code.value)
