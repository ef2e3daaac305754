"""The one error root: every failure zenml-tui expects is a `ZenMLTUIError` of one `Kind`.

An error carries a message (what failed, one line where it can be), a hint (what to do)
and, for configuration errors, located diagnostics (`file:line:col: CODE message`). The
CLI prints it in one place, the app shows it in one place; anything else that escapes
is a bug and is reported as an internal error. Messages never hold a secret value.

This module imports nothing of zenml_tui: every package may raise these.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path


class Kind(StrEnum):
    """What went wrong, for code that reacts to it (and for the app's titles)."""

    CONFIG = "configuration error"  # located diagnostics say where
    USAGE = "usage error"  # an unknown option, environment, team or project (exit 2)
    NOT_CONFIRMED = "not confirmed"  # a protected environment without its typed name
    SECRETS_MISSING = "secrets missing"
    SERVER_DOWN = "server unavailable"  # not running, cannot start, connection refused
    SERVER_HUNG = "server not answering"  # connected, but no answer within the timeout
    SERVER_AUTH = "server refused the credentials"
    SERVER_ERROR = "server error"  # the server answered with an error
    ENGINE = "terraform unavailable"  # Terraform could not be started at all
    PROVIDER_UNAVAILABLE = "provider unavailable"  # a provider init cannot install here
    TERRAFORM = "terraform error"  # a Terraform command failed
    LOCK_HELD = "state locked"  # another run holds the state lock
    NOT_FOUND = "not found"  # a path, run or object that does not exist
    NO_PLAN = "no plan"
    STALE_PLAN = "stale plan"
    STATE_TO_MIGRATE = "state in the previous backend"  # the backend changed, its state did not
    CANCELLED = "cancelled"
    DISK_FULL = "disk full"
    READ_ONLY = "read-only"  # a file or directory that cannot be written
    FILE = "file error"  # any other failure of the file system
    INTERNAL = "internal error"  # a bug: only ever made from an unexpected exception


class Code(StrEnum):
    """Stable codes of located diagnostics. Never rename: scripts and docs match on them."""

    # reading files
    FILE_MISSING = "FILE_MISSING"
    FILE_UNREADABLE = "FILE_UNREADABLE"
    FILE_KIND = "FILE_KIND"  # not a regular file, a link loop, a link out of the platform
    FILE_TOO_LARGE = "FILE_TOO_LARGE"
    ENCODING = "ENCODING"
    YAML_SYNTAX = "YAML_SYNTAX"
    YAML_TAB = "YAML_TAB"
    EMPTY_LAYER = "EMPTY_LAYER"
    NOT_A_MAPPING = "NOT_A_MAPPING"
    DUPLICATE_KEY = "DUPLICATE_KEY"
    COMPLEX_KEY = "COMPLEX_KEY"
    TOO_DEEP = "TOO_DEEP"  # nesting beyond the limit
    ALIAS_EXPANSION = "ALIAS_EXPANSION"  # aliases that expand beyond the limit
    NUMBER_OUT_OF_RANGE = "NUMBER_OUT_OF_RANGE"  # a huge integer, inf, nan
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
    REF_TOO_DEEP = "REF_TOO_DEEP"  # a chain of references beyond the limit
    VALUE_TOO_LARGE = "VALUE_TOO_LARGE"  # an interpolated string beyond the limit
    SECRET_EMBEDDED = "SECRET_EMBEDDED"
    SECRET_UNDECLARED = "SECRET_UNDECLARED"
    SECRET_LITERAL = "SECRET_LITERAL"
    SECRET_MISPLACED = "SECRET_MISPLACED"  # a secret reference where no credential goes
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
            with contextlib.suppress(ValueError, OSError, RuntimeError):  # a link loop
                base = Path(os.path.realpath(relative_to))
                here = Path(os.path.realpath(os.path.dirname(file) or "."))
                file = str((here / os.path.basename(file)).relative_to(base))
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


class ZenMLTUIError(Exception):
    """An expected failure: `message` says what failed, `hint` what to do about it."""

    def __init__(
        self,
        message: str,
        *,
        kind: Kind,
        hint: str = "",
        diagnostics: Iterable[Diagnostic] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.hint = hint
        self.diagnostics: list[Diagnostic] = list(diagnostics)

    def one_line(self) -> str:
        """The message and the hint, as the CLI prints them."""
        return f"{self.message}; {self.hint}" if self.hint else self.message


def file_error(exc: OSError, doing: str, path: Path | str | None = None) -> ZenMLTUIError:
    """A failed read or write as an error that names the file and the way out: a full
    disk, a read-only place, or anything else the operating system said."""
    if exc.errno == errno.ENOTDIR and exc.filename:
        where = str(exc.filename)  # the file that stands where a directory should be
    else:
        where = str(path or exc.filename or "")
    reason = exc.strerror or str(exc)
    message = f"cannot {doing}" + (f" ({where})" if where else "") + f": {reason}"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return ZenMLTUIError(
            message,
            kind=Kind.DISK_FULL,
            hint="free some space on that disk and try again",
        )
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return ZenMLTUIError(
            message,
            kind=Kind.READ_ONLY,
            hint="choose a place you can write to, or fix its permissions",
        )
    return ZenMLTUIError(message, kind=Kind.FILE, hint="check the path and try again")
