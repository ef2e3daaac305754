"""docs/layering.md, "Maps merge by key" to "Required values", and "Provenance": the
fold and its provenance."""

from __future__ import annotations

import pytest

from zenml_tui.errors import Code
from zenml_tui.platform.merge import fold
from zenml_tui.platform.nodes import LayerRef, lookup, parse_path, to_plain
from zenml_tui.platform.yamlload import parse_text

REFS = [LayerRef("base"), LayerRef("env", "dev"), LayerRef("team", "t"), LayerRef("project", "p")]
FILES = ["base.yaml", "env.yaml", "team.yaml", "project.yaml"]


def merge(*texts: str):
    layers = []
    for ref, file, text in zip(REFS, FILES, texts, strict=False):
        tree, errors = parse_text(text, file)
        assert errors == [], errors
        layers.append((ref, tree))
    return fold(layers)


def plain(*texts: str):
    root, errors = merge(*texts)
    assert errors == [], [e.format() for e in errors]
    return to_plain(root)


def chain(root, path: str):
    node = lookup(root, parse_path(path))
    assert node is not None
    return [
        (p.layer, p.mark.file, p.mark.line, p.mark.col, p.op, p.display) for p in node.prov.chain()
    ]


# Maps merge by key ----------------------------------------------------------------------
def test_maps_deep_merge_and_keep_unmentioned_keys() -> None:
    assert plain("a: {x: 1, y: {p: 1, q: 2}}\n", "a: {y: {q: 3, r: 4}}\n") == {
        "a": {"x": 1, "y": {"p": 1, "q": 3, "r": 4}}
    }


def test_key_order_is_first_appearance() -> None:
    out = plain("b: 1\na: 1\n", "c: 1\nb: 2\n", "d: 1\na: 3\n")
    assert list(out) == ["b", "a", "c", "d"]


def test_empty_overlay_changes_nothing() -> None:
    assert plain("a: {x: 1}\n", "{}\n", "a: {}\n") == {"a": {"x": 1}}


# Scalars replace ------------------------------------------------------------------------
def test_scalars_replace_without_coercion() -> None:
    out = plain("a: 1\nb: 'x'\nc: true\n", "a: '1'\nb: 2\nc: no\n")
    assert out == {"a": "1", "b": 2, "c": "no"}


# Null is a value ------------------------------------------------------------------------
def test_null_is_a_value_not_a_delete() -> None:
    root, errors = merge("a: 1\nb: 2\n", "a: null\n")
    assert errors == []
    assert to_plain(root) == {"a": None, "b": 2}
    assert chain(root, "a")[-1][4] == "set"


# Deleting keys --------------------------------------------------------------------------
def test_delete_removes_the_key_and_records_it() -> None:
    root, errors = merge("a: {x: 1, y: 2}\n", "a:\n  x: !delete\n")
    assert errors == []
    assert to_plain(root) == {"a": {"y": 2}}
    deleted = lookup(root, ("a",)).deleted["x"]
    assert (deleted.layer, deleted.op, deleted.mark.line, deleted.mark.col) == (
        "env:dev",
        "deleted",
        2,
        3,
    )
    assert deleted.prev is not None and deleted.prev.layer == "base"


def test_delete_of_missing_key_is_an_error_with_did_you_mean() -> None:
    _, errors = merge("a: {colour: red}\n", "a:\n  color: !delete\n")
    assert [(e.code, e.file, e.line, e.col, e.path) for e in errors] == [
        (Code.DELETE_MISSING, "env.yaml", 2, 3, "a.color")
    ]
    assert errors[0].hint == "did you mean 'colour'?"


def test_delete_takes_no_value() -> None:
    _, errors = merge("a: 1\n", "a: !delete 5\n")
    assert errors[0].code == Code.MISPLACED_TAG


def test_key_deleted_then_set_again_keeps_the_deletion_in_its_chain() -> None:
    root, errors = merge("a: 1\n", "a: !delete\n", "a: 3\n")
    assert errors == []
    assert [(c[0], c[4]) for c in chain(root, "a")] == [
        ("base", "set"),
        ("env:dev", "deleted"),
        ("team:t", "set"),
    ]


# Replacing wholesale --------------------------------------------------------------------
def test_replace_takes_a_map_wholesale() -> None:
    root, errors = merge("a: {x: 1, y: 2}\n", "a: !replace {z: 3}\n")
    assert errors == []
    assert to_plain(root) == {"a": {"z": 3}}
    assert chain(root, "a")[-1][4] == "replaced"


