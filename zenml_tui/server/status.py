"""Live ZenML objects of an environment and their drift from the Terraform state.

Drift is one of: declared in Terraform state but gone from the server; on the server with
this platform's labels but not in the state; or in both but changed on the server (name,
flavor or labels differ from what Terraform last wrote).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from zenml_tui.server.connectors import expiry
from zenml_tui.server.rest import ZenMLClient

KINDS = {
    "zenml_stack": ("stack", "/stacks"),
    "zenml_stack_component": ("component", "/components"),
    "zenml_service_connector": ("connector", "/service_connectors"),
    "zenml_project": ("project", "/projects"),
    "zenml_secret": ("secret", "/secrets"),
}


def listed(client: ZenMLClient, kind: str, path: str) -> list[dict[str, Any]]:
    """Every object of a kind; a secret without its values (a list never needs them)."""
    if kind == "secret":
        return client.list_all(path)
    return client.list_all(path, hydrate="true")


def labels_of(kind: str, item: dict[str, Any]) -> dict[str, str]:
    """An object's labels. A ZenML project has none: the bundled modules write them into
    its description as `k=v, k=v`. A secret has none either (see `is_managed`)."""
    if kind == "project":
        text = str((item.get("metadata") or {}).get("description") or "")
        pairs = [part.partition("=") for part in text.split(", ")] if text else []
        if pairs and all(sep and key for key, sep, _ in pairs):
            return {key: value for key, _, value in pairs}
        return {}
    if kind == "secret":
        return {}
    labels: dict[str, str] = (item.get("metadata") or {}).get("labels") or {}
    return labels


def is_managed(kind: str, item: dict[str, Any], platform: str, environment: str) -> bool:
    """Does the object belong to this platform's environment? By its labels; a secret,
    which has none, by the name the bundled modules give it (`platform-environment-…`)."""
    if kind == "secret":
        return str(item.get("name", "")).startswith(f"{platform}-{environment}-".lower())
    labels = labels_of(kind, item)
    return labels.get("platform") == platform and labels.get("environment") == environment


@dataclass(frozen=True)
class Changed:
    """One attribute changed on the server: what the state holds and what the server has
    (None where one of them has no such label)."""

    attribute: str  # e.g. labels.owner, name, flavor, components
    state: Any
    server: Any


@dataclass
class LiveObject:
    kind: str  # stack | component | connector | project | secret
    id: str
    name: str
    detail: str  # component type/flavor, connector type/auth
    labels: dict[str, str]
    managed: bool  # carries this platform's and environment's labels
    address: str = ""  # its Terraform address, when in state
    drift: str = ""
    changes: list[Changed] = field(default_factory=list)  # what drifted, when in state
    expires: str = ""  # a connector's: its credentials' expires_at, or "never"


@dataclass
class Missing:
    kind: str
    id: str
    name: str
    address: str
    drift: str = "deleted on the server behind Terraform's back"


@dataclass
class StatusReport:
    environment: str
    url: str
    version: str
    objects: list[LiveObject] = field(default_factory=list)
    missing: list[Missing] = field(default_factory=list)
    # object id -> its drifted attributes, each traced to the layer value owning it
    # (ops/drift.py fills it in: tracing needs the layers)
    traced: dict[str, list[Any]] = field(default_factory=dict)

    @property
    def drifted(self) -> list[LiveObject | Missing]:
        return [o for o in self.objects if o.drift] + list(self.missing)

    def _object(self, obj: LiveObject) -> dict[str, Any]:
        out = asdict(obj)
        if obj.id in self.traced:
            out["changes"] = [d.to_dict() for d in self.traced[obj.id]]
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "environment": self.environment,
            "url": self.url,
            "version": self.version,
            "objects": [self._object(o) for o in self.objects],
            "missing": [asdict(m) for m in self.missing],
            "drift": len(self.drifted),
        }


def state_resources(state: Path | str) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """id -> (kind, address, attributes) of the zenml resources in a state file (or in
    the state's JSON text, as a remote backend gives it)."""
    try:
        raw = json.loads(state.read_text() if isinstance(state, Path) else state or "{}")
    except (OSError, ValueError):
        return {}
    if not isinstance(raw, dict):
        return {}
    out: dict[str, tuple[str, str, dict[str, Any]]] = {}
    for res in raw.get("resources", []):
        if res.get("mode") != "managed" or res.get("type") not in KINDS:
            continue
        for inst in res.get("instances", []):
            attrs = inst.get("attributes") or {}
            key = inst.get("index_key")
            address = ".".join(p for p in (res.get("module"), f"{res['type']}.{res['name']}") if p)
            if key is not None:
                address += f"[{json.dumps(key)}]"
            if attrs.get("id"):
                out[attrs["id"]] = (KINDS[res["type"]][0], address, attrs)
    return out


def _detail(kind: str, item: dict[str, Any]) -> str:
    body = item.get("body") or {}
    if kind == "component":
        return f"{body.get('type')}/{body.get('flavor_name') or body.get('flavor')}"
    if kind == "connector":
        ctype = body.get("connector_type")
        ctype = ctype.get("connector_type") if isinstance(ctype, dict) else ctype
        return f"{ctype}/{body.get('auth_method')}"
    if kind == "project":
        return str(body.get("display_name") or "")
    if kind == "secret":
        return "private" if body.get("private") else ""
    comps = (item.get("metadata") or {}).get("components") or {}
    return ", ".join(sorted(comps))


def _changes(kind: str, item: dict[str, Any], attrs: dict[str, Any]) -> list[Changed]:
    changed = []
    if item.get("name") != attrs.get("name"):
        changed.append(Changed("name", attrs.get("name"), item.get("name")))
    if kind == "project":
        meta = item.get("metadata") or {}
        if attrs.get("description") is not None and meta.get("description") != attrs.get(
            "description"
        ):
            changed.append(
                Changed("description", attrs.get("description"), meta.get("description"))
            )
        return changed
    if kind == "secret":  # its values are not read for a status
        return changed
    labels = (item.get("metadata") or {}).get("labels") or {}
    known = attrs.get("labels") or {}
    for key in sorted(set(labels) | set(known)):
        if labels.get(key) != known.get(key):
            changed.append(Changed(f"labels.{key}", known.get(key), labels.get(key)))
    if kind == "component":
        flavor = (item.get("body") or {}).get("flavor_name")
        if attrs.get("flavor") and flavor != attrs.get("flavor"):
            changed.append(Changed("flavor", attrs.get("flavor"), flavor))
    if kind == "stack":
        comps = (item.get("metadata") or {}).get("components") or {}
        now = {t: v[0]["id"] for t, v in comps.items() if v}
        if now != (attrs.get("components") or {}):
            changed.append(Changed("components", attrs.get("components") or {}, now))
    return changed


def environment_status(
    client: ZenMLClient, platform_name: str, environment: str, state_file: Path | str
) -> StatusReport:
    info = client.info()
    report = StatusReport(environment, client.url, str(info.get("version", "")))
    in_state = state_resources(state_file)
    seen: set[str] = set()
    for _, (kind, path) in KINDS.items():
        for item in listed(client, kind, path):
            labels = labels_of(kind, item)
            managed = is_managed(kind, item, platform_name, environment)
            obj = LiveObject(kind, item["id"], item["name"], _detail(kind, item), labels, managed)
            if kind == "connector":
                obj.expires = expiry(item)
            entry = in_state.get(item["id"])
            if entry is not None:
                seen.add(item["id"])
                obj.address = entry[1]
                obj.changes = _changes(kind, item, entry[2])
                if obj.changes:
                    names = ", ".join(c.attribute for c in obj.changes)
                    obj.drift = "changed on the server: " + names
            elif managed:
                obj.drift = "carries this platform's labels but is not in the Terraform state"
            report.objects.append(obj)
    for object_id, (kind, address, attrs) in in_state.items():
        if object_id not in seen:
            report.missing.append(Missing(kind, object_id, str(attrs.get("name")), address))
    return report
