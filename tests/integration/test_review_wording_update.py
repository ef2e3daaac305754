"""An update reads as Terraform itself writes it, before and after: a real plan of
built-in `terraform_data` resources applied once and then changed to every kind of value
(null, bool, number, string with quotes, backslashes, a tab and accents, list item, map
key, an unknown value, a sensitive one); Terraform's own `terraform show PLANFILE` beside
the CLI's review lines, the apply confirmation (from the saved review) and the Markdown
comment. (test_review_wording.py does the same for a create in the Plan tab.)"""

from __future__ import annotations

import contextlib
import io
import json
import re

import pytest

from tests.tfharness import Workdir, restore_environ, set_environ, terraform_environment
from zenml_tui import cli
from zenml_tui.ops import markdown
from zenml_tui.terraform.plan import PlanModel

CONFIG = """
variable "secret" {
  type      = string
  sensitive = true
}
variable "seed" { type = string }
resource "terraform_data" "seed" {
  input            = "seed"
  triggers_replace = [var.seed]
}
resource "terraform_data" "kinds" {
  input = {
    n   = %(n)s
    b   = %(b)s
    i   = %(i)s
    x   = %(x)s
    big = %(big)s
    s   = %(s)s
    t   = %(t)s
    l   = %(l)s
    m   = %(m)s
    u   = %(u)s
  }
}
resource "terraform_data" "hidden" { input = var.secret }
"""
BEFORE = {
    "n": '"was"',
    "b": "false",
    "i": "2",
    "x": "2.5",
    "big": "1",
    "s": '"a"',
    "t": '"plain"',
    "l": '["a", "x"]',
    "m": '{ k = "w" }',
    "u": '"static"',
}
AFTER = {
    "n": "null",
    "b": "true",
    "i": "3",
    "x": "1.5",
    "big": "12345678901",
    "s": r'"it\'s \"q\" \\ ok"'.replace("\\'", "'"),
    "t": r'"tab\there, café ✓"',
    "l": '["a", "b"]',
    "m": '{ k = "v" }',
    "u": "terraform_data.seed.id",
}
SECRETS = ("fixture-secret-before", "fixture-secret-after")


def _terraforms_changes(human: str, resource: str) -> dict[str, tuple[str, str]]:
    """path -> (before, after) of what changes in one resource of Terraform's
    human-readable plan: `~ key = A -> B`, nested maps and lists item by item."""
    block = human.split(f'resource "terraform_data" "{resource}" {{', 1)[1]
    out: dict[str, tuple[str, str]] = {}
    stack: list[list] = []  # [path, next list index, or -1 for a map]
    for raw in block.splitlines():
        text = raw.strip()
        if re.fullmatch(r"[}\]](?: -> .*)?,?", text):
            if not stack:
                break
            stack.pop()
            continue
        keyed = re.fullmatch(r'([~+-] )?"?([^"=\s]+)"?\s+= (.+)', text)
        item = None if keyed else re.fullmatch(r"([~+-] )?(.+?),", text)
        if keyed:
            _, key, value = keyed.groups()
            path = f"{stack[-1][0]}.{key}" if stack else key
            if value in ("{", "["):
                stack.append([path, 0 if value == "[" else -1])
            elif keyed.group(1) == "~ ":
                before, after = value.split(" -> ", 1) if " -> " in value else (value, value)
                out[path] = (before, after)
        elif item and stack and stack[-1][1] >= 0:
            mark, value = item.groups()
            if mark == "~ ":
                before, after = value.split(" -> ", 1)
                out[f"{stack[-1][0]}[{stack[-1][1]}]"] = (before, after)
            stack[-1][1] += 0 if mark == "+ " else 1
    return out


def _ours(before: str, after: str) -> tuple[str, str]:
    """Terraform's words, but a secret it prints (the `output` of a sensitive `input`,
    not marked sensitive itself) is masked in zenml-tui's review, whatever Terraform does."""

    def masked(token: str) -> str:
        return "(sensitive value)" if any(s in token for s in SECRETS) else token

    return masked(before), masked(after)


@pytest.fixture(scope="module")
def updated(tmp_path_factory) -> tuple[PlanModel, str]:
    tmp = tmp_path_factory.mktemp("wording-update")
    saved = set_environ(terraform_environment(tmp))
    try:
        work = Workdir(tmp / "root", tmp / "plugins")
        (tmp / "plugins").mkdir()
        work.write(CONFIG % BEFORE)
        work.init()
        work.plan(vars={"secret": SECRETS[0], "seed": "1"})
        work.apply()
        work.write(CONFIG % AFTER)
        doc = work.plan(vars={"secret": SECRETS[1], "seed": "2"})
        human = work.cli.show(str(work.path / "tf.plan"), json=False).value
    finally:
        restore_environ(saved)
    return PlanModel.from_json(doc), human


def test_terraform_says_what_the_test_compares(updated: tuple[PlanModel, str]) -> None:
    _, human = updated
    theirs = _terraforms_changes(human, "kinds")
    assert theirs["input.n"] == ('"was"', "null")
    assert theirs["input.b"] == ("false", "true")
    assert theirs["input.l[1]"] == ('"x"', '"b"') and theirs["input.m.k"] == ('"w"', '"v"')
    assert theirs["input.u"] == ('"static"', "(known after apply)")
    hidden = _terraforms_changes(human, "hidden")
    assert hidden["input"] == ("(sensitive value)",) * 2
    assert _ours(*hidden["output"]) == ("(sensitive value)", "(known after apply)")
    assert len(theirs) >= 10


def test_the_cli_review_and_confirmation_say_terraforms_words(
    updated: tuple[PlanModel, str],
) -> None:
    model, human = updated
    review, confirmation = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(review):
        cli.print_review(model, "t")
    with contextlib.redirect_stdout(confirmation):
        cli.print_saved_review(json.loads(json.dumps(model.to_dict())))  # as saved
    for resource in ("kinds", "hidden"):
        for path, theirs in _terraforms_changes(human, resource).items():
            before, after = _ours(*theirs)
            said = f"      {path}: {before} -> {after}\n"
            assert said in review.getvalue(), (said, review.getvalue())
            assert said in confirmation.getvalue(), (said, confirmation.getvalue())
    for secret in SECRETS:
        assert secret not in review.getvalue() + confirmation.getvalue()


def test_the_markdown_says_terraforms_words(updated: tuple[PlanModel, str]) -> None:
    model, human = updated
    comment = markdown.plan_markdown("p", "t", model)

    def cell(value: str) -> str:
        return f"<i>{value}</i>" if value.startswith("(") else markdown.code(value)

    for resource in ("kinds", "hidden"):
        for path, theirs in _terraforms_changes(human, resource).items():
            before, after = _ours(*theirs)
            row = f"| {markdown.code(path)} | {cell(before)} | {cell(after)} |"
            assert row in comment, (row, comment)
    assert all(secret not in comment for secret in SECRETS)
