"""Property tests of the layering engine (hypothesis)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import MINIMAL_BASE, MINIMAL_PLATFORM, write_platform
from zenml_tui.ops.config import tfvars, validate
from zenml_tui.ops.session import open_session
from zenml_tui.platform.explain import ExplainError, explain
from zenml_tui.platform.merge import fold
from zenml_tui.platform.nodes import LIST, MAP, LayerRef, to_plain, walk
from zenml_tui.platform.render import dump_json, render_scope
from zenml_tui.platform.yamlload import parse_text

KEYS = st.sampled_from(["a", "b", "c", "d", "e"])
SCALARS = st.one_of(
    st.integers(-5, 5),
    st.booleans(),
    st.none(),
    st.text(alphabet="xyz no:1", max_size=6),
)


class Tag:
    def __init__(self, tag: str, value: Any = None) -> None:
        self.tag, self.value = tag, value


def trees(allow_tags: bool, depth: int = 3):
    leaf = st.one_of(SCALARS, st.lists(SCALARS, max_size=3))
    if allow_tags:
        leaf = st.one_of(
            leaf,
            st.builds(lambda v: Tag("append", v), st.lists(SCALARS, min_size=1, max_size=2)),
            st.just(Tag("delete")),
        )
    if depth == 0:
        return st.dictionaries(KEYS, leaf, max_size=4)
    sub = trees(allow_tags, depth - 1)
    value = st.one_of(leaf, sub)
    if allow_tags:
        value = st.one_of(value, st.builds(lambda v: Tag("replace", v), sub))
    return st.dictionaries(KEYS, value, max_size=4)


def emit(d: dict, indent: int = 0) -> str:
    pad = " " * indent
    out: list[str] = []
    for k, v in d.items():
        key = json.dumps(k)
        tag = ""
        if isinstance(v, Tag):
            if v.tag == "delete":
                out.append(f"{pad}{key}: !delete")
                continue
            tag, v = f"!{v.tag} ", v.value
        if isinstance(v, dict) and v:
            out.append(f"{pad}{key}: {tag}".rstrip())
            out.append(emit(v, indent + 2))
        else:
            out.append(f"{pad}{key}: {tag}{json.dumps(v)}")
    return "\n".join(line for line in out if line) or f"{pad}{{}}"


REFS = [LayerRef("base"), LayerRef("env", "e"), LayerRef("team", "t"), LayerRef("project", "p")]


def parse_layers(texts: list[str]):
    layers = []
    for i, text in enumerate(texts):
        tree, errors = parse_text(text + "\n", f"layer{i}.yaml")
        assert errors == [], (text, errors)
        layers.append((REFS[i], tree))
    return layers


def snapshot(root) -> Any:
    """Values plus every node's full provenance chain."""
    return [
        (
            path,
            node.kind,
            [
                (p.layer, p.mark.file, p.mark.line, p.mark.col, p.op, p.display)
                for p in node.prov.chain()
            ],
        )
        for path, node in walk(root)
    ]


@settings(max_examples=150, deadline=None)
@given(st.lists(trees(allow_tags=True), min_size=1, max_size=4))
def test_fold_is_deterministic(layers: list[dict]) -> None:
    texts = [emit(d) for d in layers]
    a, ea = fold(parse_layers(texts))
    b, eb = fold(parse_layers(texts))
    assert to_plain(a) == to_plain(b)
    assert snapshot(a) == snapshot(b)
    assert [e.format() for e in ea] == [e.format() for e in eb]


@settings(max_examples=150, deadline=None)
@given(st.lists(trees(allow_tags=True), min_size=1, max_size=4))
def test_provenance_covers_every_leaf(layers: list[dict]) -> None:
    texts = [emit(d) for d in layers]
    root, _ = fold(parse_layers(texts))
    lines = {f"layer{i}.yaml": t.count("\n") + 1 for i, t in enumerate(texts)}
    for _path, node in walk(root):
        if node.kind in (MAP, LIST) and node.value:
            continue
        prov = node.prov
        assert prov.mark.file in lines
        assert 1 <= prov.mark.line <= lines[prov.mark.file]
        assert prov.op in ("set", "replaced", "appended", "merged")
        for p in prov.chain():
            assert p.mark.file in lines and p.mark.line >= 1


