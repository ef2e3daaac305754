"""What a review may show and where each change comes from.

Terraform marks a component's or connector's whole `configuration` sensitive, so its own
review of a one-key change reads `(sensitive value) -> (sensitive value)`. zenml-tui
shows such a value only when it can prove it harmless: it is byte-equal to a value the
platform's layers hold in plain text (rendered for this environment now, or in the
tfvars of the environment's last apply from this checkout) and holds no secret. A value
equal to a secret shows as «secret:NAME»; everything else stays masked, as Terraform
masks it. Rules in docs/layering.md, "What a review shows".
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from zenml_tui.errors import Kind, ZenMLTUIError
from zenml_tui.ops.config import explain_in, merge_scope
from zenml_tui.ops.session import Session
from zenml_tui.platform.explain import Explanation
from zenml_tui.platform.trace import LAYER, SECRET_ORIGIN, UNTRACED, Origin, Tracer, target_of
from zenml_tui.terraform.plan import SYMBOL, Masks, PlanModel, shown, tf_string
from zenml_tui.terraform.runs import RunKind, RunOutcome, RunStore

MARK_PREFIX = "«secret:"


def _scalars(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for v in value.values():
            yield from _scalars(v)
    elif isinstance(value, list):
        for v in value:
            yield from _scalars(v)
    else:
        text = tf_string(value)
        if text is not None and MARK_PREFIX not in text:
            yield text


def secret_reference(platform: str, environment: str, name: str) -> str:
    """How a component's configuration refers to the ZenML secret the platform module
    makes for the secret NAME (modules/platform/main.tf, zenml_secret.component)."""
    secret = f"{platform}-{environment}-{name.replace('_', '-')}".lower()
    return "{{" + secret + ".value}}"


def last_applied_tfvars(store: RunStore, environment: str) -> dict[str, Any]:
    """The tfvars of the plan the environment's latest successful apply executed (what
    the state's values were rendered from, when this checkout applied them)."""
    for run in store.list_runs(environment):
        if run.kind is RunKind.APPLY and run.outcome is RunOutcome.APPLIED and run.plan_run:
            try:
                data: dict[str, Any] = json.loads(
                    (store.dir(run.plan_run) / "tfvars.json").read_text()
                )
            except (OSError, ValueError):
                return {}
            return data
    return {}


def masks(
    session: Session,
    environment: str,
    tfvars: Mapping[str, Any],
    secret_values: Mapping[str, str],
    store: RunStore | None = None,
) -> Masks:
    """The masks of one environment's plan: its secrets by value and reference, and the
    plain values of its layers (now and at its last apply)."""
    platform = session.platform.name
    names: dict[str, str] = {}
    for name, value in secret_values.items():
        if value:
            names[value] = name
    for name in session.platform.spec.secrets:
        names[secret_reference(platform, environment, name)] = name
    plain = set(_scalars(dict(tfvars)))
    if store is not None:
        plain.update(_scalars(last_applied_tfvars(store, environment)))
    secrets = frozenset(v for v in secret_values.values() if v)
    harmless = frozenset(v for v in plain if v and not any(s in v for s in secrets))
    return Masks(secrets, names, harmless)


def tracer(session: Session, environment: str) -> Tracer:
    return Tracer(session.platform, environment, session.layering.scope)


def traced(model: PlanModel, session: Session, environment: str) -> PlanModel:
    """The model with every attribute diff naming its origin."""
    model.trace_with(tracer(session, environment))
    return model


def is_address(text: str) -> bool:
    """A Terraform resource address rather than a path of the merged configuration."""
    return text.startswith(("module.", "zenml_", "data."))


def explain_attribute(
    session: Session, environment: str, address: str, attribute: str
) -> tuple[Origin, Explanation | None]:
    """Where an attribute of a resource comes from: its origin, and for a layer value
    the full provenance chain of that value in its scope (`explain` by address)."""
    if target_of(session.platform, environment, address) is None:
        raise ZenMLTUIError(
            f"'{address}' is not a resource of the bundled modules in '{environment}'",
            kind=Kind.NOT_FOUND,
            hint="give an address as the plan shows it, e.g. "
            'module.base.zenml_stack_component.base["orchestrator"]',
        )
    origin = tracer(session, environment).origin(address, attribute)
    if origin.kind == UNTRACED and origin.text.startswith("no layer sets"):
        raise ZenMLTUIError(f"{attribute} of {address}: {origin.text}", kind=Kind.NOT_FOUND)
    if origin.kind not in (LAYER, SECRET_ORIGIN) or not origin.path:
        return origin, None
    env, team, project = [*origin.scope.split("/"), None, None][:3]
    result = merge_scope(session, env or environment, team, project)
    return origin, explain_in(result, origin.path)


CONFIRM_LINES = 30  # what an apply's confirmation lists of the review, at most


def confirmation_lines(model: PlanModel, limit: int = CONFIRM_LINES) -> list[str]:
    """The review an apply's confirmation repeats: each change, and for an update,
    replace or import each attribute before -> after with the layer value behind it (a
    plan of 10,000 changes is read only as far as the limit)."""
    out: list[str] = []
    total = sum(1 for c in model.changes if c.action != "no-op")
    listed = 0
    for change in model.changes:
        if change.action == "no-op":
            continue
        if len(out) >= limit:
            break
        listed += 1
        out.append(f"{SYMBOL.get(change.action, change.action)} {change.address}")
        if change.action not in ("update", "replace", "import"):
            continue
        for d in change.diffs():
            if d.origin is not None and d.origin.kind == "computed":
                continue  # what the server records (timestamps) is not a decision
            where = (
                f"  ({d.origin.text})"
                if d.origin is not None and d.origin.kind in ("layer", "secret")
                else ""
            )
            out.append(f"    {d.path}: {shown(d.before)} -> {shown(d.after)}{where}")
    if listed < total:
        out.append(f"… and {total - listed} more changes (the Plan tab lists them all)")
    return out
