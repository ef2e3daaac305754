"""A module's variables read without a full HCL parse (platform/hclscan.py) are exactly
what python-hcl2 reads from the whole files: the types, defaults and sensitivity the
render and the native plan reader use, on the bundled modules, on a file of awkward HCL,
and on generated defaults."""

from __future__ import annotations

import json
from typing import Any

import hcl2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zenml_tui.bundled import modules_dir
from zenml_tui.platform import hclscan
from zenml_tui.platform.hclscan import NotHCL, declared_variables, sensitive_variables
from zenml_tui.platform.hcltypes import _read_variables, _read_variables_hcl2


def _unquoted(text: str) -> str:
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == '"' else text


def _value(value: Any) -> Any:
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        try:
            return json.loads(value)
        except ValueError:
            return value[1:-1]
    if isinstance(value, list):
        return [_value(v) for v in value]
    if isinstance(value, dict):
        return {_unquoted(k): _value(v) for k, v in value.items() if k != "__is_block__"}
    return value


def oracle(sources: dict[str, str]) -> dict[str, Any]:
    """The whole files through python-hcl2 (the reader's way before)."""
    found: dict[str, Any] = {}
    for text in sources.values():
        for block in hcl2.loads(text).get("variable") or []:
            for var, attrs in block.items():
                if isinstance(attrs, dict) and attrs.get("sensitive") in (True, "true"):
                    found[_unquoted(var)] = _value(attrs.get("default"))
    return found


def test_the_bundled_modules_read_alike_and_without_python_hcl2(monkeypatch) -> None:
    for root in sorted(p for p in modules_dir().iterdir() if p.is_dir()):
        sources = {p.name: p.read_text() for p in sorted(root.glob("*.tf"))}
        assert sensitive_variables(sources) == oracle(sources), root.name

    def refused(*args: object) -> dict[str, Any]:
        raise AssertionError("python-hcl2 was needed")

    monkeypatch.setattr(hclscan, "_hcl2_attributes", refused)
    platform = {p.name: p.read_text() for p in (modules_dir() / "platform").glob("*.tf")}
    assert sensitive_variables(platform) == {"secrets": {}}


AWKWARD = r"""
# variable "commented" { sensitive = true }
/* variable "blocked" {
  sensitive = true
} */
terraform {
  required_providers {
    zenml = { source = "zenml-io/zenml" }
  }
}
locals {
  text = "a } brace and a ${join("}", ["{"])} template"
  doc  = <<-EOT
    variable "in_heredoc" {
      sensitive = true
    }
  EOT
}
variable "plain" {
  type      = string
  sensitive = true
}
variable "with_default" {
  sensitive = true // the token
  default   = "s3cr\"et \u00e9 # not a comment"
}
variable "numbers" {
  default   = [1, 1.5, -2, 0]
  sensitive = true
}
variable "object" {
  sensitive = true
  default = {
    a = 1
    "b c" = [true, false, null]
    d : { nested = "x" },
    e = {}
  }
}
variable "not_secret" {
  sensitive = false
  default   = "shown"
}
variable "templated" {
  sensitive = true
  default   = "${"x"}y"
}
variable "called" {
  sensitive = true
  default   = tomap({ a = "b" })
}
variable "heredoc_default" {
  sensitive = true
  default   = <<EOF
line one
EOF
}
variable "validated" {
  sensitive = true
  default   = "v"
  validation {
    condition     = length(var.validated) > 0 && var.validated != "}"
    error_message = "Must not be empty { or a brace."
  }
}
variable "bare_label" {
  nullable  = false
  sensitive = true
  default   = ["a", "b",]
}
resource "terraform_data" "sensitive" {
  input = "sensitive"
}
"""


def test_awkward_hcl_reads_alike() -> None:
    sources = {"main.tf": AWKWARD}
    ours = sensitive_variables(sources)
    assert ours == oracle(sources)
    assert set(ours) == {
        "plain",
        "with_default",
        "numbers",
        "object",
        "templated",
        "called",
        "heredoc_default",
        "validated",
        "bare_label",
    }
    assert ours["with_default"] == 's3cr"et é # not a comment'
    assert ours["plain"] is None


def test_a_number_with_an_exponent_is_its_value() -> None:
    """python-hcl2 keeps `1e3` as the expression text `${1e3}`; Terraform's value (and
    `show -json`'s) is 1000."""
    text = 'variable "n" {\n  sensitive = true\n  default = [1e3, 2.5E-1]\n}\n'
    assert sensitive_variables({"v.tf": text}) == {"n": [1000, 0.25]}