@settings(max_examples=150, deadline=None)
@given(trees(allow_tags=False), st.lists(trees(allow_tags=False), max_size=2))
def test_merging_a_layer_with_itself_changes_nothing(layer: dict, below: list[dict]) -> None:
    """Idempotence holds for layers without !append and !delete (appending twice appends
    twice; deleting twice deletes a missing key, which is an error by "Deleting keys")."""
    texts = [emit(d) for d in below]
    once, e1 = fold(parse_layers([*texts, emit(layer)]))
    twice, e2 = fold(parse_layers([*texts, emit(layer), emit(layer)]))
    assert to_plain(once) == to_plain(twice)
    assert len(e2) == 2 * len(e1) - len([e for e in e1 if e.file != f"layer{len(texts)}.yaml"])


SECRET_VALUES = st.text(alphabet="ABCDEFGHJKMNPQRSTUVWXYZ23456789", min_size=10, max_size=24)
PLACES = st.sampled_from(
    [
        "connector.configuration.service_account_json",
        "labels.owner",
        "location",
        "components.orchestrator.configuration.token",
        "components.orchestrator.flavor",
        "embedded",
        "undeclared",
    ]
)


def _layer_with_refs(places: list[str], names: list[str]) -> str:
    lines = ["connector:", "  type: gcp", "  auth_method: service-account", "  configuration:"]
    body: dict[str, Any] = {}
    for place, name in zip(places, names, strict=True):
        if place == "embedded":
            body.setdefault("labels", {})["note"] = f"key-${{secret:{name}}}"
        elif place == "undeclared":
            body.setdefault("labels", {})["other"] = f"${{secret:{name}X}}"
        else:
            cur = body
            *parents, last = place.split(".")
            for p in parents:
                cur = cur.setdefault(p, {})
            cur[last] = f"${{secret:{name}}}"
    conn = body.pop("connector", {"configuration": {}})
    for k, v in conn["configuration"].items():
        lines.append(f"    {k}: {json.dumps(v)}")
    if len(lines) == 4:
        lines.append("    project_id: p")
    return "\n".join(lines) + "\n" + (emit(body) if body else "") + "\n"


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.lists(st.tuples(PLACES, SECRET_VALUES), min_size=1, max_size=4))
def test_no_secret_value_ever_appears_in_output_or_errors(refs) -> None:
    names = [f"S{i}" for i in range(len(refs))]
    values = [f"zq{v}" for _, v in refs]
    platform_yaml = MINIMAL_PLATFORM.replace(
        "secrets:\n  SA_JSON:\n    env: TINY_SA_JSON\n",
        "secrets:\n" + "".join(f"  {n}:\n    env: TINY_{n}\n" for n in names),
    )
    env_layer = _layer_with_refs([p for p, _ in refs], names)
    saved = {k: os.environ.get(k) for k in (f"TINY_{n}" for n in names)}
    os.environ.update({f"TINY_{n}": v for n, v in zip(names, values, strict=True)})
    try:
        with tempfile.TemporaryDirectory() as tmp:
            root = write_platform(
                Path(tmp),
                {
                    "platform.yaml": platform_yaml,
                    "layers/base.yaml": MINIMAL_BASE,
                    "layers/env/dev.yaml": env_layer,
                },
            )
            session = open_session(root)
            texts = [e.format() + e.hint for e in validate(session)]
            for s in session.platform.scopes():
                r = session.layering.scope(s)
                texts += [e.format() for e in r.errors]
                texts.append(render_scope(r, "yaml"))
                texts.append(render_scope(r, "json"))
                for path in ("connector", "labels", "location", "components.orchestrator"):
                    try:
                        ex = explain(r, path)
                    except ExplainError as exc:
                        texts.append(str(exc))
                    else:
                        texts.append(ex.format())
                        texts.append(json.dumps(ex.to_dict()))
            data, errors = tfvars(session, "dev")
            texts.append(dump_json(data))
            texts += [e.format() for e in errors]
            blob = "\n".join(texts)
            for v in values:
                assert v not in blob
            assert any(n in blob for n in names)  # the references are shown by name
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
