"""Terraform type constraints of the root module's variables, and conformance to them.

`variables.tf` is read by the scanner of `variable` blocks (platform/hclscan.py;
python-hcl2 only where it cannot), which gives each `type` as expression text; this
module parses that text (string, number, bool, any, map, list, set, tuple, object with
optional attributes) and converts a value the way Terraform will, so a mismatch is
reported against the layer that set the value, not by Terraform.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from zenml_tui.platform.nodes import KeyPath

_TOKEN = re.compile(
    r"\s*(?:(?P<ident>[A-Za-z_][A-Za-z0-9_-]*)|(?P<num>-?[0-9]+(?:\.[0-9]+)?)|"
    r'(?P<str>"(?:[^"\\]|\\.)*")|(?P<punct>[(){}\[\]=,:]))'
)


@dataclass
class TfType:
    """kind: string | number | bool | any | map | list | set | tuple | object."""

    kind: str
    elem: TfType | None = None
    attrs: dict[str, TfType] = field(default_factory=dict)
    optional: set[str] = field(default_factory=set)
    defaults: dict[str, Any] = field(default_factory=dict)
    items: list[TfType] = field(default_factory=list)

    def __str__(self) -> str:
        if self.kind in ("map", "list", "set"):
            return f"{self.kind}({self.elem})"
        if self.kind == "object":
            return "object({" + ", ".join(self.attrs) + "})"
        return self.kind


@dataclass
class Variable:
    name: str
    type: TfType
    required: bool
    sensitive: bool


class TypeSyntaxError(ValueError):
    pass


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks: list[tuple[str, str]] = []
        pos = 0
        text = text.strip()
        if text.startswith("${") and text.endswith("}"):
            text = text[2:-1]
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if not m or m.end() == pos:
                if text[pos:].strip() == "":
                    break
                raise TypeSyntaxError(f"unexpected {text[pos : pos + 10]!r}")
            kind = m.lastgroup or ""
            self.toks.append((kind, m.group(kind)))
            pos = m.end()
        self.i = 0

    def peek(self) -> tuple[str, str]:
        return self.toks[self.i] if self.i < len(self.toks) else ("eof", "")

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if value is not None and tok[1] != value:
            raise TypeSyntaxError(f"expected {value!r}, found {tok[1]!r}")
        self.i += 1
        return tok

    def type(self) -> TfType:
        kind, name = self.take()
        if kind != "ident":
            raise TypeSyntaxError(f"expected a type, found {name!r}")
        if name in ("string", "number", "bool", "any"):
            return TfType(name)
        if name in ("map", "list", "set"):
            self.take("(")
            elem = self.type()
            self.take(")")
            return TfType(name, elem=elem)
        if name == "tuple":
            self.take("(")
            self.take("[")
            items: list[TfType] = []
            while self.peek()[1] != "]":
                items.append(self.type())
                if self.peek()[1] == ",":
                    self.take(",")
            self.take("]")
            self.take(")")
            return TfType("tuple", items=items)
        if name == "object":
            self.take("(")
            self.take("{")
            t = TfType("object")
            while self.peek()[1] != "}":
                _, attr = self.take()
                self.take("=")
                if self.peek() == ("ident", "optional"):
                    self.take()
                    self.take("(")
                    t.attrs[attr] = self.type()
                    t.optional.add(attr)
                    if self.peek()[1] == ",":
                        self.take(",")
                        t.defaults[attr] = self.literal()
                    self.take(")")
                else:
                    t.attrs[attr] = self.type()
                if self.peek()[1] == ",":
                    self.take(",")
            self.take("}")
            self.take(")")
            return t
        raise TypeSyntaxError(f"unknown type {name!r}")

    def literal(self) -> Any:
        kind, val = self.take()
        if val == "{":
            out: dict[str, Any] = {}
            while self.peek()[1] != "}":
                _, key = self.take()
                self.take("=" if self.peek()[1] == "=" else ":")
                out[key.strip('"')] = self.literal()
                if self.peek()[1] == ",":
                    self.take(",")
            self.take("}")
            return out
        if val == "[":
            items = []
            while self.peek()[1] != "]":
                items.append(self.literal())
                if self.peek()[1] == ",":
                    self.take(",")
            self.take("]")
            return items
        if kind == "num":
            return float(val) if "." in val else int(val)
        if kind == "str":
            return json.loads(val)
        if val in ("true", "false"):
            return val == "true"
        if val == "null":
            return None
        raise TypeSyntaxError(f"unsupported default {val!r}")


def parse_type(text: str) -> TfType:
    p = _Parser(text)
    t = p.type()
    if p.peek()[0] != "eof":
        raise TypeSyntaxError(f"unexpected {p.peek()[1]!r} after the type")
    return t


@lru_cache(maxsize=8)
def _read_variables(path: str, mtime_ns: int) -> tuple[Variable, ...]:
    from zenml_tui.platform.hclscan import NotHCL, declared_variables, sensitive_variables

    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    try:
        declared = declared_variables(text, path)
        sensitive = set(sensitive_variables({path: text}))
    except NotHCL:
        return _read_variables_hcl2(text)  # python-hcl2 says what is wrong
    return tuple(
        Variable(
            name=name,
            type=parse_type(attrs.get("type", "any")),
            required="default" not in attrs,
            sensitive=name in sensitive,
        )
        for name, attrs in declared
    )


def _read_variables_hcl2(text: str) -> tuple[Variable, ...]:
    import hcl2  # lazy: importing it and building its parser take ~250 ms

    doc = hcl2.loads(text)
    out: list[Variable] = []
    for block in doc.get("variable", []):
        for raw_name, body in block.items():
            name = raw_name.strip('"')
            type_text = body.get("type", "any")
            out.append(
                Variable(
                    name=name,
                    type=parse_type(type_text) if isinstance(type_text, str) else TfType("any"),
                    required="default" not in body,
                    sensitive=bool(body.get("sensitive", False)),
                )
            )
    return tuple(out)


def read_variables(module_dir: Path) -> dict[str, Variable]:
    """The variables declared by the module's variables.tf (cached per mtime)."""
    path = module_dir / "variables.tf"
    st = path.stat()
    return {v.name: v for v in _read_variables(str(path), st.st_mtime_ns)}


