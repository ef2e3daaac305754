"""The keystroke fast path gives exactly what a full parse gives."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zenml_tui.bundled import example_platform
from zenml_tui.ops.session import open_session
from zenml_tui.platform.incremental import patch_one_line
from zenml_tui.platform.nodes import walk
from zenml_tui.platform.yamlload import parse_text

VALUE_LINE = re.compile(r"^( *)([A-Za-z_][\w.-]*): (\S.*)$")

NEW_VALUES = st.one_of(
    st.sampled_from(
        [
            "no",
            "true",
            "1.5",
            "'quoted'",
            '"dq"',
            "n1-standard-16",
            "${location}",
            "${secret:GCP_DEV_SA_JSON}",
            "gs://${infrastructure.bucket}/x",
            "${nowhere}",
            "x # a comment",
            "~",
            "!delete",
            "[1, 2]",
            "{a: 1}",
            "&anchor v",
            "'unterminated",
            "|",
        ]
    ),
    st.text(alphabet="abcxyz019-_:./ ", min_size=1, max_size=12).map(str.strip).filter(bool),
)


def snapshot(result) -> tuple:
    provs = [
        (p, n.kind, [(x.layer, x.mark, x.op, x.display) for x in n.prov.chain()])
        for p, n in walk(result.tree)
    ]
    return result.plain(), [e.format() for e in result.errors], provs


@pytest.fixture(scope="module")
def platform_copy(tmp_path_factory) -> Path:
    dst = tmp_path_factory.mktemp("inc") / "acme-ml"
    shutil.copytree(example_platform(), dst, ignore=shutil.ignore_patterns(".zenml-tui"))
    return dst


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_fast_path_equals_full_parse(platform_copy: Path, data) -> None:
    session = open_session(platform_copy)
    p = session.platform
    scope = p.scope(data.draw(st.sampled_from(["local", "dev", "prod"])), project="fraud_detection")
    ref = data.draw(st.sampled_from(p.layers_for(scope)))
    path = p.layer_path(ref)
    lines = path.read_text().split("\n")
    candidates = [i for i, line in enumerate(lines) if VALUE_LINE.match(line)]
    i = data.draw(st.sampled_from(candidates))
    m = VALUE_LINE.match(lines[i])
    assert m is not None
    edited = list(lines)
    edited[i] = f"{m.group(1)}{m.group(2)}: {data.draw(NEW_VALUES)}"
    text = "\n".join(edited)

    session.layering.scope(scope)  # the file's own text is the last one seen
    fast = session.layering.scope(scope, {path: text})
    full = open_session(platform_copy).layering.scope(scope, {path: text})
    assert snapshot(fast) == snapshot(full)


def test_fast_path_is_taken_for_a_value_edit(example_copy: Path) -> None:
    session = open_session(example_copy)
    scope = session.platform.scope("prod", "training")
    path = example_copy / "layers/env/prod.yaml"
    text = path.read_text()
    session.layering.scope(scope)
    for typed in ("n1-standard-1", "n1-standard-16", "n1-standard-32"):
        r = session.layering.scope(scope, {path: text.replace("n1-standard-8", typed)})
        assert r.layers[1].incremental
        assert r.plain()["components"]["step_operator"]["configuration"]["machine_type"] == typed
    assert (path.read_text()) == text


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("a: 1\nb: 2\n", "a: 1\nb: 2\nc: 3\n"),  # a line added
        ("a: 1\nb: 2\n", "a: 1\nc: 2\n"),  # a key renamed
        ("a: 1\nb: 2\n", "a: 1\nb: !delete\n"),  # a tag
        ("a: 1\nb: x\n", "a: 1\nb: &x y\n"),  # an anchor
        ("a: 1\nb: x\n  y\n", "a: 1\nb: z\n  y\n"),  # a continuation line
        ("a: 1\nb: x\n", "a: 1\nb: |\n"),  # a block scalar
        ("a: 1\nb: x\n", "a: 2\nb: y\n"),  # two lines
        ("a:\n  - b: 1\n", "a:\n  - b: 2\n"),  # inside a list
        ("a: 1\nb: x\n", "a: 1\nb: [x]\n"),  # a flow collection
    ],
)
def test_structural_edits_take_the_full_parse(old: str, new: str) -> None:
    tree, errors = parse_text(old, "f.yaml")
    assert tree is not None and errors == []
    assert patch_one_line(old, tree, new, "f.yaml") is None


def test_patch_keeps_every_other_node() -> None:
    old = "a:\n  x: 1\n  y: {p: 1}\nb: [1, 2]\n"
    tree, _ = parse_text(old, "f.yaml")
    patched = patch_one_line(old, tree, old.replace("x: 1", "x:   'one'  # note"), "f.yaml")
    assert patched is not None
    new_tree, replaced = patched
    assert new_tree.value["b"] is tree.value["b"]
    assert new_tree.value["a"].value["y"] is tree.value["a"].value["y"]
    leaf = new_tree.value["a"].value["x"]
    assert (leaf.value, leaf.mark.line, leaf.mark.col) == ("one", 2, 8)
    full, _ = parse_text(old.replace("x: 1", "x:   'one'  # note"), "f.yaml")
    assert full.value["a"].value["x"].mark == leaf.mark
    assert len(replaced) == 3
