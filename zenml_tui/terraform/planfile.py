"""Terraform's saved plan read natively: the `tfplan` member of the plan file (a zip),
without a second Terraform process.

`terraform show -json PLAN` re-reads the plan, starts every provider for its schema and
encodes the whole plan as JSON: at 10,000 changes 13 s, most of the wait for a review.
The saved plan already holds what the review needs: protocol buffers (format version 3)
whose resource values are cty values in MessagePack (unknowns an extension type,
dynamically typed values as `[type JSON, value]`), with the sensitive paths beside them.
This module decodes them into the document `show -json` would print for the fields the
plan model reads (`PlanModel.from_json` takes it as it is), so that both ways give the
same model.

Only plans of the Terraform versions in `SUPPORTED` are read (the format is private to
Terraform and may change with any release); anything else, or anything unexpected in the
file, raises `PlanFileUnreadable` and the caller falls back to `show -json`. The wire
decoder is small and our own: it reads the fields it knows and skips the others.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# the Terraform versions whose plan files this reader is tested against (the embedded one)
SUPPORTED = frozenset({"1.15.5"})
FORMAT_VERSION = 3
_MEMBER = "tfplan"
_ROOT_CONFIG = "tfconfig/m-/"

_ACTIONS: dict[int, list[str]] = {
    0: ["no-op"],
    1: ["create"],
    2: ["read"],
    3: ["update"],
    5: ["delete"],
    6: ["delete", "create"],
    7: ["create", "delete"],
    8: ["forget"],
    9: ["create", "forget"],
}
# which of a change's values are its before and after, by action (-1: none)
_SIDES: dict[int, tuple[int, int]] = {
    0: (0, 0),
    1: (-1, 0),
    2: (0, 1),
    3: (0, 1),
    5: (0, -1),
    6: (0, 1),
    7: (0, 1),
    8: (0, -1),
    9: (0, 1),
}
_REASONS: dict[int, str | None] = {
    0: None,
    1: "replace_because_tainted",
    2: "replace_by_request",
    3: "replace_because_cannot_update",
    4: "delete_because_no_resource_config",
    5: "delete_because_wrong_repetition",
    6: "delete_because_count_index",
    7: "delete_because_each_key",
    8: "delete_because_no_module",
    9: "replace_by_triggers",
    10: "read_because_config_unknown",
    11: "read_because_dependency_pending",
    12: "delete_because_no_move_target",
    13: "read_because_check_nested",
}


class PlanFileUnreadable(Exception):
    """The saved plan is not one this reader knows (another Terraform version, another
    format, a damaged file): read it with `terraform show -json` instead."""


# -- protocol buffers wire format -----------------------------------------------------
def _fields(buf: bytes) -> Iterator[tuple[int, int | bytes]]:
    """(field number, value) of one message: an int for varint and fixed fields, the
    bytes of a length-delimited one."""
    pos, end = 0, len(buf)
    while pos < end:
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
            yield number, value
        elif wire == 2:
            size, pos = _varint(buf, pos)
            if pos + size > end:
                raise PlanFileUnreadable("a field runs past the end of its message")
            yield number, buf[pos : pos + size]
            pos += size
        elif wire == 1:
            pos += 8
            yield number, int.from_bytes(buf[pos - 8 : pos], "little")
        elif wire == 5:
            pos += 4
            yield number, int.from_bytes(buf[pos - 4 : pos], "little")
        else:
            raise PlanFileUnreadable(f"unknown wire type {wire}")
        if pos > end:
            raise PlanFileUnreadable("a field runs past the end of its message")


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(buf) or shift > 63:
            raise PlanFileUnreadable("a number is cut off")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7


def _bytes(value: int | bytes) -> bytes:
    if not isinstance(value, bytes):
        raise PlanFileUnreadable("a field has the wrong wire type")
    return value


def _int(value: int | bytes) -> int:
    if isinstance(value, bytes):
        raise PlanFileUnreadable("a field has the wrong wire type")
    return value


def _text(value: int | bytes) -> str:
    try:
        return _bytes(value).decode("utf-8")
    except UnicodeDecodeError:
        raise PlanFileUnreadable("a string is not UTF-8") from None


# -- cty values in MessagePack --------------------------------------------------------
class _Unknown:
    """A value known only after apply."""

    __slots__ = ()


UNKNOWN = _Unknown()


def _ext(code: int, data: bytes) -> Any:
    if code in (0, 12):  # unknown, and unknown with refinements (a prefix, a range...)
        return UNKNOWN
    raise PlanFileUnreadable(f"unknown MessagePack extension {code}")


def _dynamic(raw: bytes) -> Any:
    """A DynamicValue message: its MessagePack value, decoded."""
    return _dynamic_counted(raw)[0]


def _dynamic_counted(raw: bytes) -> tuple[Any, int]:
    """A DynamicValue message: its value, and how many unknowns it holds (none, mostly:
    then nothing needs to look for them)."""
    packed = b""
    for number, value in _fields(raw):
        if number == 1:
            packed = _bytes(value)
    if not packed:
        raise PlanFileUnreadable("a value is not in MessagePack")
    return _unpack(packed)


def _unpack(packed: bytes) -> tuple[Any, int]:
    import msgpack

    unknowns = 0

    def ext(code: int, data: bytes) -> Any:
        nonlocal unknowns
        unknowns += 1
        return _ext(code, data)

    try:
        value = msgpack.unpackb(packed, raw=False, ext_hook=ext, strict_map_key=False)
    except PlanFileUnreadable:
        raise
    except Exception as exc:  # msgpack's errors have no common root
        raise PlanFileUnreadable(f"a value does not decode: {exc}") from None
    if not any(marker in packed for marker in _BIN_MARKERS):
        return value, unknowns  # no binary anywhere: no wrapper to strip (typed values)
    return _undynamic(value), unknowns


# MessagePack's bin 8/16/32 type bytes: a value without any of them holds no `bytes`
# (they may also occur inside other data: then the value is walked for nothing)
_BIN_MARKERS = (b"\xc4", b"\xc5", b"\xc6")
_CONTAINERS = (list, dict, bytes)


def _undynamic(value: Any) -> Any:
    """Strip cty's `[type JSON, value]` wrappers of dynamically typed values. Only they
    use MessagePack's binary type (cty writes strings as str), so no schema is needed.
    (Scalars are not recursed into: at 10,000 changes the calls were most of its time.)"""
    kind = type(value)
    if kind is list:
        if len(value) == 2 and type(value[0]) is bytes:
            return _undynamic(value[1])
        return [_undynamic(v) if type(v) in _CONTAINERS else v for v in value]
    if kind is dict:
        return {k: _undynamic(v) if type(v) in _CONTAINERS else v for k, v in value.items()}
    if kind is bytes:
        raise PlanFileUnreadable("a value holds raw bytes")
    return value


def _omit_unknowns(value: Any) -> Any:
    """As `show -json` prints a value with unknowns: an unknown attribute left out, an
    unknown element null (element order is how the unknowns are matched)."""
    if isinstance(value, list):
        return [None if v is UNKNOWN else _omit_unknowns(v) for v in value]
    if isinstance(value, dict):
        return {k: _omit_unknowns(v) for k, v in value.items() if v is not UNKNOWN}
    return value


def _unknown_as_bool(value: Any) -> Any:
    """`after_unknown`: true where unknown; objects keep only their unknown parts."""
    if value is UNKNOWN:
        return True
    if isinstance(value, list):
        return [_unknown_as_bool(v) for v in value]
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            b = _unknown_as_bool(v)
            if b is not False:
                out[k] = b
        return out
    return False


def _sensitive_as_bool(value: Any, paths: list[list[Any]]) -> Any:
    """`before_sensitive` / `after_sensitive` from the plan's sensitive paths, shaped as
    Terraform shapes them: true where marked; an object keeps its marked parts and its
    collections, a list one entry per element. Where nothing is marked, false: Terraform
    writes the value's skeleton with false leaves, which marks nothing either (the plan
    model reads only the trues), and building it was most of the reader's time."""
    if not paths:
        return False
    if any(not p for p in paths):
        return True
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            b = _sensitive_as_bool(v, [p[1:] for p in paths if p[0] == k])
            if b is not False:
                out[k] = b
        return out
    if isinstance(value, list):
        if any(not isinstance(p[0], int) or isinstance(p[0], bool) for p in paths):
            # a path into a set (by the element's value): mark the whole set, which
            # masks more, never less
            return True
        return [
            _sensitive_as_bool(v, [p[1:] for p in paths if p[0] == i]) for i, v in enumerate(value)
        ]
    return False  # a null, an unknown or a scalar


