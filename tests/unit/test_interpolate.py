"""docs/layering.md, "References" and "Secrets": references, context names, escapes, secrets."""

from __future__ import annotations

from zenml_tui.errors import Code
from zenml_tui.platform.interpolate import resolve
from zenml_tui.platform.merge import fold
from zenml_tui.platform.nodes import LayerRef, SecretRef, lookup, to_plain
from zenml_tui.platform.yamlload import parse_text

CTX = {
    "environment": "dev",
    "team": None,
    "project": None,
    "platform": "acme",
    "stack_version": "1.2.0",
    "cloud": "gcp",
}


def run(text: str, context=None, secrets=frozenset({"SA"})):
    tree, errors = parse_text(text, "base.yaml")
    assert errors == []
    root, errors = fold([(LayerRef("base"), tree)])
    assert errors == []
    return resolve(root, context or CTX, set(secrets), "environment scope dev")


def test_path_and_context_references() -> None:
    out, errors = run(
        "b: {bucket: acme}\np: gs://${b.bucket}/${environment}/${platform}-${stack_version}\n"
    )
    assert errors == []
    assert to_plain(out)["p"] == "gs://acme/dev/acme-1.2.0"


def test_a_whole_reference_keeps_the_type() -> None:
    out, errors = run(
        "n: 4\nf: true\nm: {x: 1}\nl: [1]\na: ${n}\nb: ${f}\nc: ${m}\nd: ${l}\ne: 'n=${n}'\n"
    )
    assert errors == []
    p = to_plain(out)
    assert (p["a"], p["b"], p["c"], p["d"], p["e"]) == (4, True, {"x": 1}, [1], "n=4")


def test_references_resolve_after_the_full_merge() -> None:
    base, _ = parse_text("region: a\nloc: ${region}\n", "base.yaml")
    env, _ = parse_text("region: b\n", "env.yaml")
    root, _ = fold([(LayerRef("base"), base), (LayerRef("env", "dev"), env)])
    out, errors = resolve(root, CTX, set(), "s")
    assert errors == [] and to_plain(out)["loc"] == "b"


def test_chained_references_and_provenance_of_the_reference() -> None:
    out, errors = run("a: x\nb: ${a}-y\nc: ${b}-z\n")
    assert errors == [] and to_plain(out)["c"] == "x-y-z"
    prov = lookup(out, ("c",)).prov
    assert prov.op == "interpolated" and prov.prev.op == "set"
    assert prov.refs[0][0] == "b" and prov.refs[0][1].mark.line == 2


def test_escape_is_a_literal() -> None:
    out, errors = run("a: x\nb: '$${a} is ${a}'\nc: ${b}\n")
    assert errors == []
    assert to_plain(out)["b"] == "${a} is x"
    assert to_plain(out)["c"] == "${a} is x"  # not re-interpolated


def test_cycle_shows_the_chain() -> None:
    _, errors = run("a: ${b}\nb: ${c}\nc: ${a}\n")
    cyc = [e for e in errors if e.code == Code.REF_CYCLE]
    assert len(cyc) == 1
    assert "a -> b -> c -> a" in cyc[0].message


def test_self_reference_is_a_cycle() -> None:
    _, errors = run("a: ${a}\n")
    assert [e.code for e in errors] == [Code.REF_CYCLE]


def test_dangling_reference_with_did_you_mean() -> None:
    _, errors = run("infra: {bucket: x}\np: ${infra.buckt}\n")
    assert [(e.code, e.line, e.col, e.path) for e in errors] == [(Code.REF_DANGLING, 2, 4, "p")]
    assert errors[0].hint == "did you mean 'bucket'?"


def test_context_name_missing_in_this_scope() -> None:
    _, errors = run("a: ${team}\n")
    assert errors[0].code == Code.REF_DANGLING and "team" in errors[0].message


def test_unterminated_reference() -> None:
    _, errors = run("a: '${b'\n")
    assert errors[0].code == Code.REF_SYNTAX


def test_secret_is_opaque_and_never_resolved() -> None:
    out, errors = run("k: ${secret:SA}\ncopy: ${k}\n")
    assert errors == []
    assert lookup(out, ("k",)).value == SecretRef("SA")
    assert to_plain(out) == {"k": "«secret:SA»", "copy": "«secret:SA»"}


def test_secret_embedded_in_a_string_is_an_error() -> None:
    _, errors = run("k: 'Bearer ${secret:SA}'\n")
    assert errors[0].code == Code.SECRET_EMBEDDED
    assert "secret:SA" in errors[0].message


def test_undeclared_secret_suggests_the_declared_one() -> None:
    _, errors = run("k: ${secret:SAA}\n")
    assert errors[0].code == Code.SECRET_UNDECLARED and errors[0].hint == "did you mean 'SA'?"


def test_embedding_a_map_is_a_type_error() -> None:
    _, errors = run("m: {x: 1}\ns: 'x=${m}'\n")
    assert errors[0].code == Code.REF_TYPE


def test_untouched_subtrees_are_shared() -> None:
    tree, _ = parse_text("big: {a: 1, b: 2}\nr: ${big.a}\n", "base.yaml")
    root, _ = fold([(LayerRef("base"), tree)])
    out, _ = resolve(root, CTX, set(), "s")
    assert lookup(out, ("big",)) is lookup(root, ("big",))