# -- conformance ---------------------------------------------------------------------------

Report = Callable[[str, KeyPath, str], None]  # (kind of problem, path, message)


def _tf_number_text(v: int | float) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def conform(value: Any, t: TfType, path: KeyPath, report: Report) -> Any:
    """Convert `value` to type `t` as Terraform would; report what cannot convert.

    One projection rule of our own: a map or list where a string is expected (ZenML
    component configuration is map(string)) is JSON-encoded, which ZenML decodes.
    """
    if value is None or t.kind == "any":
        return value
    k = t.kind
    if k == "string":
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return _tf_number_text(value)
        if isinstance(value, dict | list):
            return json.dumps(value, sort_keys=True, separators=(",", ":"))
        report("type", path, f"expected a string, found {type(value).__name__}")
        return None
    if k == "number":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            try:
                return float(value) if any(c in value for c in ".eE") else int(value)
            except ValueError:
                pass
        report("type", path, "expected a number")
        return None
    if k == "bool":
        if isinstance(value, bool):
            return value
        if value in ("true", "false"):
            return value == "true"
        report("type", path, "expected a boolean")
        return None
    if k == "map":
        if not isinstance(value, dict):
            report("type", path, f"expected a map of {t.elem}")
            return None
        assert t.elem is not None
        return {key: conform(v, t.elem, (*path, key), report) for key, v in value.items()}
    if k in ("list", "set"):
        if not isinstance(value, list):
            report("type", path, f"expected a list of {t.elem}")
            return None
        assert t.elem is not None
        return [conform(v, t.elem, (*path, i), report) for i, v in enumerate(value)]
    if k == "tuple":
        if not isinstance(value, list) or len(value) != len(t.items):
            report("type", path, f"expected a list of {len(t.items)} items")
            return None
        return [
            conform(v, it, (*path, i), report)
            for i, (v, it) in enumerate(zip(value, t.items, strict=True))
        ]
    if k == "object":
        if not isinstance(value, dict):
            report("type", path, "expected a map")
            return None
        out: dict[str, Any] = {}
        for key, v in value.items():
            at = t.attrs.get(key)
            if at is None:
                report("undeclared", (*path, key), f"'{key}' is not declared by the module")
                continue
            out[key] = conform(v, at, (*path, key), report)
        for attr in t.attrs:
            if attr not in value and attr not in t.optional:
                report("missing", (*path, attr), f"'{attr}' is required by the module")
        return out
    return value  # pragma: no cover
