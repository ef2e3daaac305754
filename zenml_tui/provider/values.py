"""Mapping between Terraform state and ZenML's REST bodies.

Configuration is `map(string)` in the provider while ZenML stores typed values (it
decodes "true", "4" and JSON for typed fields). A value read back is kept as the user
wrote it whenever it means the same, so a plan after apply shows no changes.
"""

from __future__ import annotations

import json
from typing import Any


def as_text(value: Any) -> str:
    """A server value as a map(string) entry."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def same(text: str | None, value: Any) -> bool:
    """Does the string the user wrote mean the server's value?"""
    if text is None:
        return value is None
    if isinstance(value, str):
        if text == value:
            return True
        try:
            return bool(json.loads(text) == json.loads(value))
        except ValueError:
            return False
    if isinstance(value, bool):
        return text.strip().lower() in (("true", "1", "yes") if value else ("false", "0", "no"))
    if isinstance(value, int | float):
        try:
            return float(text) == float(value)
        except ValueError:
            return False
    try:
        return bool(json.loads(text) == value)
    except ValueError:
        return False


def merge_config(
    server: dict[str, Any] | None, prior: dict[str, str] | None
) -> dict[str, str] | None:
    """The configuration to record: the prior text where it means the server's value.
    An empty configuration on the server is recorded as the user left it (null or {}):
    ZenML keeps no difference between the two, Terraform does."""
    known = prior or {}
    out = {
        k: known[k] if k in known and same(known[k], v) else as_text(v)
        for k, v in (server or {}).items()
    }
    if not out:
        return prior if prior in (None, {}) else {}
    return out


def empty_as(prior: Any, value: dict[str, Any] | None) -> dict[str, Any] | None:
    """A map the server returns empty is recorded as the user left it (null or {})."""
    if not value:
        return prior if prior in (None, {}) else {}
    return value


def as_configured(prior: Any, value: Any, *defaults: Any) -> Any:
    """A value the server fills in when it is left out (null, "" or one of `defaults`)
    is recorded as the configuration left it: null stays null and "" stays ""."""
    if prior in (None, "") and value in (None, "", *defaults):
        return prior
    return value
