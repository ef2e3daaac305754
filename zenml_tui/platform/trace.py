"""From a Terraform attribute back to the layer value that makes it.

The bundled modules (modules/platform and the stacks under it) turn each scope's merged
configuration into resources by fixed rules; this module is those rules run backwards:
`module.team["training"].zenml_stack_component.team["step_operator"]` with
`configuration.machine_type` is the value at `components.step_operator.configuration.
machine_type` (or its `by_flavor` override) of the team scope prod/training, and its
provenance says which layer, file, line and column set it. What the modules compute
themselves (names, ids, the labels they add) is said to be the module's; what Terraform
learns on apply is Terraform's. The rules are in docs/layering.md, "Tracing a change".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from zenml_tui.platform.definition import Platform, Scope
from zenml_tui.platform.engine import ScopeResult
from zenml_tui.platform.explain import relative_path
from zenml_tui.platform.nodes import SCALAR, SECRET, KeyPath, MNode, format_path, lookup

# kinds of origin
LAYER = "layer"  # a value of a layer (its provenance says where)
SECRET_ORIGIN = "secret"  # a ${secret:NAME}: named, never shown
MODULE = "module"  # made by the bundled modules (names, the labels they add)
COMPUTED = "computed"  # Terraform or the server decides it (ids, known after apply)
UNTRACED = "untraced"  # not a resource of the bundled modules

CONTEXT_LABELS = ("platform", "environment", "version", "managed_by")


@dataclass(frozen=True, slots=True)
class Origin:
    """Where one attribute's value comes from."""

    kind: str
    text: str  # for a reader: "env:prod layers/env/prod.yaml:14:21", "made by the module"
    scope: str = ""  # env, env/team or env/team/project
    path: str = ""  # the value's path in that scope's merged configuration
    layer: str = ""
    file: str = ""
    line: int = 0
    col: int = 0
    secret: str = ""

    @property
    def located(self) -> bool:
        return bool(self.file) and self.line > 0

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "text": self.text}
        for key in ("scope", "path", "layer", "file", "secret"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        if self.located:
            out["line"], out["col"] = self.line, self.col
        return out


@dataclass(frozen=True, slots=True)
class Target:
    """A resource of the bundled modules: what it is, and which scope configures it."""

    what: str  # component | connector | stack | project | secret
    scope: Scope
    component: str = ""  # a component's type key
    secret: str = ""  # a secret's name


_INDEX = r'\["([^"]+)"\]'
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^module\.base\.zenml_stack_component\.base" + _INDEX + "$"), "component"),
    (re.compile(r"^module\.base\.zenml_service_connector\.base\[0\]$"), "connector"),
    (re.compile(r"^module\.base\.zenml_stack\.base$"), "stack"),
    (
        re.compile(r"^module\.team" + _INDEX + r"\.zenml_stack_component\.team" + _INDEX + "$"),
        "team component",
    ),
    (
        re.compile(r"^module\.team" + _INDEX + r"\.zenml_service_connector\.team\[0\]$"),
        "team connector",
    ),
    (re.compile(r"^module\.team" + _INDEX + r"\.zenml_stack\.team$"), "team stack"),
    (
        re.compile(r"^module\.project" + _INDEX + r"\.zenml_stack_component\.artifact_store$"),
        "project component",
    ),
    (re.compile(r"^module\.project" + _INDEX + r"\.zenml_stack\.project$"), "project stack"),
    (re.compile(r"^module\.project" + _INDEX + r"\.zenml_project\.this$"), "project"),
    (re.compile(r"^zenml_secret\.component" + _INDEX + "$"), "secret"),
]


def target_of(platform: Platform, environment: str, address: str) -> Target | None:
    """The bundled modules' resource at `address`, or None for any other address."""
    for pattern, what in _PATTERNS:
        m = pattern.match(address)
        if m is None:
            continue
        groups = m.groups()
        if what == "component":
            return Target("component", Scope(environment), component=groups[0])
        if what in ("connector", "stack"):
            return Target(what, Scope(environment))
        if what == "secret":
            return Target("secret", Scope(environment), secret=groups[0])
        if what.startswith("team"):
            scope = Scope(environment, groups[0])
            kind = what.split()[1]
            return Target(kind, scope, component=groups[1] if kind == "component" else "")
        project = platform.spec.projects.get(groups[0])
        if project is None:
            return None
        scope = Scope(environment, project.team, groups[0])
        if what == "project component":
            return Target("component", scope, component="artifact_store")
        return Target("stack" if what == "project stack" else "project", scope)
    return None


ScopeOf = Callable[[Scope], ScopeResult]


