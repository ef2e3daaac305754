"""Every kind of attribute value in the review reads as Terraform itself writes it: a
real plan of built-in `terraform_data` resources (null, bool, number, string with quotes
and backslashes, list, map, an unknown value, a sensitive one), Terraform's own
`terraform show PLANFILE` beside the review's text, the CLI's lines, the Plan tab's diff
and the Markdown comment."""

from __future__ import annotations

import re

import pytest

from tests.tfharness import Workdir, restore_environ, set_environ, terraform_environment
from zenml_tui.ops import markdown
from zenml_tui.terraform.plan import PlanModel, shown

MAIN_TF = r"""
variable "secret" {
  type      = string
  sensitive = true
}
resource "terraform_data" "seed" { input = "seed" }
resource "terraform_data" "kinds" {
  input = {
    n     = null
    b     = true
    f     = false
    i     = 3
    x     = 1.5
    big   = 12345678901
    s     = "it's \"q\" \\ ok"
    empty = ""
    l     = ["a", "b"]
    m     = { k = "v" }
    u     = terraform_data.seed.id
  }
}
resource "terraform_data" "hidden" { input = var.secret }
"""


def _terraforms_words(human: str, resource: str) -> dict[str, str]:
    """path -> value token of one resource in Terraform's human-readable plan."""
    block = human.split(f'resource "terraform_data" "{resource}" {{', 1)[1]
    out: dict[str, str] = {}
    stack: list[tuple[str, int]] = []  # (path, next list index or -1 for a map)
    for raw in block.splitlines():
        text = raw.strip()
        if text == "}" and not stack:
            break
        if text in ("}", "]"):
            stack.pop()
            continue
        item = re.fullmatch(r"\+ (.+?),?", text)
        keyed = re.fullmatch(r'\+ "?([^"=]+?)"?\s+= (.+)', text)
        if keyed:
            key, value = keyed.groups()
            path = f"{stack[-1][0]}.{key}" if stack else key
            if value in ("{", "["):
                stack.append((path, 0 if value == "[" else -1))
            else:
                out[path] = value
        elif item and stack and stack[-1][1] >= 0:
            parent, index = stack[-1]
            out[f"{parent}[{index}]"] = item.group(1)
            stack[-1] = (parent, index + 1)
    return out


@pytest.fixture(scope="module")
def planned(tmp_path_factory) -> tuple[PlanModel, str]:
    tmp = tmp_path_factory.mktemp("wording")
    saved = set_environ(terraform_environment(tmp))
    try:
        work = Workdir(tmp / "root", tmp / "plugins")
        (tmp / "plugins").mkdir()
        work.write(MAIN_TF)
        work.init()
        doc = work.plan(vars={"secret": "fixture-secret-value"})
        human = work.cli.show(str(work.path / "tf.plan"), json=False).value
    finally:
        restore_environ(saved)
    return PlanModel.from_json(doc), human


def test_every_value_kind_reads_as_terraform_writes_it(planned: tuple[PlanModel, str]) -> None:
    model, human = planned
    for resource in ("kinds", "hidden"):
        theirs = _terraforms_words(human, resource)
        change = next(c for c in model.changes if c.address == f"terraform_data.{resource}")
        ours = {d.path: shown(d.after) for d in change.diffs()}
        # Terraform leaves out what is null at the top of a new object; we say null
        compared = {p: v for p, v in ours.items() if p in theirs}
        assert compared == theirs
        assert len(compared) >= (13 if resource == "kinds" else 3)
    kinds = {p: shown(d.after) for c in model.changes for d in c.diffs() for p in [d.path]}
    # each kind once more by name, as a reader checks it
    assert kinds["input.n"] == "null" and kinds["input.b"] == "true"
    assert kinds["input.x"] == "1.5" and kinds["input.big"] == "12345678901"
    assert kinds["input.s"] == r'"it\'s \"q\" \\ ok"'.replace("\\'", "'")
    assert kinds["input.u"] == "(known after apply)"
    assert "fixture-secret-value" not in repr(model)


def test_the_plan_tab_and_the_markdown_say_the_same_words(
    planned: tuple[PlanModel, str],
) -> None:
    from zenml_tui.ui.widgets.plan_pane import PlanPane

    model, human = planned
    change = next(c for c in model.changes if c.address == "terraform_data.kinds")
    pane_text = PlanPane().describe(change).plain
    for path, value in _terraforms_words(human, "kinds").items():
        assert f"  {path}:  → {value}\n" in pane_text
    hidden = next(c for c in model.changes if c.address == "terraform_data.hidden")
    assert "  input:  → (sensitive value)\n" in PlanPane().describe(hidden).plain
    comment = markdown.plan_markdown("p", "local", model)
    for path, value in _terraforms_words(human, "kinds").items():
        cell = f"<i>{value}</i>" if value.startswith("(") else markdown.code(value)
        assert f"| {markdown.code(path)} | {cell} |" in comment
    assert f"| {markdown.code('input')} | <i>(sensitive value)</i> |" in comment
    assert "fixture-secret-value" not in comment