def test_what_does_not_parse_is_refused() -> None:
    for broken in (
        'variable "x" {\n  sensitive = true\n',
        'variable "x" {\n  sensitive = true\n  default = "open\n}\n',
        'variable "x" {\n  sensitive = true\n  default = [1, 2\n}\n',
        'variable "x" {\n  sensitive = true\n  default = <<EOF\nno end\n}\n',
    ):
        with pytest.raises(NotHCL):
            sensitive_variables({"main.tf": broken})


SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False).map(lambda f: round(f, 3))
    | st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True), inner, max_size=4)
    ),
    max_leaves=12,
)


def _hcl(value: Any, style: int, depth: int = 0) -> str:
    """A value as HCL, laid out one of three ways."""
    if isinstance(value, dict):
        if not value:
            return "{}"
        sep = ",\n" if style == 0 else ("\n" if style == 1 else ", ")
        pad = "  " * (depth + 1)
        items = [
            f"{pad if style != 2 else ''}{k} = {_hcl(v, style, depth + 1)}"
            for k, v in value.items()
        ]
        if style == 2:
            return "{ " + sep.join(items) + " }"
        return "{\n" + sep.join(items) + "\n" + "  " * depth + "}"
    if isinstance(value, list):
        return (
            "["
            + ", ".join(_hcl(v, style, depth + 1) for v in value)
            + ("," if style == 1 and value else "")
            + "]"
        )
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value).replace("${", "$${").replace("%{", "%%{")
    return repr(value)


@settings(max_examples=150, deadline=None)
@given(value=VALUES, style=st.integers(0, 2), sensitive=st.booleans())
def test_generated_defaults_read_alike(value: Any, style: int, sensitive: bool) -> None:
    text = (
        'variable "generated" {\n'
        f"  sensitive = {'true' if sensitive else 'false'}\n"
        f"  default = {_hcl(value, style, 1)}\n"
        "}\n"
    )
    sources = {"variables.tf": text}
    assert sensitive_variables(sources) == oracle(sources)


TYPED = """
variable "plain" {}
variable "typed" {
  # a comment before
  type = map(object({
    name  = string # the name
    size  = optional(number, 3) // a default
    tags  = optional(list(string), ["a", "b"])
    /* a block
       comment */
    inner = optional(object({ on = bool }), { on = true })
  }))
  default     = {}
  description = "a { brace in a string"
  nullable    = false
}
variable "secret" {
  type      = string
  sensitive = true
  validation {
    condition     = var.secret != ""
    error_message = "Say something."
  }
}
"""


def test_module_variables_read_alike() -> None:
    """The render's view of a module's variables (hcltypes.read_variables): name, type,
    required, sensitive, as python-hcl2 gave them."""
    files = sorted(modules_dir().rglob("variables.tf"))
    assert files
    for path in files:
        text = path.read_text()
        assert _read_variables(str(path), path.stat().st_mtime_ns) == _read_variables_hcl2(text), (
            path
        )
    ours = {name: attrs for name, attrs in declared_variables(TYPED, "variables.tf")}
    assert set(ours) == {"plain", "typed", "secret"}
    assert "#" not in ours["typed"]["type"] and "/*" not in ours["typed"]["type"]
    assert "validation" not in ours["secret"]


def test_module_variables_with_comments_read_alike(tmp_path) -> None:
    path = tmp_path / "variables.tf"
    path.write_text(TYPED)
    assert _read_variables(str(path), path.stat().st_mtime_ns) == _read_variables_hcl2(TYPED)


def test_crlf_heredocs_and_lists_closed_on_their_own_line_are_read_without_python_hcl2(
    monkeypatch,
) -> None:
    def refused(*args: object) -> dict[str, Any]:
        raise AssertionError("python-hcl2 was needed")

    text = (
        'variable "v" {\n  sensitive = true\n  default = [\n    "a",\n    "b"\n  ]\n}\n'
        'variable "d" {\n  description = <<EOT\n  a { brace\nEOT\n  sensitive = true\n}\n'
    ).replace("\n", "\r\n")
    expected = oracle({"v.tf": text})
    monkeypatch.setattr(hclscan, "_hcl2_attributes", refused)
    assert sensitive_variables({"v.tf": text}) == expected == {"v": ["a", "b"], "d": None}