def test_replace_takes_a_list_wholesale() -> None:
    assert plain("a: [1, 2]\n", "a: !replace [3]\n") == {"a": [3]}


# Lists ----------------------------------------------------------------------------------
def test_lists_replace_by_default_never_by_index() -> None:
    assert plain("a: [1, 2, 3]\n", "a: [9]\n") == {"a": [9]}


def test_append_appends_at_point_of_use_with_item_provenance() -> None:
    root, errors = merge("a: [1, 2]\n", "a: !append [3]\n", "a: !append [4, 5]\n")
    assert errors == []
    assert to_plain(root) == {"a": [1, 2, 3, 4, 5]}
    assert chain(root, "a[2]")[-1][:2] == ("env:dev", "env.yaml")
    assert chain(root, "a[2]")[-1][4] == "appended"
    assert chain(root, "a[4]")[-1][0] == "team:t"


def test_append_to_nothing_starts_the_list() -> None:
    assert plain("b: 1\n", "a: !append [1]\n") == {"b": 1, "a": [1]}


def test_append_needs_a_list() -> None:
    _, errors = merge("a: [1]\n", "a: !append {x: 1}\n")
    assert errors[0].code == Code.MISPLACED_TAG


# Kind conflicts -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("lower", "upper"),
    [
        ("a: {x: 1}\n", "a: 5\n"),
        ("a: [1]\n", "a: {x: 1}\n"),
        ("a: 5\n", "a: [1]\n"),
        ("a: {x: 1}\n", "a: null\n"),
    ],
)
def test_kind_conflict_cites_both_locations(lower: str, upper: str) -> None:
    root, errors = merge(lower, upper)
    assert len(errors) == 1
    e = errors[0]
    assert e.code == Code.KIND_CONFLICT
    assert (e.file, e.line, e.col) == ("env.yaml", 1, 4)
    assert "base.yaml:1:4" in e.message and "env.yaml:1:4" in e.message
    assert to_plain(root) == to_plain(merge(lower)[0])  # the lower value stands


def test_replace_is_the_override_for_a_kind_change() -> None:
    assert plain("a: {x: 1}\n", "a: !replace 5\n") == {"a": 5}


# Required values ------------------------------------------------------------------------
def test_required_placeholder_filled_by_a_higher_layer() -> None:
    root, errors = merge("a: !required\n", "a: {x: 1}\n")
    assert errors == []
    assert to_plain(root) == {"a": {"x": 1}}


def test_required_only_in_base() -> None:
    _, errors = merge("a: 1\n", "b: !required\n")
    assert errors[0].code == Code.MISPLACED_TAG


def test_unfilled_required_is_left_as_a_placeholder() -> None:
    root, errors = merge("a: !required the region\nb: 1\n", "b: 2\n")
    assert errors == []
    node = lookup(root, ("a",))
    assert node.kind == "required" and node.value == "the region"
    assert "a" not in to_plain(root)


# Provenance -----------------------------------------------------------------------------
def test_provenance_chain_lowest_first_with_shadowed_values() -> None:
    root, _ = merge("m: small\n", "m: medium\n", "{}\n", "m: large\n")
    assert chain(root, "m") == [
        ("base", "base.yaml", 1, 4, "set", '"small"'),
        ("env:dev", "env.yaml", 1, 4, "set", '"medium"'),
        ("project:p", "project.yaml", 1, 4, "set", '"large"'),
    ]


def test_untouched_subtrees_are_shared_not_copied() -> None:
    base, _ = merge("a: {x: {deep: 1}}\nb: {y: 1}\n")
    tree, _ = parse_text("b: {y: 2}\n", "env.yaml")
    root, _ = fold([(LayerRef("env", "dev"), tree)], base)
    assert lookup(root, ("a",)) is lookup(base, ("a",))
    assert lookup(root, ("b",)) is not lookup(base, ("b",))


def test_all_errors_are_collected_not_just_the_first() -> None:
    _, errors = merge("a: {x: 1}\nb: [1]\n", "a: 1\nb: {y: 1}\nc: !delete\n")
    assert [e.code for e in errors] == [Code.KIND_CONFLICT, Code.KIND_CONFLICT, Code.DELETE_MISSING]
