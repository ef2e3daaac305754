"""Read one layer file into an `LNode` tree with YAML 1.2 scalars and located errors.

PyYAML (C parser where present) composes nodes with line/column marks, which is what
provenance needs. Its default resolver is YAML 1.1 (`no`/`on`/`yes`/`off` become
booleans, `1:30` becomes 90); docs/layering.md ("Layers and their order") wants YAML 1.2
core, so scalars are resolved here instead.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import yaml
import yaml.cyaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from zenml_tui.errors import Code, Diagnostic
from zenml_tui.platform.errors import did_you_mean
from zenml_tui.platform.nodes import LIST, MAP, SCALAR, LNode, Mark, Scalar

LAYER_TAGS = ("delete", "replace", "append", "required")
_STD = "tag:yaml.org,2002:"
_STD_TAGS = {f"{_STD}{t}" for t in ("str", "int", "float", "bool", "null", "map", "seq")}
_NO_LAYER_TAG = frozenset({*_STD_TAGS, "!", "tag:zenml-tui,2026:plain"})

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_INT10 = re.compile(r"^[-+]?[0-9]+$")
_INT8 = re.compile(r"^0o[0-7]+$")
_INT16 = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_INF = re.compile(r"^[-+]?\.(?:inf|Inf|INF)$")
_NAN = re.compile(r"^\.(?:nan|NaN|NAN)$")

_PLAIN = "tag:zenml-tui,2026:plain"  # an untagged plain scalar, resolved by resolve_plain


class _Resolve:
    """Tells maps, lists, plain and quoted scalars apart; resolve_plain does the rest."""

    def resolve(self, kind: type, value: object, implicit: tuple[bool, bool]) -> str:
        if kind is MappingNode:
            return f"{_STD}map"
        if kind is SequenceNode:
            return f"{_STD}seq"
        return _PLAIN if implicit[0] else f"{_STD}str"


class _PyLoader(
    _Resolve,
    yaml.reader.Reader,
    yaml.scanner.Scanner,
    yaml.parser.Parser,
    yaml.composer.Composer,
    yaml.resolver.BaseResolver,
):
    """PyYAML's pure-Python parser with the resolver above (where libyaml is missing)."""

    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        yaml.resolver.BaseResolver.__init__(self)


if yaml.__with_libyaml__:

    class _CLoader(_Resolve, yaml.cyaml.CBaseLoader):
        """libyaml's C parser (6x faster) with the resolver above."""


def _loader(text: str) -> _PyLoader | _CLoader:
    return _CLoader(text) if yaml.__with_libyaml__ else _PyLoader(text)


_MAYBE_NOT_STR = frozenset("0123456789+-.~nNtTfF")


def resolve_plain(text: str) -> Scalar:
    """YAML 1.2 core schema for an unquoted scalar."""
    if text and text[0] not in _MAYBE_NOT_STR:
        return text  # the common case: cannot be null, bool or a number
    if _NULL.match(text):
        return None
    if _BOOL.match(text):
        return text.lower() == "true"
    if _INT10.match(text):
        return int(text)
    if _INT8.match(text):
        return int(text[2:], 8)
    if _INT16.match(text):
        return int(text[2:], 16)
    if _FLOAT.match(text):
        return float(text)
    if _INF.match(text):
        return -math.inf if text.startswith("-") else math.inf
    if _NAN.match(text):
        return math.nan
    return text


