"""Diagnostics: every problem the platform layer finds, with a stable code and a location.

Errors are collected, never raised one at a time, so a user sees all of them at once
(layering-spec rule 13). A diagnostic never carries a secret value: messages are built
from paths, kinds and reference names only.
"""

from __future__ import annotations

import contextlib
import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path


class Code(StrEnum):
    """Stable error codes. Never renumber or rename: scripts and docs match on them."""

    # reading files
    FILE_MISSING = "FILE_MISSING"
    FILE_UNREADABLE = "FILE_UNREADABLE"
    ENCODING = "ENCODING"
    YAML_SYNTAX = "YAML_SYNTAX"
    YAML_TAB = "YAML_TAB"
    EMPTY_LAYER = "EMPTY_LAYER"
    NOT_A_MAPPING = "NOT_A_MAPPING"
    DUPLICATE_KEY = "DUPLICATE_KEY"
    COMPLEX_KEY = "COMPLEX_KEY"
    # tags
    UNKNOWN_TAG = "UNKNOWN_TAG"
    MISPLACED_TAG = "MISPLACED_TAG"
    # the platform definition
    PLATFORM_INVALID = "PLATFORM_INVALID"
    UNKNOWN_LAYER = "UNKNOWN_LAYER"
    # merging
    KIND_CONFLICT = "KIND_CONFLICT"
    DELETE_MISSING = "DELETE_MISSING"
    REQUIRED_UNFILLED = "REQUIRED_UNFILLED"
    # interpolation
    REF_SYNTAX = "REF_SYNTAX"
    REF_DANGLING = "REF_DANGLING"
    REF_CYCLE = "REF_CYCLE"
    REF_TYPE = "REF_TYPE"
    SECRET_EMBEDDED = "SECRET_EMBEDDED"
    SECRET_UNDECLARED = "SECRET_UNDECLARED"
    SECRET_LITERAL = "SECRET_LITERAL"
    # schema
    UNKNOWN_KEY = "UNKNOWN_KEY"
    WRONG_TYPE = "WRONG_TYPE"
    INVALID_VALUE = "INVALID_VALUE"
    MISSING_FIELD = "MISSING_FIELD"
    MISSING_COMPONENT = "MISSING_COMPONENT"
    # projection onto the root module
    UNDECLARED_VARIABLE = "UNDECLARED_VARIABLE"
    MODULE_INVALID = "MODULE_INVALID"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One located problem. `line`/`col` are 1-based; 0 means "whole file"."""

    code: Code
    message: str
    file: str = ""
    line: int = 0
    col: int = 0
    path: str = ""
    layer: str = ""
    hint: str = ""

    def location(self, relative_to: Path | None = None) -> str:
        file = self.file
        if relative_to is not None and file:
            with contextlib.suppress(ValueError):
                file = str(Path(file).resolve().relative_to(relative_to.resolve()))
        return f"{file or '<platform>'}:{max(self.line, 1)}:{max(self.col, 1)}"

    def format(self, relative_to: Path | None = None) -> str:
        """`file:line:col: CODE message` (the hint, when any, on an indented second line)."""
        where = f" [{self.path}]" if self.path else ""
        text = f"{self.location(relative_to)}: {self.code.value} {self.message}{where}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text

    def key(self) -> tuple[str, str, int, int, str]:
        return (self.code.value, self.file, self.line, self.col, self.path)


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