def _path(raw: bytes) -> list[Any]:
    steps: list[Any] = []
    for number, value in _fields(raw):
        if number != 1:
            continue
        for kind, step in _fields(_bytes(value)):
            if kind == 1:
                steps.append(_text(step))
            elif kind == 2:
                key = _dynamic(_bytes(step))
                if not isinstance(key, str | int) or isinstance(key, bool):
                    key = json.dumps(key, sort_keys=True)  # a set element's value
                steps.append(key)
    return steps


# -- the plan's messages ---------------------------------------------------------------
def _change(raw: bytes) -> dict[str, Any]:
    action = 0
    values: list[Any] = []
    before_paths: list[list[Any]] = []
    after_paths: list[list[Any]] = []
    importing: dict[str, Any] | None = None
    for number, value in _fields(raw):
        if number == 1:
            action = _int(value)
        elif number == 2:
            values.append(_dynamic_counted(_bytes(value)))
        elif number == 3:
            before_paths.append(_path(_bytes(value)))
        elif number == 4:
            after_paths.append(_path(_bytes(value)))
        elif number == 5:
            importing = {}
            for n, v in _fields(_bytes(value)):
                if n == 1:
                    importing["id"] = _text(v)
                elif n == 2 and _int(v):
                    importing["unknown"] = True
    if action not in _ACTIONS:
        raise PlanFileUnreadable(f"unknown change action {action}")
    b, a = _SIDES[action]
    if max(b, a) >= len(values):
        raise PlanFileUnreadable("a change lacks its values")
    out: dict[str, Any] = {"actions": _ACTIONS[action]}
    if b >= 0:
        before, unknowns = values[b]
        out["before"] = _omit_unknowns(before) if unknowns else before
        out["before_sensitive"] = _sensitive_as_bool(before, before_paths)
    else:
        out["before"], out["before_sensitive"] = None, False
    if a >= 0:
        after, unknowns = values[a]
        if not unknowns:
            out["after"], out["after_unknown"] = after, {}
        else:
            out["after"] = None if after is UNKNOWN else _omit_unknowns(after)
            out["after_unknown"] = _unknown_as_bool(after)
        out["after_sensitive"] = _sensitive_as_bool(after, after_paths)
    else:
        out["after"], out["after_unknown"], out["after_sensitive"] = None, {}, False
    if importing is not None:
        out["importing"] = importing
    return out