class Tracer:
    """Traces attributes of one environment's resources; scopes are merged once each
    (the engine caches them) and only when an attribute of theirs is asked for."""

    def __init__(self, platform: Platform, environment: str, scope_of: ScopeOf) -> None:
        self.platform, self.environment, self._scope_of = platform, environment, scope_of
        self._root = platform.root
        # the scopes as the plan was made from them, merged once each for this tracer
        self._scopes: dict[Scope, ScopeResult] = {}

    def scope_of(self, scope: Scope) -> ScopeResult:
        found = self._scopes.get(scope)
        if found is None:
            found = self._scopes[scope] = self._scope_of(scope)
        return found

    def __call__(self, address: str, attribute: str) -> Origin | None:
        return self.origin(address, attribute)

    def origin(self, address: str, attribute: str) -> Origin:
        target = target_of(self.platform, self.environment, address)
        if target is None:
            return Origin(UNTRACED, "not made by the bundled modules: not traced")
        parts = _split(attribute)
        if not parts:
            return Origin(UNTRACED, "not traced")
        head = parts[0]
        if head == "id":
            return Origin(COMPUTED, "the server assigns it")
        if head in ("created", "updated", "expires_at", "user", "user_id"):
            return Origin(COMPUTED, "the server records it")
        if target.what == "secret":
            if head == "values":
                return self._secret(target.secret)
            if head == "name":
                return Origin(MODULE, "named by the module after the secret")
            return Origin(UNTRACED, "not traced")
        if head == "type" and target.what == "component":
            return Origin(MODULE, f"its key under components: ({target.component})")
        if head == "name":
            return Origin(MODULE, "named by the module from the environment, team and type")
        if target.what == "project":
            if head == "description":
                return Origin(MODULE, "written by the module from the project's labels")
            return Origin(MODULE, "named by the module from the project and environment")
        if head == "labels" and len(parts) > 1:
            return self._label(target, str(parts[1]))
        if target.what == "stack":
            if head == "components":
                return Origin(COMPUTED, "the ids of its components, from the state")
            return Origin(UNTRACED, "not traced")
        if target.what == "component":
            return self._component(target, parts)
        if target.what == "connector":
            if head == "configuration" and len(parts) > 1:
                return self._at(target.scope, ("connector", "configuration", *parts[1:]))
            if head in ("type", "auth_method", "resource_type", "resource_id", "verify"):
                return self._at(target.scope, ("connector", head))
        return Origin(UNTRACED, "not traced")

    # -- one kind at a time

    def _component(self, target: Target, parts: KeyPath) -> Origin:
        head = parts[0]
        base: KeyPath = ("components", target.component)
        if head == "configuration" and len(parts) > 1:
            result = self.scope_of(target.scope)
            flavor = lookup(result.tree, (*base, "flavor"))
            if flavor is not None and flavor.kind == SCALAR:
                override = (*base, "by_flavor", str(flavor.value), *parts[1:])
                if lookup(result.tree, override) is not None:
                    return self._at(target.scope, override)
            return self._at(target.scope, (*base, "configuration", *parts[1:]))
        if head in ("flavor", "connector_resource_id"):
            return self._at(target.scope, (*base, head))
        if head == "connector_id":
            return Origin(COMPUTED, "the id of the scope's connector (use_connector)")
        return Origin(UNTRACED, "not traced")

    def _label(self, target: Target, key: str) -> Origin:
        """The modules merge, lowest first: the scope's labels, the context labels,
        team/project, then the object's own (a component's or the connector's)."""
        own: KeyPath | None = None
        if target.what == "component":
            own = ("components", target.component, "labels", key)
        elif target.what == "connector":
            own = ("connector", "labels", key)
        if own is not None and lookup(self.scope_of(target.scope).tree, own) is not None:
            return self._at(target.scope, own)
        added = {"purpose": target.what == "connector", "type": target.what == "stack"}
        added["team"] = target.scope.team is not None
        added["project"] = target.scope.project is not None
        if added.get(key):
            return Origin(MODULE, f"added by the module ({key})")
        if key in CONTEXT_LABELS:
            return Origin(MODULE, f"added by the module from platform.yaml ({key})")
        return self._at(target.scope, ("labels", key))

    def _secret_text(self, name: str) -> str:
        """`secret NAME (from $VARIABLE)`: the variable its value is read from."""
        source = self.platform.spec.secrets.get(name)
        return f"secret {name}" + (f" (from ${source.env})" if source is not None else "")

    def _secret(self, name: str) -> Origin:
        return Origin(SECRET_ORIGIN, self._secret_text(name), secret=name)

    def _at(self, scope: Scope, path: KeyPath) -> Origin:
        result = self.scope_of(scope)
        node = lookup(result.tree, path)
        text_path = format_path(path)
        if node is None:
            return Origin(UNTRACED, f"no layer sets {text_path} in {scope.short}")
        return self._of(node, scope, text_path)

    def _of(self, node: MNode, scope: Scope, path: str) -> Origin:
        prov, m = node.prov, node.prov.mark
        located = f"{prov.layer} {relative_path(m.file, self._root)}:{m.line}:{m.col}"
        where = (scope.short, path, prov.layer, m.file, m.line, m.col)
        if node.kind == SECRET:
            name = getattr(node.value, "name", "")
            text = f"{self._secret_text(name)}, {located}"
            return Origin(SECRET_ORIGIN, text, *where, secret=name)
        return Origin(LAYER, located, *where)


def _split(attribute: str) -> KeyPath:
    """`configuration.machine_type` or `labels.team` as keys (a key may hold dots:
    everything after the attribute and its first key is the rest of one key)."""
    if not attribute:
        return ()
    head, _, rest = attribute.partition(".")
    head = head.split("[")[0]
    return (head, rest) if rest else (head,)
