"""The corpus of hostile inputs: layer files, platform.yaml files, whole platform
directories and text typed into the editor, each with what zenml-tui must say about it.

A case is the minimal platform of `tests/conftest.py` with some files replaced or added
(`files`: relative path -> text, bytes, or a `Special` file kind). `expect` lists the
located errors `validate` must report, as (code, file, line, col) with 0 for "any";
`valid` cases must validate cleanly. Every case, whatever it expects, must finish each
command within the runner's time and memory limits without a traceback. The layer
`layers/env/dev.yaml` of a case is also typed into the editor, unless it is not text.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import MINIMAL_BASE, MINIMAL_PLATFORM

DEV = "layers/env/dev.yaml"
BASE = "layers/base.yaml"
SPEC = "platform.yaml"


@dataclass(frozen=True)
class Special:
    """A file that is not plain content: made by `make(path, root)`."""

    make: Callable[[Path, Path], None]


def fifo() -> Special:
    return Special(lambda p, root: os.mkfifo(p))


def device() -> Special:  # /dev/zero's twin, inside the platform (the tests run as root)
    return Special(lambda p, root: os.mknod(p, stat.S_IFCHR | 0o644, os.makedev(1, 5)))


def directory() -> Special:
    return Special(lambda p, root: p.mkdir())


def link(target: str) -> Special:
    """A symbolic link; `target` relative to the platform root, or absolute."""

    def make(p: Path, root: Path) -> None:
        dest = Path(target) if target.startswith("/") else root / target
        p.symlink_to(dest)

    return Special(make)


Expected = tuple[str, str, int, int]


@dataclass(frozen=True)
class Case:
    name: str
    category: str
    files: dict[str, str | bytes | Special | None]
    expect: tuple[Expected, ...] = ()
    valid: bool = False
    env: str = "dev"
    typed: str | None = field(default=None)

    def build(self, tmp: Path) -> Path:
        root = tmp / "platform"
        root.mkdir()
        everything: dict[str, str | bytes | Special | None] = {
            SPEC: MINIMAL_PLATFORM,
            BASE: MINIMAL_BASE,
            **self.files,
        }
        for rel, content in everything.items():
            path = root / rel
            if content is None:
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, Special):
                content.make(path, root)
            elif isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        return root


CASES: dict[str, Case] = {}


def case(
    name: str,
    category: str,
    files: dict[str, str | bytes | Special | None],
    *expect: Expected,
    valid: bool = False,
    env: str = "dev",
) -> None:
    assert name not in CASES, name
    text = files.get(DEV)
    typed = text if isinstance(text, str) else None
    if isinstance(text, bytes):
        try:
            typed = text.decode("utf-8")
        except UnicodeDecodeError:
            typed = None
    CASES[name] = Case(name, category, files, tuple(expect), valid, env, typed)


def dev(
    text: str | bytes, *expect: Expected, name: str, category: str, valid: bool = False
) -> None:
    case(name, category, {DEV: text}, *expect, valid=valid)


def at(code: str, line: int = 0, col: int = 0, file: str = DEV) -> Expected:
    return (code, file, line, col)


# -- YAML syntax ---------------------------------------------------------------------
Y = "yaml syntax"
dev("location: [a, b\n", at("YAML_SYNTAX", 2, 1), name="unclosed flow list", category=Y)
dev("labels: {a: 1\n", at("YAML_SYNTAX", 2, 1), name="unclosed flow map", category=Y)
dev('location: "abc\n', at("YAML_SYNTAX"), name="unterminated double quote", category=Y)
dev("location: 'abc\n", at("YAML_SYNTAX"), name="unterminated single quote", category=Y)
dev("labels:\n  a: 1\n b: 2\n", at("YAML_SYNTAX", 3, 2), name="bad indentation", category=Y)
dev("labels:\n\ta: 1\n", at("YAML_TAB", 2, 1), name="tab indentation", category=Y)
dev("location: a: b\n", at("YAML_SYNTAX", 1, 12), name="a colon in a plain value", category=Y)
dev("location: x\n---\nlocation: y\n", at("YAML_SYNTAX"), name="two documents", category=Y)
dev("%YAML 1.1\n---\nlocation: x\n", valid=True, name="a YAML directive", category=Y)
dev('location: "\\q"\n', at("YAML_SYNTAX", 1, 12), name="a bad escape", category=Y)
dev("location: x\n]\n", at("YAML_SYNTAX", 2, 1), name="a stray bracket", category=Y)
dev("- a\nlocation: x\n", at("YAML_SYNTAX"), name="a list then a map", category=Y)
dev("location: *nope\n", at("YAML_SYNTAX", 1, 11), name="an undefined alias", category=Y)
dev("labels:\n  a: [1, 2\n  b: 3\n", at("YAML_SYNTAX"), name="unclosed flow in block", category=Y)
dev("location: x\n  y: 1\n", at("YAML_SYNTAX"), name="a value then a mapping", category=Y)
dev("&a location: x\n", valid=True, name="an anchor on a key", category=Y)
dev("location: @x\n", at("YAML_SYNTAX", 1, 11), name="a reserved indicator", category=Y)
dev("location: `x\n", at("YAML_SYNTAX", 1, 11), name="a backtick", category=Y)
dev("{location: x,,}\n", at("YAML_SYNTAX"), name="a double comma", category=Y)
dev("labels: !!map [a]\n", at("KIND_CONFLICT", 1, 9), name="a map tag on a list", category=Y)

# -- encodings -----------------------------------------------------------------------
E = "encodings"
dev(b"location: caf\xe9\n", at("ENCODING", 1, 14), name="latin-1", category=E)
dev("location: x\n".encode("utf-16"), at("ENCODING", 1, 4), name="UTF-16 with BOM", category=E)
dev("location: x\n".encode("utf-16-be"), at("ENCODING", 1, 1), name="UTF-16 BE", category=E)
dev(b"\xef\xbb\xbflocation: x\n", valid=True, name="UTF-8 with BOM", category=E)
dev(b"location: \xc3\x28\n", at("ENCODING", 1, 11), name="a bad continuation", category=E)
dev(b"location: \xc0\xaf\n", at("ENCODING", 1, 11), name="an overlong encoding", category=E)
dev(b"location: \xed\xa0\x80\n", at("ENCODING", 1, 11), name="a lone surrogate", category=E)
dev(b"location: a\x00b\n", at("ENCODING", 1, 12), name="a NUL byte", category=E)
dev(bytes(range(256)) * 4, at("ENCODING"), name="binary", category=E)
dev(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", at("ENCODING"), name="a PNG", category=E)

# -- documents that are not maps -------------------------------------------------------
N = "not a map"
dev("- a\n- b\n", at("NOT_A_MAPPING", 1, 1), name="a list", category=N)
dev("just text\n", at("NOT_A_MAPPING", 1, 1), name="a scalar", category=N)
dev("~\n", at("NOT_A_MAPPING", 1, 1), name="null", category=N)
dev("", at("EMPTY_LAYER", 1, 1), name="an empty file", category=N)
dev("# only a comment\n", at("EMPTY_LAYER", 1, 1), name="only comments", category=N)
dev("{}\n", valid=True, name="an empty map", category=N)
dev("42\n", at("NOT_A_MAPPING", 1, 1), name="a number", category=N)

# -- tags ------------------------------------------------------------------------------
T = "tags"
dev("location: !foo x\n", at("UNKNOWN_TAG", 1, 11), name="an unknown tag", category=T)
dev(
    "location: !!python/object:os.system x\n",
    at("UNKNOWN_TAG", 1, 11),
    name="a python tag",
    category=T,
)
dev("location: !delete x\n", at("MISPLACED_TAG"), name="!delete with a value", category=T)
dev("labels: !append {a: 1}\n", at("MISPLACED_TAG", 1, 9), name="!append on a map", category=T)
dev(
    "location: !required\n",
    at("MISPLACED_TAG", 1, 11),
    name="!required in an env layer",
    category=T,
)
dev(
    "!replace {location: x}\n",
    at("MISPLACED_TAG", 1, 1),
    name="a tag on the whole file",
    category=T,
)
dev("location: !!int x\n", at("YAML_SYNTAX", 1, 11), name="a bad !!int", category=T)
dev("labels: !replace {a: b}\n", valid=True, name="!replace on a map", category=T)
dev("nope: !delete\n", at("DELETE_MISSING", 1, 1), name="!delete of nothing", category=T)
dev("labels:\n  - !delete\n", at("KIND_CONFLICT"), name="!delete in a list", category=T)

# -- anchors and aliases ---------------------------------------------------------------
A = "aliases"


def _laughs(levels: int, width: int = 9) -> str:
    rows = ["labels:", "  x0: &a0 " + "[" + ", ".join(["lol"] * width) + "]"]
    for i in range(1, levels):
        rows.append(f"  x{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return "\n".join(rows) + "\n"


dev(_laughs(10), at("ALIAS_EXPANSION"), name="a billion laughs", category=A)
dev(_laughs(5, 20), at("ALIAS_EXPANSION"), name="wide laughs", category=A)
dev(
    "labels:\n  a: &v [x]\n" + "".join(f"  k{i}: *v\n" for i in range(12_000)),
    at("ALIAS_EXPANSION"),
    name="many aliases",
    category=A,
)
dev("labels:\n  a: &v x\n  b: *v\n", valid=True, name="an alias of a scalar", category=A)
dev(
    "labels: &l {a: x}\nconnector_labels: *l\n",
    at("UNKNOWN_KEY", 2, 1),
    name="an alias into an unknown key",
    category=A,
)
dev("labels:\n  <<: {a: b}\n", at("UNKNOWN_KEY", 2, 3), name="a merge key", category=A)
dev(
    "labels: &a\n  b: *a\n", at("TOO_DEEP", 1, 9), name="an alias inside its own anchor", category=A
)

# -- keys of every type ----------------------------------------------------------------
K = "keys"
dev("labels:\n  1: x\n", valid=True, name="an integer key", category=K)
dev("labels:\n  true: x\n", valid=True, name="a boolean key", category=K)
dev("labels:\n  ~: x\n", valid=True, name="a null key", category=K)
dev("labels:\n  1.5: x\n", valid=True, name="a float key", category=K)
dev("labels:\n  [a]: x\n", at("COMPLEX_KEY", 2, 3), name="a list key", category=K)
dev("labels:\n  {a: 1}: x\n", at("COMPLEX_KEY", 2, 3), name="a map key", category=K)
dev("location: a\nlocation: b\n", at("DUPLICATE_KEY", 2, 1), name="a duplicate key", category=K)
dev("labels:\n  ключ: x\n  'with space': y\n", valid=True, name="unicode keys", category=K)
dev("? location\n: x\n", valid=True, name="an explicit key", category=K)
dev("locaton: x\n", at("UNKNOWN_KEY", 1, 1), name="a misspelt key", category=K)

# -- depth -------------------------------------------------------------------------------
D = "depth"


def _nested(depth: int) -> str:
    rows = ["labels:"]
    for i in range(depth):
        rows.append("  " * (i + 1) + f"k{i}:")
    rows.append("  " * (depth + 1) + "v: 1")
    return "\n".join(rows) + "\n"


dev(_nested(100), at("TOO_DEEP"), name="maps 100 deep", category=D)
dev(
    "labels:\n  x: " + "[" * 3000 + "]" * 3000 + "\n",
    at("YAML_SYNTAX"),
    name="flow lists 3000 deep",
    category=D,
)
dev(
    "labels:\n  x: " + "[" * 70 + "1" + "]" * 70 + "\n",
    at("TOO_DEEP"),
    name="flow lists 70 deep",
    category=D,
)
dev(_nested(30), at("WRONG_TYPE"), name="maps 30 deep in labels", category=D)

# -- references --------------------------------------------------------------------------
R = "references"
dev("location: ${nowhere}\n", at("REF_DANGLING", 1, 11), name="a dangling reference", category=R)
dev(
    "location: ${labels.a}\nlabels: {a: '${location}'}\n",
    at("REF_CYCLE"),
    name="a cycle",
    category=R,
)
dev("location: ${location}\n", at("REF_CYCLE", 1, 11), name="a self-reference", category=R)
dev(
    "labels:\n"
    + "".join(f"  a{i}: '${{labels.a{i - 1}}}'\n" for i in range(3000, 0, -1))
    + "  a0: x\n",
    at("REF_TOO_DEEP"),
    name="a chain of 3000 references",
    category=R,
)
dev(
    "labels:\n  a0: x\n"
    + "".join(f"  a{i}: '${{labels.a{i - 1}}}${{labels.a{i - 1}}}'\n" for i in range(1, 40)),
    at("VALUE_TOO_LARGE"),
    name="self-doubling strings",
    category=R,
)
dev(
    "location: 'in ${components}'\n",
    at("REF_TYPE", 1, 11),
    name="a map inside a string",
    category=R,
)
dev("location: ${labels\n", at("REF_SYNTAX", 1, 11), name="an unterminated reference", category=R)
dev("location: ${labels..a}\n", at("REF_SYNTAX", 1, 11), name="a bad reference path", category=R)
dev("location: $${literal}\n", valid=True, name="an escaped reference", category=R)
dev("location: ${team}\n", at("REF_DANGLING", 1, 11), name="${team} in an environment", category=R)

# -- numbers -------------------------------------------------------------------------------
U = "numbers"
dev(
    "labels:\n  n: " + "9" * 5000 + "\n",
    at("NUMBER_OUT_OF_RANGE", 2, 6),
    name="a 5000-digit integer",
    category=U,
)
dev(
    "labels:\n  n: " + "9" * 65 + "\n",
    at("NUMBER_OUT_OF_RANGE", 2, 6),
    name="a 65-digit integer",
    category=U,
)
dev(
    "labels:\n  n: 0x" + "f" * 80 + "\n",
    at("NUMBER_OUT_OF_RANGE", 2, 6),
    name="a huge hex integer",
    category=U,
)
dev("labels:\n  n: 1e400\n", at("NUMBER_OUT_OF_RANGE", 2, 6), name="1e400", category=U)
dev("labels:\n  n: -1e400\n", at("NUMBER_OUT_OF_RANGE", 2, 6), name="-1e400", category=U)
dev("labels:\n  n: .inf\n", at("NUMBER_OUT_OF_RANGE", 2, 6), name=".inf", category=U)
dev("labels:\n  n: .nan\n", at("NUMBER_OUT_OF_RANGE", 2, 6), name=".nan", category=U)
dev(
    "labels:\n  n: !!float .inf\n", at("NUMBER_OUT_OF_RANGE", 2, 6), name="!!float .inf", category=U
)
dev("labels:\n  n: '1e400'\n", valid=True, name="a quoted 1e400", category=U)

# -- names -----------------------------------------------------------------------------------
M = "names"


def _spec_with(old: str, new: str) -> dict[str, str | bytes | Special | None]:
    assert old in MINIMAL_PLATFORM
    return {SPEC: MINIMAL_PLATFORM.replace(old, new)}


case(
    "an environment named ../../etc",
    M,
    _spec_with("  dev:\n", "  ../../etc:\n"),
    at("PLATFORM_INVALID", 0, 0, SPEC),
)
case(
    "a 300-character environment",
    M,
    _spec_with("  dev:\n", "  " + "d" * 300 + ":\n"),
    at("PLATFORM_INVALID", 8, 3, SPEC),
)
case(
    "an uppercase environment",
    M,
    _spec_with("  dev:\n", "  Dev:\n"),
    at("PLATFORM_INVALID", 8, 3, SPEC),
)
case(
    "a team named with a slash",
    M,
    _spec_with("  training:\n    components", "  a/b:\n    components"),
    at("PLATFORM_INVALID", 0, 0, SPEC),
)
case(
    "a project named with a space",
    M,
    _spec_with("  fraud:\n", "  'fr aud':\n"),
    at("PLATFORM_INVALID", 0, 0, SPEC),
)
case(
    "a project of an unknown team",
    M,
    _spec_with("team: training", "team: trainng"),
    at("PLATFORM_INVALID", 19, 5, SPEC),
)
case(
    "a unicode environment",
    M,
    _spec_with("  dev:\n", "  dév:\n"),
    at("PLATFORM_INVALID", 8, 3, SPEC),
)
case(
    "an environment with an escape",
    M,
    _spec_with("  dev:\n", '  "d\\x1bv":\n'),
    at("PLATFORM_INVALID", 8, 3, SPEC),
)
case(
    "a layer of an unknown environment",
    M,
    {"layers/env/qa.yaml": "{}\n"},
    at("UNKNOWN_LAYER", 1, 1, "layers/env/qa.yaml"),
)
case(
    "a .yml layer",
    M,
    {"layers/env/dev.yml": "{}\n"},
    at("UNKNOWN_LAYER", 1, 1, "layers/env/dev.yml"),
)
case(
    "a 63-character environment",
    M,
    _spec_with("  dev:\n", "  " + "d" * 63 + ":\n"),
    valid=True,
    env="d" * 63,
)

# -- file kinds ------------------------------------------------------------------------------
F = "file kinds"
case("a FIFO layer", F, {DEV: fifo()}, at("FILE_KIND", 1, 1))
case("a device layer", F, {DEV: device()}, at("FILE_KIND", 1, 1))
case("a directory layer", F, {DEV: directory()}, at("FILE_KIND", 1, 1))
case(
    "a link inside the platform",
    F,
    {"other.yaml": "location: x\n", DEV: link("other.yaml")},
    valid=True,
)
case("a link out of the platform", F, {DEV: link("/etc/hostname")}, at("FILE_KIND", 1, 1))
case("a link to /dev/zero", F, {DEV: link("/dev/zero")}, at("FILE_KIND", 1, 1))
case("a link loop", F, {DEV: link("layers/env/dev.yaml")}, at("FILE_KIND", 1, 1))
case("a dangling link", F, {DEV: link("nowhere.yaml")}, at("FILE_KIND", 1, 1))
case("layers is a file", F, {BASE: None, "layers": "x\n"}, at("FILE_MISSING", 1, 1, BASE))
case("layers/env is a file", F, {"layers/env": "x\n"}, at("FILE_UNREADABLE", 1, 1))
case("no base layer", F, {BASE: None}, at("FILE_MISSING", 1, 1, BASE))
case("platform.yaml is a directory", F, {SPEC: directory()}, at("FILE_KIND", 1, 1, SPEC))
case("platform.yaml is a FIFO", F, {SPEC: fifo()}, at("FILE_KIND", 1, 1, SPEC))
case("base.yaml links out", F, {BASE: link("/etc/passwd")}, at("FILE_KIND", 1, 1, BASE))

# -- file sizes ------------------------------------------------------------------------------
S = "file sizes"
dev(
    "labels:\n  x: '" + "a" * (9 * 1024 * 1024) + "'\n",
    at("FILE_TOO_LARGE", 1, 1),
    name="a 9 MB layer",
    category=S,
)
dev(
    "labels:\n" + "".join(f"  k{i}: v\n" for i in range(60_000)),
    at("FILE_TOO_LARGE", 1, 1),
    name="60,000 labels",
    category=S,
)
dev("labels:\n  x: '" + "a" * (1024 * 1024) + "'\n", valid=True, name="a 1 MB value", category=S)
dev(
    "labels:\n" + "".join(f"  k{i}: v\n" for i in range(5_000)),
    valid=True,
    name="5,000 labels",
    category=S,
)
dev(
    "labels:\n  x: [" + "1, " * 60_000 + "1]\n",
    at("FILE_TOO_LARGE", 1, 1),
    name="a list of 60,000",
    category=S,
)
case(
    "a 9 MB platform.yaml",
    S,
    {SPEC: MINIMAL_PLATFORM + "# " + "x" * (9 * 1024 * 1024) + "\n"},
    at("FILE_TOO_LARGE", 1, 1, SPEC),
)

# -- markup and control characters ------------------------------------------------------------
C = "markup and control characters"
dev("'[bold red]K[/]': x\n", at("UNKNOWN_KEY", 1, 1), name="markup in an unknown key", category=C)
dev("'[/]x': x\n", at("UNKNOWN_KEY", 1, 1), name="a closing tag in an unknown key", category=C)
dev(
    "labels:\n  a: '[/]'\n  b: '[link=https://x]y'\n",
    valid=True,
    name="markup in values",
    category=C,
)
dev("labels:\n  '[bold]k[/bold]': x\n", valid=True, name="markup in a label key", category=C)
dev(b"labelz\x1b[2J: x\n", at("YAML_SYNTAX", 1, 7), name="a raw escape in a key", category=C)
dev('"labelz\\e[2J": x\n', at("UNKNOWN_KEY", 1, 1), name="an escaped escape in a key", category=C)
dev('labels:\n  a: "\\e[2J\\e]0;owned\\a"\n', valid=True, name="escapes in a value", category=C)
dev('labels:\n  a: "\\x9b2J"\n', valid=True, name="a C1 control in a value", category=C)
dev('labels:\n  "\\u202eevil": "\\u202ex"\n', valid=True, name="bidi overrides", category=C)
dev('labels:\n  a: "\\0"\n', valid=True, name="a NUL in a value", category=C)
dev('labels:\n  "a\\nb": x\n', valid=True, name="a newline in a key", category=C)
dev('location: "\\e[31mred"\n', valid=True, name="an escape in the location", category=C)
dev(b"labels:\n  a: x\r\n  b: y\r\n", valid=True, name="CRLF line endings", category=C)
dev(
    '"\\e]8;;http://x\\e\\\\": x\n',
    at("UNKNOWN_KEY", 1, 1),
    name="a hyperlink escape in a key",
    category=C,
)

# -- secrets in the wrong places ----------------------------------------------------------------
X = "secrets"
dev(
    "labels:\n  t: ${secret:SA_JSON}\n",
    at("SECRET_MISPLACED", 2, 6),
    name="a secret in a label",
    category=X,
)
dev(
    "location: ${secret:SA_JSON}\n",
    at("SECRET_MISPLACED", 1, 11),
    name="a secret as the location",
    category=X,
)
dev(
    "labels:\n  t: '«secret:SA_JSON»'\n",
    at("SECRET_LITERAL", 2, 6),
    name="a literal placeholder",
    category=X,
)
dev(
    "connector:\n  type: gcp\n  auth_method: service-account\n  configuration:\n    service_account_json: '{\"k\": 1}'\n",
    at("SECRET_LITERAL", 5, 27),
    name="a credential as a literal",
    category=X,
)
dev(
    "connector:\n  type: gcp\n  auth_method: service-account\n  configuration:\n    service_account_json: ${secret:NOPE}\n",
    at("SECRET_UNDECLARED", 5, 27),
    name="an undeclared secret",
    category=X,
)
dev(
    "connector:\n  type: gcp\n  auth_method: service-account\n  configuration:\n    service_account_json: 'x${secret:SA_JSON}'\n",
    at("SECRET_EMBEDDED", 5, 27),
    name="an embedded secret",
    category=X,
)
dev(
    "connector:\n  type: gcp\n  auth_method: service-account\n  configuration:\n    service_account_json: ${secret:SA_JSON}\n",
    valid=True,
    name="a secret where it belongs",
    category=X,
)
dev(
    "components:\n  orchestrator:\n    flavor: ${secret:SA_JSON}\n",
    at("SECRET_MISPLACED", 3, 13),
    name="a secret as a flavor",
    category=X,
)

# -- tampered caches -------------------------------------------------------------------------------
Z = "tampered caches"
_FORGED_SPEC = {
    "signature": "0" * 64,
    "spec": {"platform": "tiny", "environments": {"../../etc": {"workspace": "x"}}},
}
case(
    "a forged platform spec cache",
    Z,
    {
        ".zenml-tui/cache/platform-spec.json": json.dumps(_FORGED_SPEC),
        SPEC: MINIMAL_PLATFORM.replace("  dev:\n", "  ../../etc:\n"),
    },
    at("PLATFORM_INVALID", 0, 0, SPEC),
)
case(
    "a garbage platform spec cache",
    Z,
    {".zenml-tui/cache/platform-spec.json": b"\x00\xff"},
    valid=True,
)
case(
    "a forged flavor cache",
    Z,
    {
        ".zenml-tui/cache/flavors-0.98.0.json": json.dumps(
            {"signature": "x", "schemas": {"orchestrator": 1}}
        )
    },
    valid=True,
)
case("a garbage flavor cache", Z, {".zenml-tui/cache/flavors-0.98.0.json": "[[[["}, valid=True)
case(
    "an unsigned old-style flavor cache",
    Z,
    {".zenml-tui/cache/flavors-0.98.0.json": json.dumps({"orchestrator": {"vertex": "x"}})},
    valid=True,
)
