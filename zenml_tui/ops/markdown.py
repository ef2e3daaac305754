"""The review as Markdown, for a pull-request comment (`plan --format markdown`).

What a reviewer reads on the pull request before the environment is applied: the counts,
the changes grouped by action, each change's attribute diff (folded), and the drift, for
one environment or, with `plan --all`, every environment under a matrix of counts.

Everything in it comes from users, servers or Terraform, so every value is HTML-escaped
inside `<code>` (no Markdown, mention or HTML of its own acts in the comment) with
terminal controls shown as escapes; sensitive values and the platform's secrets are
masked by the plan model already. GitHub refuses comments over 65,536 characters: past
a budget the diffs are dropped, then the addresses, with a line saying what was left out.
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Iterable, Sequence

from zenml_tui.ops.plan_all import COLUMNS, EnvPlan
from zenml_tui.terraform.plan import (
    ABSENT,
    SENSITIVE,
    SYMBOL,
    UNKNOWN,
    AttrDiff,
    PlanModel,
    ResourceChange,
    is_secret_mark,
    shown,
)
from zenml_tui.textsafe import line

BUDGET = 60_000  # characters of diff detail in one comment (GitHub's limit is 65,536)
VALUE_LIMIT = 120  # characters of one value shown
ORDER = ("create", "import", "update", "replace", "delete", "read")


def code(text: str) -> str:
    """`text` as inline code that nothing inside can break out of."""
    shown = html.escape(line(text), quote=False).replace("|", "&#124;")
    return f"<code>{shown}</code>"


def _value(value: object) -> str:
    """In Terraform's words (`shown`), as the terminal review says them."""
    if value is ABSENT:
        return "<i>(none)</i>"
    if value in (SENSITIVE, UNKNOWN) or is_secret_mark(value):
        return f"<i>{html.escape(str(value))}</i>"
    text = shown(value)
    if len(text) > VALUE_LIMIT:
        text = text[: VALUE_LIMIT - 1] + "…"
    return code(text)


class _Budget:
    """How much detail is still allowed in the comment."""

    def __init__(self, chars: int) -> None:
        self.left = chars
        self.dropped_diffs = 0
        self.dropped_changes = 0

    def take(self, text: str) -> bool:
        if len(text) > self.left:
            return False
        self.left -= len(text)
        return True


def _diff_table(change: ResourceChange) -> str:
    rows = change.diffs()
    if not rows:
        return ""
    if change.action == "create":
        out = ["| attribute | value | from |", "|---|---|---|"]
        out += [f"| {code(d.path)} | {_value(d.after)} | {_from(d)} |" for d in rows]
    else:
        out = ["| attribute | before | after | from |", "|---|---|---|---|"]
        for d in rows:
            mark = " <b>forces replacement</b>" if d.forces_replace else ""
            out.append(
                f"| {code(d.path)} | {_value(d.before)} | {_value(d.after)}{mark} | {_from(d)} |"
            )
    return "\n".join(out)


def _from(d: AttrDiff) -> str:
    """The layer value behind an attribute (file:line:col), or who else decides it."""
    origin = d.origin
    if origin is None or origin.kind == "untraced":
        return ""
    return code(origin.text) if origin.located else f"<i>{html.escape(line(origin.text))}</i>"


def _change(change: ResourceChange, action: str, budget: _Budget) -> str:
    head = f"{SYMBOL.get(action, '')} {code(change.address)}".strip()
    if action == "replace" and change.reason:
        head += f" ({html.escape(line(change.reason))})"
    if change.importing:
        head += f" (object {code(change.importing)})"
    table = "" if action in ("delete", "read") else _diff_table(change)
    if table:
        block = f"<details><summary>{head}</summary>\n\n{table}\n\n</details>"
        if budget.take(block):
            return block
        budget.dropped_diffs += 1
    entry = f"- {head}"
    if budget.take(entry):
        return entry
    budget.dropped_changes += 1
    return ""


