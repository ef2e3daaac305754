"""Flavor schemas as the ZenML server reports them (`/api/v1/flavors?hydrate=true`),
compacted and cached per server version, so configuration can be checked against them
while the server is down too."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from zenml_tui.fsutil import write_atomic
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


def compact(items: list[dict[str, Any]]) -> FlavorSchemas:
    out: FlavorSchemas = {}
    for item in items:
        body, meta = item.get("body") or {}, item.get("metadata") or {}
        schema = meta.get("config_schema") or {}
        props = schema.get("properties") or {}
        out.setdefault(body.get("type", ""), {})[item["name"]] = {
            "properties": {name: _types(p) for name, p in props.items()},
            "required": list(schema.get("required") or []),
            "open": bool(schema.get("additionalProperties")),
            "connector_resource_type": meta.get("connector_resource_type"),
        }
    return out


def cache_path(cache_dir: Path, version: str) -> Path:
    return Path(cache_dir) / f"flavors-{version}.json"


def fetch(client: ZenMLClient, cache_dir: Path) -> FlavorSchemas:
    """From the cache for this server version, else from the server (then cached)."""
    version = str(client.info().get("version", "unknown"))
    path = cache_path(cache_dir, version)
    if path.is_file():
        try:
            known: FlavorSchemas = json.loads(path.read_text())
            return known
        except ValueError:
            pass
    schemas = compact(client.list_all("/flavors", hydrate="true"))
    write_atomic(path, json.dumps(schemas, sort_keys=True))
    return schemas


def cached(cache_dir: Path) -> FlavorSchemas | None:
    """The newest cached schemas, for when the server cannot be reached."""
    files = sorted(Path(cache_dir).glob("flavors-*.json"), key=lambda p: p.stat().st_mtime)
    for path in reversed(files):
        try:
            newest: FlavorSchemas = json.loads(path.read_text())
            return newest
        except ValueError:
            continue
    return None
