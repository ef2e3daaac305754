"""The nastiest layers for the app (tests/ui/test_hostile_layers.py, bench/hostile.py):
each replaces the example's `local` environment layer, the one the editor opens first."""

from __future__ import annotations

from zenml_tui.bundled import example_platform

BASE = (example_platform() / "layers" / "env" / "local.yaml").read_bytes()


def _big_labels(n: int, value: bytes) -> bytes:
    return b"\nlabels:\n" + b"".join(b"  k%06d: %s\n" % (i, value) for i in range(n))


# name -> (layer bytes, whether the editor may edit it)
LAYERS: dict[str, tuple[bytes, bool]] = {
    "markup in values and keys": (
        BASE + b'\nlabels:\n  "[bold red]K[/]": "[/]"\n  b: "[link=https://e.example]x"\n'
        b'  c: "[bold]x[/bold]"\n  d: "[red"\n"[/]zz": 1\n',
        True,
    ),
    "control characters in keys and values": (
        BASE + b'\nlabels:\n  "\\e]0;owned\\a": "\\x9b2J"\n  d: "\\u202eevil"\n'
        b'  e: "\\e[31mred\\e[0m"\n"\\e[2Jlabelz": 1\n',
        True,
    ),
    "binary": (bytes(range(256)) * 40, False),
    "UTF-16": ("labels:\n  a: x\n".encode("utf-16"), False),
    "a 10 MB line": (BASE + b'\nlabels:\n  big: "' + b"x" * 10_000_000 + b'"\n', False),
    "a 7 MB line": (BASE + b'\nlabels:\n  big: "' + b"x" * 7_000_000 + b'"\n', False),
    "a 200 KB line": (BASE + b'\nlabels:\n  big: "' + b"x" * 200_000 + b'"\n', False),
    "a 9,000-character line": (BASE + b'\nlabels:\n  big: "' + b"x" * 9_000 + b'"\n', True),
    "a huge layer (45,000 values)": (BASE + _big_labels(45_000, b"v" * 60), False),
    "mixed line endings": (BASE.replace(b"\n", b"\r\n", 3), False),
}
