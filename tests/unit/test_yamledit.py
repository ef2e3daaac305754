"""The YAML edits that accept drift and adopt objects: one value changes, the rest of the
layer (comments, order, quoting, blank lines) stays byte for byte."""

from __future__ import annotations

import difflib

import pytest

from zenml_tui.platform.nodes import LNode
from zenml_tui.platform.yamledit import (
    DELETE,
    EditError,
    literal,
    locate,
    remove_key,
    scalar_text,
    set_value,
)
from zenml_tui.platform.yamlload import parse_text

LAYER = """\
# training: its own orchestrator   (a comment at the top)
components:
  orchestrator:
    by_flavor:
      vertex:
        cpu_limit: "4"     # quoted on purpose
        memory_limit: 16G

  experiment_tracker:
    labels:
      purpose: experiments  # who reads it
# a comment at the end
"""


def read(text: str, *path: str) -> object:
    """The value at `path` as the layering reads the text (YAML 1.2, its own loader)."""
    tree, errors = parse_text(text, "layer.yaml")
    assert not errors, errors
    node: LNode | None = tree
    for key in path:
        assert node is not None and isinstance(node.value, dict), path
        node = node.value.get(key)
    assert node is not None, path
    return node.value.value if hasattr(node.value, "value") else node.value


def lines_kept(before: str, after: str, changed: int) -> None:
    """Every line of `before` is in `after`, in order, but `changed` of them."""
    old, new = before.splitlines(), after.splitlines()
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    kept = sum(block.size for block in matcher.get_matching_blocks())
    assert len(old) - kept == changed, (old, new)


def test_a_scalar_changes_in_place_and_its_comment_stays() -> None:
    out = set_value(LAYER, ["components", "experiment_tracker", "labels", "purpose"], "research")
    assert "      purpose: research  # who reads it\n" in out
    lines_kept(LAYER, out, 1)
    assert read(out, "components", "experiment_tracker", "labels", "purpose") == "research"


def test_the_quoted_scalar_is_replaced_whole() -> None:
    path = ["components", "orchestrator", "by_flavor", "vertex", "cpu_limit"]
    out = set_value(LAYER, path, "8")
    assert '        cpu_limit: "8"     # quoted on purpose\n' in out
    assert read(out, *path) == "8"  # a string still, not the number 8
    lines_kept(LAYER, out, 1)


def test_an_added_key_in_a_nested_map_goes_after_its_last_entry() -> None:
    path = ["components", "experiment_tracker", "labels", "owner"]
    out = set_value(LAYER, path, "alice")
    assert out.splitlines()[10:13] == [
        "      purpose: experiments  # who reads it",
        "      owner: alice",
        "# a comment at the end",
    ]
    lines_kept(LAYER, out, 0)
    assert read(out, *path) == "alice"
    assert read(out, "components", "experiment_tracker", "labels", "purpose") == "experiments"


def test_missing_maps_are_made_at_the_indentation_of_their_parent() -> None:
    out = set_value(LAYER, ["components", "orchestrator", "labels", "team-lead"], "bo")
    assert "    labels:\n      team-lead: bo\n" in out
    assert out.index("memory_limit") < out.index("team-lead") < out.index("experiment_tracker")
    lines_kept(LAYER, out, 0)
    out = set_value(out, ["labels", "cost_center"], "ml-42")
    # after the last entry of the document, before the comment that ends it
    assert out.endswith(": experiments  # who reads it\nlabels:\n  cost_center: ml-42\n"
                        "# a comment at the end\n")  # fmt: skip
    assert read(out, "labels", "cost_center") == "ml-42"


def test_keys_and_values_that_need_quoting() -> None:
    text = "labels:\n  a: b\n"
    cases = {
        "on": '"on"',  # a YAML 1.1 boolean
        "3": '"3"',  # a number
        "1.2.0": '"1.2.0"',
        "": '""',
        "x: y": '"x: y"',
        "a #b": '"a #b"',
        "- dash": '"- dash"',
        'quote"d': '"quote\\"d"',
        "tab\there": '"tab\\there"',
        "\u202eevil": '"\\u202eevil"',
        "${environment}": '"$${environment}"',  # a literal, not a reference
        "path/to/x": "path/to/x",
    }
    for value, written in cases.items():
        out = set_value(text, ["labels", "k"], value)
        assert out == f"labels:\n  a: b\n  k: {written}\n", value
        assert not parse_text(out, "l.yaml")[1], value
    for key, written in {"app.kubernetes.io/name": "app.kubernetes.io/name", "true": '"true"',
                         "a b": '"a b"', "team_x": "team_x"}.items():  # fmt: skip
        out = set_value(text, ["labels", key], "v")
        assert out.endswith(f"  {written}: v\n"), key
        assert read(out, "labels", key) == "v"
    with pytest.raises(EditError, match="without a closing"):
        set_value(text, ["labels", "k"], "a${b")


