"""Which backend each environment's state was last used in (`.zenml-tui/backends.json`).

Switching an environment to another backend in `platform.yaml` points Terraform at a
state that is empty there: a plan would create every object again. The record says
where the state was, so that a plan refuses with the way out (`zenml-tui migrate-state`)
instead. It holds the backend's type and configuration as `platform.yaml` writes them
(a secret as its `${secret:NAME}` reference, never its value) and the key of the state
it names."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from zenml_tui.fsutil import write_atomic

RECORD = "backends.json"


@dataclass(frozen=True)
class UsedBackend:
    type: str
    config: dict[str, str]
    key: str  # BackendRun.key: which state of that type


def _path(state_dir: Path) -> Path:
    return state_dir / RECORD


def _load(state_dir: Path) -> dict[str, dict[str, object]]:
    try:
        data = json.loads(_path(state_dir).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def last_used(state_dir: Path, environment: str) -> UsedBackend | None:
    """The backend the environment's state was last used in, as recorded (None: never
    recorded, or a record this version cannot read)."""
    item = _load(state_dir).get(environment)
    if not isinstance(item, dict):
        return None
    kind, config, key = item.get("type"), item.get("config"), item.get("key")
    if not isinstance(kind, str) or not isinstance(key, str) or not isinstance(config, dict):
        return None
    return UsedBackend(kind, {str(k): str(v) for k, v in config.items()}, key)


def record(state_dir: Path, environment: str, used: UsedBackend) -> None:
    """Remember `used` as the environment's backend (written only when it changed)."""
    data = _load(state_dir)
    item: dict[str, object] = {"type": used.type, "config": used.config, "key": used.key}
    if data.get(environment) == item:
        return
    data[environment] = item
    write_atomic(_path(state_dir), json.dumps(data, indent=2, sort_keys=True) + "\n", mode=0o600)


def resource_count(state_text: str) -> int:
    """How many resource instances a state (Terraform's JSON, "" for none) holds; one that cannot
    be read counts as holding something (it is never taken for an empty one)."""
    if not state_text.strip():
        return 0
    try:
        resources = json.loads(state_text).get("resources") or []
    except (ValueError, AttributeError):
        return 1
    if not isinstance(resources, list):
        return 1
    return sum(len(r.get("instances") or []) if isinstance(r, dict) else 1 for r in resources)
