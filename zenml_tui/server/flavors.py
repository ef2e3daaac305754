"""Flavor schemas as the ZenML server reports them (`/api/v1/flavors?hydrate=true`),
compacted and cached per server version, so configuration can be checked against them
while the server is down too."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from zenml_tui.fsutil import signature, signed, write_atomic
from zenml_tui.server.rest import ZenMLClient
from zenml_tui.zenml_vocab import FlavorSchemas


def _types(prop: dict[str, Any]) -> list[str]:
    found: list[str] = []
    if "type" in prop:
        t = prop["type"]
        found.extend(t if isinstance(t, list) else [t])
    for alt in prop.get("anyOf", []) + prop.get("oneOf", []):
        found.extend(_types(alt))
    if "$ref" in prop or "allOf" in prop:
        found.append("object")
    return sorted(set(found))


_SHAPE_KEYS = ("type", "enum", "minItems", "maxItems", "minimum", "maximum")


def shape(prop: Any, defs: dict[str, Any], depth: int = 0) -> dict[str, Any]:
    """What the server's validation checks of a value, without the prose: types, tuple
    and list items, map values, bounds and choices; `$ref`s resolved (8 deep at most)."""
    if not isinstance(prop, dict) or depth > 8:
        return {}
    ref = prop.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return shape(defs.get(ref.removeprefix("#/$defs/"), {}), defs, depth + 1)
    out: dict[str, Any] = {k: prop[k] for k in _SHAPE_KEYS if k in prop}
    for key in ("anyOf", "oneOf", "prefixItems"):
        if isinstance(prop.get(key), list):
            out[key] = [shape(alt, defs, depth + 1) for alt in prop[key]]
    for key in ("items", "additionalProperties"):
        if isinstance(prop.get(key), dict):
            out[key] = shape(prop[key], defs, depth + 1)
    return out


def compact(items: list[dict[str, Any]]) -> FlavorSchemas:
    out: FlavorSchemas = {}
    for item in items:
        body, meta = item.get("body") or {}, item.get("metadata") or {}
        schema = meta.get("config_schema") or {}
        props = schema.get("properties") or {}
        out.setdefault(body.get("type", ""), {})[item["name"]] = {
            "properties": {name: _types(p) for name, p in props.items()},
            "shapes": {name: shape(p, schema.get("$defs") or {}) for name, p in props.items()},
            "required": list(schema.get("required") or []),
            "open": bool(schema.get("additionalProperties")),
            "connector_resource_type": meta.get("connector_resource_type"),
        }
    return out


def cache_path(cache_dir: Path, version: str) -> Path:
    return Path(cache_dir) / f"flavors-{version}.json"


def _read(path: Path) -> FlavorSchemas | None:
    """Cached schemas, if this platform signed them (see fsutil.signed)."""
    try:
        data = json.loads(path.read_text())
        text = json.dumps(data["schemas"], sort_keys=True).encode()
    except (OSError, ValueError, TypeError, KeyError):
        return None
    if not signed(path.parent.parent, text, data.get("signature")):
        return None
    schemas: FlavorSchemas = data["schemas"]
    return schemas


def fetch(client: ZenMLClient, cache_dir: Path) -> FlavorSchemas:
    """From the cache for this server version, else from the server (then cached)."""
    version = str(client.info().get("version", "unknown"))
    path = cache_path(cache_dir, version)
    known = _read(path) if path.is_file() else None
    if known is not None:
        return known
    schemas = compact(client.list_all("/flavors", hydrate="true"))
    text = json.dumps(schemas, sort_keys=True)
    state_dir = Path(cache_dir).parent
    record = {"signature": signature(state_dir, text.encode()), "schemas": schemas}
    write_atomic(path, json.dumps(record, sort_keys=True))
    return schemas


def cached(cache_dir: Path) -> FlavorSchemas | None:
    """The newest cached schemas (signed by this platform), for when the server cannot
    be reached."""
    files = sorted(Path(cache_dir).glob("flavors-*.json"), key=lambda p: p.stat().st_mtime)
    for path in reversed(files):
        found = _read(path)
        if found is not None:
            return found
    return None