def decode(data: bytes, file: str) -> tuple[str | None, Diagnostic | None]:
    """UTF-8 (a BOM is allowed), or a located ENCODING error."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        col = len(before) - (before.rfind(b"\n") + 1) + 1
        return None, Diagnostic(
            Code.ENCODING,
            f"file is not valid UTF-8 (byte 0x{data[exc.start]:02x})",
            file,
            line,
            col,
            hint="save the file as UTF-8",
        )


class _Converter:
    def __init__(self, file: str) -> None:
        self.file = file
        self.errors: list[Diagnostic] = []

    def mark(self, node: yaml.Node) -> Mark:
        m = node.start_mark
        return Mark(self.file, m.line + 1, m.column + 1)

    def err(self, code: Code, msg: str, mark: Mark, hint: str = "") -> None:
        self.errors.append(Diagnostic(code, msg, mark.file, mark.line, mark.col, hint=hint))

    def layer_tag(self, node: yaml.Node) -> str | None:
        tag = node.tag
        if tag in _NO_LAYER_TAG or tag is None:
            return None
        if tag.startswith("!") and tag[1:] in LAYER_TAGS:
            return tag[1:]
        shown = tag.replace(_STD, "!!")
        hint = did_you_mean(shown.lstrip("!"), LAYER_TAGS)
        self.err(
            Code.UNKNOWN_TAG,
            f"unknown tag {shown}; the layering tags are !delete, !replace, !append, !required",
            self.mark(node),
            hint,
        )
        return "invalid"

    def convert(self, node: yaml.Node) -> LNode:
        file = self.file
        sm = node.start_mark
        mark = Mark(file, sm.line + 1, sm.column + 1)
        tag = self.layer_tag(node)
        if isinstance(node, MappingNode):
            children: dict[str, LNode] = {}
            key_marks: dict[str, Mark] = {}
            for knode, vnode in node.value:
                ksm = knode.start_mark
                kmark = Mark(file, ksm.line + 1, ksm.column + 1)
                if not isinstance(knode, ScalarNode):
                    self.err(Code.COMPLEX_KEY, "a key must be a plain scalar", kmark)
                    continue
                key = knode.value
                if key == "<<" or knode.tag == f"{_STD}merge":
                    self.err(
                        Code.UNKNOWN_KEY,
                        "YAML merge keys (<<) are not supported",
                        kmark,
                        "put shared values in a lower layer instead",
                    )
                    continue
                if key in children:
                    first = key_marks[key]
                    self.err(
                        Code.DUPLICATE_KEY,
                        f"duplicate key '{key}' (first at line {first.line}, column {first.col})",
                        kmark,
                        "a later duplicate would silently win; keep one",
                    )
                    continue
                if vnode.tag == _PLAIN and type(vnode) is ScalarNode:  # the common case
                    vsm = vnode.start_mark
                    children[key] = LNode(
                        SCALAR,
                        resolve_plain(vnode.value),
                        Mark(file, vsm.line + 1, vsm.column + 1),
                    )
                else:
                    children[key] = self.convert(vnode)
                key_marks[key] = kmark
            return LNode(MAP, children, mark, tag, key_marks)
        if isinstance(node, SequenceNode):
            return LNode(LIST, [self.convert(v) for v in node.value], mark, tag)
        assert isinstance(node, ScalarNode)
        if node.tag == _PLAIN or (tag is not None and not node.style):
            value: Scalar = resolve_plain(node.value)
        elif node.tag in _STD_TAGS and node.tag != f"{_STD}str":
            value = self.explicit(node, mark)
        else:
            value = node.value
        return LNode(SCALAR, value, mark, tag)

    def explicit(self, node: ScalarNode, mark: Mark) -> Scalar:
        """`!!int 5` and friends."""
        want = node.tag[len(_STD) :]
        value = resolve_plain(node.value)
        ok = {
            "int": isinstance(value, int) and not isinstance(value, bool),
            "float": isinstance(value, int | float) and not isinstance(value, bool),
            "bool": isinstance(value, bool),
            "null": value is None,
        }.get(want, True)
        if not ok:
            self.err(Code.YAML_SYNTAX, f"'{node.value}' is not a valid !!{want}", mark)
            return str(node.value)
        return float(value) if want == "float" and value is not None else value


def parse_text(text: str, file: str) -> tuple[LNode | None, list[Diagnostic]]:
    """Parse YAML text into an LNode tree. Returns (None, errors) when unusable."""
    try:
        loader = _loader(text)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_error(exc, file, text)]
    except yaml.YAMLError as exc:  # reader errors: control characters
        pos = getattr(exc, "position", 0) or 0
        before = text[:pos]
        line = before.count("\n") + 1
        col = pos - (before.rfind("\n") + 1) + 1
        return None, [Diagnostic(Code.YAML_SYNTAX, _first_line(str(exc)), file, line, col)]
    conv = _Converter(file)
    if root is None:
        return None, [
            Diagnostic(
                Code.EMPTY_LAYER,
                "file is empty",
                file,
                1,
                1,
                hint="write `{}` for a layer that intentionally sets nothing",
            )
        ]
    tree = conv.convert(root)
    if tree.kind != MAP:
        conv.err(
            Code.NOT_A_MAPPING,
            f"the top level must be a mapping of keys, not a {tree.kind}",
            tree.mark,
        )
        return None, conv.errors
    if tree.tag is not None and tree.tag != "invalid":
        conv.err(Code.MISPLACED_TAG, f"!{tree.tag} cannot tag the whole file", tree.mark)
    return tree, conv.errors


def parse_file(path: Path) -> tuple[LNode | None, list[Diagnostic], str | None]:
    """Read and parse a file. Returns (tree, errors, text)."""
    file = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None, [Diagnostic(Code.FILE_MISSING, "file not found", file, 1, 1)], None
    except OSError as exc:
        return None, [Diagnostic(Code.FILE_UNREADABLE, exc.strerror or str(exc), file, 1, 1)], None
    text, err = decode(data, file)
    if err is not None or text is None:
        return None, [err] if err else [], None
    tree, errors = parse_text(text, file)
    return tree, errors, text


def _first_line(s: str) -> str:
    return s.strip().splitlines()[0] if s.strip() else "invalid YAML"


def _char_at(text: str, line: int, col: int) -> str:
    lines = text.split("\n")
    if 1 <= line <= len(lines) and 1 <= col <= len(lines[line - 1]):
        return lines[line - 1][col - 1]
    return ""


def _syntax_error(exc: yaml.MarkedYAMLError, file: str, text: str) -> Diagnostic:
    mark = exc.problem_mark or exc.context_mark
    line = (mark.line + 1) if mark else 1
    col = (mark.column + 1) if mark else 1
    problem = exc.problem or "invalid YAML"
    if "'\\t'" in problem or "\t" in problem or _char_at(text, line, col) == "\t":
        return Diagnostic(
            Code.YAML_TAB,
            "tab character where YAML expects indentation or a value",
            file,
            line,
            col,
            hint="YAML forbids tabs for indentation; indent with spaces",
        )
    msg = problem
    if exc.context:
        msg = f"{problem} ({exc.context}"
        if exc.context_mark and mark and exc.context_mark.line != mark.line:
            msg += f" at line {exc.context_mark.line + 1}"
        msg += ")"
    return Diagnostic(Code.YAML_SYNTAX, msg, file, line, col)