def _resource_change(raw: bytes) -> dict[str, Any]:
    rc: dict[str, Any] = {}
    replace: list[list[Any]] = []
    change: dict[str, Any] | None = None
    reason = 0
    for number, value in _fields(raw):
        if number == 13:
            rc["address"] = _text(value)
        elif number == 14:
            rc["previous_address"] = _text(value)
        elif number == 7:
            rc["deposed"] = _text(value)
        elif number == 8:
            rc["provider_name"] = _text(value)
        elif number == 9:
            change = _change(_bytes(value))
        elif number == 11:
            replace.append(_path(_bytes(value)))
        elif number == 12:
            reason = _int(value)
    if "address" not in rc or change is None:
        raise PlanFileUnreadable("a resource change lacks its address or its change")
    if reason not in _REASONS:
        raise PlanFileUnreadable(f"unknown action reason {reason}")
    rc.update(_address_parts(rc["address"]))
    if replace:
        change["replace_paths"] = replace
    rc["change"] = change
    if _REASONS[reason]:
        rc["action_reason"] = _REASONS[reason]
    return rc


def _address_parts(address: str) -> dict[str, Any]:
    """module_address, mode, type, name and index of `module.a["k"].zenml_stack.s[0]`,
    and the key Terraform orders changes by (`_sort_key`)."""
    steps = _steps(address)
    modules, rest = [], steps
    while len(rest) >= 2 and rest[0] == ("module", None):
        modules.append(rest[1])
        rest = rest[2:]
    mode = "managed"
    if rest and rest[0] == ("data", None):
        mode, rest = "data", rest[1:]
    if len(rest) != 2 or rest[0][1] is not None:
        raise PlanFileUnreadable(f"an address does not parse: {address}")
    (type_, _), (name, index) = rest
    out: dict[str, Any] = {"mode": mode, "type": type_, "name": name}
    if modules:
        out["module_address"] = address[: _module_end(address, len(modules))]
    if index is not None:
        out["index"] = index
    out["_key"] = (
        len(modules),
        [(n, _key_order(k)) for n, k in modules],
        mode != "data",
        type_,
        name,
        _key_order(index),
    )
    return out