def _sections(model: PlanModel, level: int, budget: _Budget) -> list[str]:
    out: list[str] = []
    groups = model.by_action()
    for action in ORDER:
        items = groups.get(action) or []
        if not items:
            continue
        out.append(f"{'#' * level} {action} ({len(items)})")
        out.append(_joined(_change(c, action, budget) for c in items))
    if model.drift:
        out.append(f"{'#' * level} drift ({len(model.drift)} changed outside Terraform)")
        out.append(_joined(_change(c, c.action or "update", budget) for c in model.drift))
    return [s for s in out if s]


def _joined(entries: Iterable[str]) -> str:
    """List items one per line; a folded block apart from its neighbours (GitHub renders
    Markdown next to `<details>` only past a blank line)."""
    parts = [e for e in entries if e]
    out = parts[0] if parts else ""
    for before, entry in itertools.pairwise(parts):
        folded = before.endswith("</details>") or entry.startswith("<details>")
        out += ("\n\n" if folded else "\n") + entry
    return out


def _summary(model: PlanModel) -> str:
    drift = f"{len(model.drift)} drifted" if model.drift else "no drift"
    if not model.has_changes:
        return f"**no changes** · {drift}"
    return f"**{model.summary()}** · {drift}"


def _footer(budget: _Budget, hint: str) -> list[str]:
    notes = []
    if budget.dropped_diffs:
        notes.append(f"the attribute diffs of {budget.dropped_diffs} changes")
    if budget.dropped_changes:
        notes.append(f"{budget.dropped_changes} changes")
    if not notes:
        return []
    return [f"_Not shown, to fit a comment: {' and '.join(notes)}; the full review: {hint}_"]


def _meta(commit: str, version: str) -> str:
    parts = []
    if commit:
        parts.append(
            f"commit {code(commit[:12] + ('+dirty' if commit.endswith('+dirty') else ''))}"
        )
    if version:
        parts.append(f"Terraform {html.escape(version)}")
    return f"<sub>{' · '.join(parts)}</sub>" if parts else ""


def plan_markdown(platform: str, environment: str, model: PlanModel, commit: str = "") -> str:
    """One environment's review."""
    budget = _Budget(BUDGET)
    out = [f"## zenml-tui plan: {code(environment)} of {code(platform)}", _summary(model)]
    if meta := _meta(commit, model.terraform_version):
        out.append(meta)
    out += _sections(model, 3, budget)
    out += _footer(budget, f"`zenml-tui plan --env {environment}`")
    return "\n\n".join(out) + "\n"


def _cell(row: EnvPlan, column: str) -> str:
    counts = row.counts
    if not counts:
        return "–"
    n = counts.get(column, 0)
    if column == "create" and counts.get("import"):
        return f"{n} (+{counts['import']} import)"
    return str(n)


def _row_status(row: EnvPlan) -> str:
    if row.error is not None:
        return f"{row.status}: {code(row.error.message)}"
    return row.status


def matrix_markdown(rows: Sequence[EnvPlan]) -> str:
    head = "| environment | " + " | ".join(COLUMNS) + " | result |"
    rule = "|---|" + "--:|" * len(COLUMNS) + "---|"
    body = [
        f"| {code(r.environment)} | "
        + " | ".join(_cell(r, c) for c in COLUMNS)
        + f" | {_row_status(r)} |"
        for r in rows
    ]
    return "\n".join([head, rule, *body])


def plan_all_markdown(platform: str, rows: Iterable[EnvPlan], commit: str = "") -> str:
    """Every environment: the matrix, then each environment's review, folded."""
    rows = list(rows)
    budget = _Budget(BUDGET)
    out = [f"## zenml-tui plan --all of {code(platform)}", matrix_markdown(rows)]
    version = next(
        (r.outcome.model.terraform_version for r in rows if r.outcome and r.outcome.model), ""
    )
    if meta := _meta(commit, version):
        out.append(meta)
    for row in rows:
        model = row.outcome.model if row.outcome is not None else None
        if model is None:
            continue
        out.append(f"### {code(row.environment)}: {_summary(model)}")
        out += _sections(model, 4, budget)
    out += _footer(budget, "`zenml-tui plan --env ENV`")
    return "\n\n".join(out) + "\n"