def test_literals_round_trip_through_the_layering_escape() -> None:
    assert literal("${x}") == "$${x}"
    assert literal("$${x}") == "$$${x}"
    assert literal("plain") == "plain"
    assert scalar_text(True) == "true" and scalar_text(None) == "null" and scalar_text(4) == "4"
    assert scalar_text({"a": 1, "b c": "x"}) == '{a: 1, "b c": x}'


def test_flow_maps_get_the_key_inside_their_braces() -> None:
    text = "components:\n  orchestrator:\n    labels: {a: b}  # flow\n    flavor: local\n"
    out = set_value(text, ["components", "orchestrator", "labels", "c"], "d")
    assert (
        out == "components:\n  orchestrator:\n    labels: {a: b, c: d}  # flow\n    flavor: local\n"
    )
    out = set_value("labels: {}\n", ["labels", "team"], "x")
    assert out == "labels: {team: x}\n"
    out = set_value("labels: {}\n", ["labels", "deep", "er"], "x")
    assert out == "labels: {deep: {er: x}}\n"


def test_an_empty_value_and_an_empty_layer() -> None:
    out = set_value("connector:\n  labels:\n  type: gcp\n", ["connector", "labels", "a"], "b")
    assert out == "connector:\n  labels:\n    a: b\n  type: gcp\n"
    assert set_value("", ["labels", "a"], "b") == "labels:\n  a: b\n"
    assert set_value("# only a comment", ["a"], 1) == "# only a comment\na: 1\n"


def test_a_map_replaces_a_deleted_value_below_its_key() -> None:
    text = (
        "components:\n  container_registry: !delete  # none here\n"
        "  orchestrator: !replace\n    flavor: local\n"
    )
    path = ["components", "container_registry"]
    out = set_value(text, path, {"flavor": "default", "configuration": {"uri": "localhost:5000"}})
    assert out == (
        "components:\n  container_registry:  # none here\n    flavor: default\n"
        "    configuration:\n      uri: localhost:5000\n"
        "  orchestrator: !replace\n    flavor: local\n"
    )
    assert read(out, *path, "configuration", "uri") == "localhost:5000"
    assert set_value(out, [*path, "flavor"], DELETE).count("flavor: !delete") == 1


def test_a_map_into_an_existing_map_sets_each_key() -> None:
    wanted = {"flavor": "mlflow", "labels": {"purpose": "x"}}
    out = set_value(LAYER, ["components", "experiment_tracker"], wanted)
    assert "      purpose: x  # who reads it\n" in out
    assert read(out, "components", "experiment_tracker", "flavor") == "mlflow"
    lines_kept(LAYER, out, 1)


def test_crlf_and_four_space_indentation_are_kept() -> None:
    text = "components:\r\n    orchestrator:\r\n        flavor: local\r\n"
    out = set_value(text, ["components", "orchestrator", "labels", "a"], "b")
    assert out == (
        "components:\r\n    orchestrator:\r\n        flavor: local\r\n"
        "        labels:\r\n            a: b\r\n"
    )


def test_remove_an_entry_with_its_lines() -> None:
    out = remove_key(LAYER, ["components", "orchestrator", "by_flavor", "vertex", "memory_limit"])
    assert "memory_limit" not in out
    lines_kept(LAYER, out, 1)
    # the only entry of a map: the map becomes {} (null would replace a lower layer's map)
    out = remove_key(LAYER, ["components", "experiment_tracker", "labels", "purpose"])
    assert "    labels: {}\n" in out and "experiments" not in out
    assert read(out, "components", "experiment_tracker", "labels") == {}
    assert "# a comment at the end" in out
    out = remove_key("labels: {a: b, c: d}\n", ["labels", "a"])
    assert out == "labels: {c: d}\n"
    out = remove_key("labels: {a: b, c: d}\n", ["labels", "c"])
    assert out == "labels: {a: b}\n"
    assert remove_key(LAYER, ["nothing", "here"]) == LAYER


def test_locate_and_what_cannot_be_edited() -> None:
    assert locate(LAYER, ["components", "experiment_tracker", "labels", "purpose"]) == (11, 16)
    assert locate(LAYER, ["components", "nope"]) is None
    with pytest.raises(EditError, match="not a map"):
        set_value("components: !delete\n", ["components", "orchestrator", "flavor"], "x")
    with pytest.raises(EditError, match="not valid YAML"):
        set_value("a: [\n", ["a"], 1)
    with pytest.raises(EditError, match="block map"):
        set_value(LAYER, ["components", "orchestrator"], "flat")
