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
# bounds on what one document may make us build (docs/layering.md, "Limits")
MAX_DEPTH = 64  # nested maps and lists
MAX_VALUES = 50_000  # values in a document once its aliases are expanded
MAX_LINES = 50_000  # checked before parsing: composing more takes seconds
MAX_ALIASES = 10_000
MAX_INT_DIGITS = 64


class NumberOutOfRange(ValueError):
    """An integer too long to be one anybody meant."""


def resolve_plain(text: str) -> Scalar:
    """YAML 1.2 core schema for an unquoted scalar."""
    if text and text[0] not in _MAYBE_NOT_STR:
        return text  # the common case: cannot be null, bool or a number
    if _NULL.match(text):
        return None
    if _BOOL.match(text):
        return text.lower() == "true"
    if _INT10.match(text):
        if len(text) > MAX_INT_DIGITS:
            raise NumberOutOfRange(f"an integer of {len(text.lstrip('+-'))} digits")
        return int(text)
    if _INT8.match(text) or _INT16.match(text):
        if len(text) > MAX_INT_DIGITS:
            raise NumberOutOfRange(f"an integer of {len(text) - 2} digits")
        return int(text[2:], 8 if text[1] == "o" else 16)
    if _FLOAT.match(text):
        return float(text)
    if _INF.match(text):
        return -math.inf if text.startswith("-") else math.inf
    if _NAN.match(text):
        return math.nan
    return text


def decode(data: bytes, file: str) -> tuple[str | None, Diagnostic | None]:
    """UTF-8 (a BOM is allowed), or a located ENCODING error. A NUL byte is one too: it
    is UTF-16 (with or without its BOM) or binary, never a layer."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    nul = data.find(b"\x00")
    if nul >= 0:
        before = data[:nul]
        line = before.count(b"\n") + 1
        col = len(before) - (before.rfind(b"\n") + 1) + 1
        return None, Diagnostic(
            Code.ENCODING,
            "the file holds NUL bytes: it is UTF-16 or binary, not UTF-8 text",
            file,
            line,
            col,
            hint="save the file as UTF-8",
        )
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


class _TooMuch(Exception):
    """The document expands beyond MAX_VALUES or nests beyond MAX_DEPTH."""


class _Converter:
    def __init__(self, file: str) -> None:
        self.file = file
        self.errors: list[Diagnostic] = []
        # an alias is the node it names, composed once: converted once, its size
        # counted every time (aliases of aliases expand exponentially)
        self.done: dict[int, tuple[LNode, int]] = {}
        self.values = 0
        self.aliases = 0

    def scalar(self, text: str, mark: Mark) -> Scalar:
        """A plain scalar's value; a number no one can mean is an error (the text stays)."""
        try:
            value = resolve_plain(text)
        except NumberOutOfRange as exc:
            self.err(Code.NUMBER_OUT_OF_RANGE, f"{exc}: write it as a string", mark)
            return text
        if type(value) is float and not math.isfinite(value):
            self.err(
                Code.NUMBER_OUT_OF_RANGE,
                f"'{text[:40]}' is not a finite number",
                mark,
                "Terraform and ZenML have no infinity or NaN; quote it to mean the text",
            )
            return text
        return value

    def convert_root(self, node: yaml.Node) -> LNode | None:
        """The document's tree, or None with a located error past a limit."""
        try:
            return self.convert(node)
        except _TooMuch as exc:
            limit = str(exc)
            if limit == "depth":
                code, what = Code.TOO_DEEP, f"maps and lists nested more than {MAX_DEPTH} deep"
            elif limit == "aliases":
                code, what = Code.ALIAS_EXPANSION, f"more than {MAX_ALIASES:,} aliases"
            elif self.aliases:
                code = Code.ALIAS_EXPANSION
                what = f"more than {MAX_VALUES:,} values once its aliases are expanded"
            else:
                code, what = Code.FILE_TOO_LARGE, f"more than {MAX_VALUES:,} values"
            self.err(code, f"the document has {what}", self.depth_mark or self.mark(node))
            return None

    depth_mark: Mark | None = None

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

    def convert(self, node: yaml.Node, depth: int = 0) -> LNode:
        file = self.file
        sm = node.start_mark
        mark = Mark(file, sm.line + 1, sm.column + 1)
        if isinstance(node, MappingNode | SequenceNode):
            seen = self.done.get(id(node))
            if seen is not None:  # an alias
                self.aliases += 1
                self.values += seen[1]
                if self.aliases > MAX_ALIASES:
                    raise _TooMuch("aliases")
                if self.values > MAX_VALUES:
                    raise _TooMuch("values")
                return seen[0]
            if depth > MAX_DEPTH:
                self.depth_mark = mark
                raise _TooMuch("depth")
            before = self.values
            converted = self._container(node, mark, depth)
            self.values += 1
            if self.values > MAX_VALUES:
                raise _TooMuch("values")
            self.done[id(node)] = (converted, self.values - before)
            return converted
        self.values += 1
        return self._scalar_node(node, mark)

    def _container(self, node: MappingNode | SequenceNode, mark: Mark, depth: int) -> LNode:
        file = self.file
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
                    vmark = Mark(file, vsm.line + 1, vsm.column + 1)
                    children[key] = LNode(SCALAR, self.scalar(vnode.value, vmark), vmark)
                    self.values += 1
                else:
                    children[key] = self.convert(vnode, depth + 1)
                key_marks[key] = kmark
            return LNode(MAP, children, mark, tag, key_marks)
        return LNode(LIST, [self.convert(v, depth + 1) for v in node.value], mark, tag)

    def _scalar_node(self, node: yaml.Node, mark: Mark) -> LNode:
        assert isinstance(node, ScalarNode)
        tag = self.layer_tag(node)
        if node.tag == _PLAIN or (tag is not None and not node.style):
            value: Scalar = self.scalar(node.value, mark)
        elif node.tag in _STD_TAGS and node.tag != f"{_STD}str":
            value = self.explicit(node, mark)
        else:
            value = node.value
        return LNode(SCALAR, value, mark, tag)

    def explicit(self, node: ScalarNode, mark: Mark) -> Scalar:
        """`!!int 5` and friends."""
        want = node.tag[len(_STD) :]
        value = self.scalar(node.value, mark)
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
    lines = text.count("\n")
    if lines > MAX_LINES:
        return None, [
            Diagnostic(
                Code.FILE_TOO_LARGE,
                f"the document has {lines:,} lines; the limit is {MAX_LINES:,}",
                file,
                1,
                1,
                hint="split it into layers, or keep large data out of the configuration",
            )
        ]
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
    tree = conv.convert_root(root)
    if tree is None:
        return None, conv.errors
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


def parse_file(
    path: Path, root: Path | None = None
) -> tuple[LNode | None, list[Diagnostic], str | None]:
    """Read (as `files.read_bytes` allows) and parse a file: (tree, errors, text)."""
    from zenml_tui.platform.files import read_bytes

    file = str(path)
    data, refused = read_bytes(path, root or path.parent)
    if refused is not None:
        return None, [refused], None
    if data is None:
        return None, [Diagnostic(Code.FILE_MISSING, "file not found", file, 1, 1)], None
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
