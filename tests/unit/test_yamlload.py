"""Reading one layer: YAML 1.2 scalars, layering tags, located errors."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from zenml_tui.errors import Code
from zenml_tui.platform.yamlload import parse_file, parse_text, resolve_plain


def values(text: str) -> dict:
    tree, errors = parse_text(text, "f.yaml")
    assert errors == []
    assert tree is not None
    return {k: (v.value if v.kind == "scalar" else v.kind) for k, v in tree.value.items()}


def test_yaml_1_2_booleans_only_true_false() -> None:
    v = values("a: no\nb: on\nc: yes\nd: off\ne: true\nf: False\ng: y\n")
    assert v == {"a": "no", "b": "on", "c": "yes", "d": "off", "e": True, "f": False, "g": "y"}


def test_yaml_1_2_numbers_null_and_no_1_1_surprises() -> None:
    v = values("a: 1:30\nb: 0o17\nc: 0x1F\nd: 007\ne: 1e3\ng: ~\nh:\ni: 2024-01-01\nj: 1_000\n")
    assert v["a"] == "1:30"  # YAML 1.1 would make this 90
    assert v["b"] == 15 and v["c"] == 31 and v["d"] == 7
    assert v["e"] == 1000.0
    assert math.isinf(resolve_plain(".inf"))  # YAML 1.2 reads it so: a layer may not use it
    _, errors = parse_text("f: .inf\ng: 1e400\nh: .nan\n", "f.yaml")
    assert [(e.code, e.line, e.col) for e in errors] == [
        (Code.NUMBER_OUT_OF_RANGE, 1, 4),
        (Code.NUMBER_OUT_OF_RANGE, 2, 4),
        (Code.NUMBER_OUT_OF_RANGE, 3, 4),
    ]
    assert v["g"] is None and v["h"] is None
    assert v["i"] == "2024-01-01"  # no timestamps
    assert v["j"] == "1_000"


def test_quoted_and_explicit_str_stay_strings() -> None:
    v = values("a: '5'\nb: \"true\"\nc: !!str 5\nd: !!int 5\n")
    assert v == {"a": "5", "b": "true", "c": "5", "d": 5}


def test_layering_tags_are_read() -> None:
    tree, errors = parse_text("a: !delete\nb: !replace {x: 1}\nc: !append [1]\nd: !required\n", "f")
    assert errors == [] and tree is not None
    assert {k: v.tag for k, v in tree.value.items()} == {
        "a": "delete",
        "b": "replace",
        "c": "append",
        "d": "required",
    }


def test_marks_are_one_based_line_and_column() -> None:
    tree, _ = parse_text("top:\n  key: value\n", "f.yaml")
    assert tree is not None
    inner = tree.value["top"]
    assert (inner.value["key"].mark.line, inner.value["key"].mark.col) == (2, 8)
    assert (inner.key_marks["key"].line, inner.key_marks["key"].col) == (2, 3)


@pytest.mark.parametrize(
    ("text", "code", "line", "col"),
    [
        ("a:\n\tb: 1\n", Code.YAML_TAB, 2, 1),
        ("a: [1, 2\n", Code.YAML_SYNTAX, 2, 1),
        ("a: b: c\n", Code.YAML_SYNTAX, 1, 5),
        ("", Code.EMPTY_LAYER, 1, 1),
        ("# only a comment\n", Code.EMPTY_LAYER, 1, 1),
        ("- a\n- b\n", Code.NOT_A_MAPPING, 1, 1),
        ("a: 1\nb: 2\na: 3\n", Code.DUPLICATE_KEY, 3, 1),
        ("a: !frobnicate 1\n", Code.UNKNOWN_TAG, 1, 4),
        ("a: !delet\n", Code.UNKNOWN_TAG, 1, 4),
        ("? [a, b]\n: 1\n", Code.COMPLEX_KEY, 1, 3),
        ("base: &b {x: 1}\nother:\n  <<: *b\n", Code.UNKNOWN_KEY, 3, 3),
        ("a: 1\n---\nb: 2\n", Code.YAML_SYNTAX, 2, 1),
        ('a: "bell\x07"\n', Code.YAML_SYNTAX, 1, 9),
        ("a: !!int nope\n", Code.YAML_SYNTAX, 1, 4),
    ],
)
def test_bad_yaml_is_located(text: str, code: Code, line: int, col: int) -> None:
    _, errors = parse_text(text, "f.yaml")
    assert [(e.code, e.line, e.col) for e in errors][:1] == [(code, line, col)]
    assert all(e.file == "f.yaml" for e in errors)


def test_unknown_tag_suggests_the_close_one() -> None:
    _, errors = parse_text("a: !delet\n", "f.yaml")
    assert errors[0].hint == "did you mean 'delete'?"


def test_non_utf8_file_is_located(tmp_path: Path) -> None:
    f = tmp_path / "x.yaml"
    f.write_bytes(b"a: 1\nb: caf\xe9\n")
    tree, errors, _ = parse_file(f)
    assert tree is None
    assert [(e.code, e.line, e.col) for e in errors] == [(Code.ENCODING, 2, 7)]


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    f = tmp_path / "x.yaml"
    f.write_bytes(b"\xef\xbb\xbfa: 1\n")
    tree, errors, _ = parse_file(f)
    assert errors == [] and tree is not None and tree.value["a"].value == 1


def test_missing_file(tmp_path: Path) -> None:
    tree, errors, _ = parse_file(tmp_path / "nope.yaml")
    assert tree is None and errors[0].code == Code.FILE_MISSING