def _key_order(key: Any) -> tuple[int, Any]:
    """Terraform's order of instance keys: none, then numbers, then strings."""
    if key is None:
        return (0, 0)
    return (1, key) if isinstance(key, int) else (2, key)


def _steps(address: str) -> list[tuple[str, Any]]:
    """`module.a["k"].x.y[0]` as [("module", None), ("a", "k"), ("x", None), ("y", 0)]."""
    out: list[tuple[str, Any]] = []
    i, end = 0, len(address)
    while i < end:
        j = i
        while j < end and address[j] not in ".[":
            j += 1
        name, key = address[i:j], None
        if not name:
            raise PlanFileUnreadable(f"an address does not parse: {address}")
        if j < end and address[j] == "[":
            close = _after_key(address, j)
            key = _key(address[j + 1 : close - 1], address)
            j = close
        out.append((name, key))
        if j < end:
            if address[j] != ".":
                raise PlanFileUnreadable(f"an address does not parse: {address}")
            j += 1
            if j == end:
                raise PlanFileUnreadable(f"an address does not parse: {address}")
        i = j
    return out


def _key(text: str, address: str) -> Any:
    """An instance key as Terraform writes it: a number, or an HCL quoted string."""
    try:
        if text.startswith('"'):
            key = json.loads(text.replace("$${", "${").replace("%%{", "%{"))
        else:
            key = int(text)
    except ValueError:
        raise PlanFileUnreadable(f"an address does not parse: {address}") from None
    if not isinstance(key, str | int):
        raise PlanFileUnreadable(f"an address does not parse: {address}")
    return key


def _module_end(address: str, count: int) -> int:
    """Where the `count` module steps of `address` end."""
    i = 0
    for _ in range(count):
        i += len("module.")
        while address[i] not in ".[":
            i += 1
        if address[i] == "[":
            i = _after_key(address, i)
        i += 1
    return i - 1


def _after_key(address: str, i: int) -> int:
    """The position after the `[...]` that starts at `i` (a string key may hold `]`)."""
    if address.startswith('["', i):
        j = i + 2
        while j < len(address):
            if address[j] == "\\":
                j += 2
                continue
            if address[j] == '"':
                break
            j += 1
        if not address.startswith('"]', j):
            raise PlanFileUnreadable(f"an address does not parse: {address}")
        return j + 2
    close = address.find("]", i)
    if close < 0:
        raise PlanFileUnreadable(f"an address does not parse: {address}")
    return close + 1


def _output_change(raw: bytes) -> tuple[str, dict[str, Any]]:
    name, change, sensitive = "", None, False
    for number, value in _fields(raw):
        if number == 1:
            name = _text(value)
        elif number == 2:
            change = _change(_bytes(value))
        elif number == 3:
            sensitive = bool(_int(value))
    if change is None:
        raise PlanFileUnreadable(f"output {name} lacks its change")
    change.pop("importing", None)
    # the plan knows only whether the output is sensitive, before and after alike
    change["before_sensitive"] = change["after_sensitive"] = sensitive
    if change["after_unknown"] == {}:
        change["after_unknown"] = False
    return name, change


def _variable(raw: bytes) -> tuple[str, Any]:
    name, value = "", None
    for number, field in _fields(raw):
        if number == 1:
            name = _text(field)
        elif number == 2:
            value = _dynamic(_bytes(field))
    return name, value


def decode(tfplan: bytes) -> dict[str, Any]:
    """The `show -json` document (the parts the plan model reads) of a `tfplan` member."""
    version = None
    doc: dict[str, Any] = {"terraform_version": "", "errored": False}
    changes: list[dict[str, Any]] = []
    drift: list[dict[str, Any]] = []
    outputs: dict[str, Any] = {}
    variables: dict[str, Any] = {}
    for number, value in _fields(tfplan):
        if number == 1:
            version = _int(value)
        elif number == 14:
            doc["terraform_version"] = _text(value)
        elif number == 20:
            doc["errored"] = bool(_int(value))
        elif number == 3:
            changes.append(_resource_change(_bytes(value)))
        elif number == 18:
            drift.append(_resource_change(_bytes(value)))
        elif number == 4:
            name, change = _output_change(_bytes(value))
            outputs[name] = change
        elif number == 2:
            name, var = _variable(_bytes(value))
            variables[name] = {"value": var}
    if version != FORMAT_VERSION:
        raise PlanFileUnreadable(f"plan format version {version}, not {FORMAT_VERSION}")
    if doc["terraform_version"] not in SUPPORTED:
        raise PlanFileUnreadable(f"a plan of Terraform {doc['terraform_version'] or '?'}")
    # a data source's delete only cleans up its state entry: Terraform does not show it
    changes = [c for c in changes if c["mode"] != "data" or c["change"]["actions"] != ["delete"]]
    doc["resource_changes"] = sorted(changes, key=_order)
    doc["resource_drift"] = sorted(drift, key=_order)
    doc["output_changes"] = dict(sorted(outputs.items()))
    doc["variables"] = dict(sorted(variables.items()))
    return doc


def _order(rc: dict[str, Any]) -> tuple[Any, str]:
    """Terraform's order: by module path, mode (data first), type, name, key, deposed."""
    return rc.pop("_key"), rc.get("deposed", "")


def read(path: Path) -> dict[str, Any]:
    """The `show -json` document of the saved plan at `path` (see `decode`), with the
    root module's sensitive variables from the plan's configuration snapshot."""
    try:
        with zipfile.ZipFile(path) as archive:
            tfplan = archive.read(_MEMBER)
            sources = {
                n: archive.read(n).decode("utf-8", "replace")
                for n in archive.namelist()
                if n.startswith(_ROOT_CONFIG) and n.endswith(".tf")
            }
    except (OSError, zipfile.BadZipFile, KeyError, EOFError, ValueError) as exc:
        raise PlanFileUnreadable(f"the plan file does not open: {exc}") from None
    doc = decode(tfplan)
    sensitive = _sensitive_variables(sources)
    for name, default in sensitive.items():
        if name not in doc["variables"] and default is not None:
            doc["variables"][name] = {"value": default}
    doc["configuration"] = {
        "root_module": {"variables": {name: {"sensitive": True} for name in sorted(sensitive)}}
    }
    return doc


def _sensitive_variables(sources: dict[str, str]) -> dict[str, Any]:
    """The root module's variables declared `sensitive = true`, with their defaults
    (the plan holds only the values given)."""
    from zenml_tui.platform.hclscan import NotHCL, sensitive_variables

    try:
        return sensitive_variables(sources)
    except NotHCL as exc:
        raise PlanFileUnreadable(str(exc)) from None
