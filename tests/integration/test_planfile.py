"""The native reader of saved plans (terraform/planfile.py) against `terraform show -json`.

Real plans of the embedded Terraform: generated configurations of `terraform_data`
(nested values, sets, numbers, nulls, unknowns, sensitive values, updates, replaces,
deletes, outputs) planned over a state, and each read both ways; the two plan models are
compared field by field. The provider's own plans (drift, imports, secrets) are compared
the same way by the whole suite, which runs with ZENML_TUI_PLAN_READER=check
(tests/conftest.py).
"""

from __future__ import annotations

import asyncio
import json
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zenml_tui.errors import ZenMLTUIError
from zenml_tui.terraform import planfile
from zenml_tui.terraform.engines import LibterraformEngine
from zenml_tui.terraform.plan import Masks, PlanModel, model_differences
from zenml_tui.terraform.planread import READER_ENV, read_plan, read_saved
from zenml_tui.terraform.workdir import Workdir

HEAD = 'terraform {\n  backend "local" {}\n}\n'


class Planner:
    """One work directory; each plan in a workspace of its own (a fresh state)."""

    def __init__(self, tmp: Path) -> None:
        self.bundled = tmp / "bundled"
        (self.bundled / "platform").mkdir(parents=True)
        self.wd = Workdir(tmp / "state", "bundled", LibterraformEngine(), self.bundled)
        self.tfvars = tmp / "vars.json"
        self.tfvars.write_text("{}")
        self.count = 0

    async def plans(self, before: str, after: str, out: Path) -> None:
        """Apply `before` in a new workspace, then plan `after` to `out`."""
        self.count += 1
        base = self.wd.environment()
        env = {**base, **self.wd.workspace_environment(f"w{self.count}")}
        first = out.with_suffix(".first")
        self._write(before)
        await self.wd.init(base, None)
        await self.wd.select_workspace(f"w{self.count}", base)
        if (await self.wd.plan(env, self.tfvars, first)).retcode == 2:
            await self.wd.apply(env, first)
        self._write(after)
        await self.wd.init(base, None)
        await self.wd.plan(env, self.tfvars, out)
        self.env = env

    def _write(self, body: str) -> None:
        (self.bundled / "platform" / "main.tf").write_text(HEAD + body)

    async def both(self, plan_file: Path, masks: Masks) -> tuple[PlanModel, PlanModel]:
        native = PlanModel.from_json(planfile.read(plan_file), masks)
        shown = read_plan(await self.wd.show(self.env, plan_file), masks)
        return native, shown


@pytest.fixture(scope="module")
def planner(tmp_path_factory: pytest.TempPathFactory) -> Planner:
    return Planner(tmp_path_factory.mktemp("planfile"))


# -- generated configurations -------------------------------------------------------------
TEXT = st.text(alphabet='abcXYZ019 _-."\\/é🙂', max_size=8)


def _string(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)  # HCL's escapes are JSON's for these


def _values(refs: list[str]) -> st.SearchStrategy[str]:
    scalars = st.one_of(
        TEXT.map(_string),
        st.integers(-(10**12), 10**12).map(str),
        st.sampled_from(["2.5", "-0.125", "1e3", "true", "false", "null"]),
        TEXT.filter(lambda s: len(s) >= 4).map(lambda s: f"sensitive({_string(s)})"),
        *([st.sampled_from(refs)] if refs else []),
    )
    sets = st.lists(TEXT.map(_string), max_size=4).map(lambda xs: f"toset([{', '.join(xs)}])")

    def nest(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.lists(inner, max_size=4).map(lambda xs: f"[{', '.join(xs)}]"),
            st.dictionaries(st.sampled_from(["a", "b", "key", "x y", "é"]), inner, max_size=4).map(
                lambda d: "{" + ", ".join(f"{_string(k)} = {v}" for k, v in d.items()) + "}"
            ),
        )

    return st.recursive(st.one_of(scalars, sets), nest, max_leaves=10)


@st.composite
def plan_pairs(draw: st.DrawFn) -> tuple[str, str]:
    """A configuration applied first and the one planned over it: resources kept,
    changed in place, replaced (triggers_replace), removed and added, outputs too."""
    names = [f"r{i}" for i in range(draw(st.integers(1, 5)))]
    before = draw(st.lists(st.sampled_from(names), unique=True, min_size=1))
    after = draw(st.lists(st.sampled_from(names), unique=True, min_size=1))

    def config(present: list[str], salt: str) -> str:
        body = []
        for i, name in enumerate(n for n in names if n in present):
            earlier = names[: names.index(name)]
            refs = [f"terraform_data.{n}.output" for n in earlier if n in present]
            value = draw(_values(refs), label=f"{salt}{i}")
            trigger = draw(st.sampled_from(["", '["t1"]', '["t2"]']))
            body.append(
                f'resource "terraform_data" "{name}" {{\n  input = {value}\n'
                + (f"  triggers_replace = {trigger}\n" if trigger else "")
                + "}\n"
            )
        for name in draw(st.lists(st.sampled_from(present), unique=True, max_size=2)):
            # an output of a value with sensitive parts must be declared sensitive
            body.append(
                f'output "o_{name}" {{\n  value = terraform_data.{name}.output\n'
                "  sensitive = true\n}\n"
                if draw(st.booleans())
                else f'output "o_{name}" {{\n  value = nonsensitive(jsonencode('
                f"terraform_data.{name}.id))\n}}\n"
            )
        return "".join(body)

    return config(before, "b"), config(after, "a")


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(pair=plan_pairs())
def test_the_native_reader_gives_the_model_show_json_gives(
    planner: Planner, tmp_path: Path, pair: tuple[str, str]
) -> None:
    before, after = pair
    plan_file = tmp_path / f"p{planner.count}.tfplan"
    masks = Masks(frozenset({"a-known-secret"}), {"a-known-secret": "KNOWN"})

    async def flow() -> tuple[PlanModel, PlanModel]:
        await planner.plans(before, after, plan_file)
        return await planner.both(plan_file, masks)

    native, shown = asyncio.run(flow())
    assert model_differences(native, shown, limit=50) == [], (before, after)
    assert len(native.changes) == after.count('resource "terraform_data"') + sum(
        1 for c in shown.changes if c.action == "delete"
    )


# -- a fixed plan with every kind of change ---------------------------------------------
BEFORE = """
variable "token" {
  type      = string
  sensitive = true
  default   = "s3cr3t-token-value"
}
resource "terraform_data" "kept" { input = "same" }
resource "terraform_data" "changed" { input = { a = 1, b = [1, 2], c = toset(["x"]) } }
resource "terraform_data" "replaced" { triggers_replace = ["v1"] }
resource "terraform_data" "removed" { input = "bye" }
resource "terraform_data" "counted" {
  count = 2
  input = count.index
}
module "m" {
  source = "./m"
}
"""
AFTER = BEFORE.replace('c = toset(["x"]) }', 'c = toset(["x", "y"]), d = var.token }')
AFTER = AFTER.replace('["v1"]', '["v2"]').replace(
    'resource "terraform_data" "removed" { input = "bye" }',
    'resource "terraform_data" "added" { input = terraform_data.replaced.id }',
)
AFTER = AFTER.replace("count = 2", "count = 1") + (
    'output "token" {\n  value     = var.token\n  sensitive = true\n}\n'
    'output "later" { value = terraform_data.added.output }\n'
)
MODULE = """
resource "terraform_data" "inner" {
  for_each = toset(["a.b", "c]d", "e\\"f"])
  input    = each.key
}
"""


def _fixed_plan(planner: Planner, tmp_path: Path) -> Path:
    module = planner.bundled / "platform" / "m"
    module.mkdir(exist_ok=True)
    (module / "main.tf").write_text(MODULE)
    plan_file = tmp_path / "fixed.tfplan"
    asyncio.run(planner.plans(BEFORE, AFTER, plan_file))
    return plan_file


def test_every_kind_of_change_and_the_secrets_masked(planner: Planner, tmp_path: Path) -> None:
    plan_file = _fixed_plan(planner, tmp_path)
    native, shown = asyncio.run(planner.both(plan_file, Masks()))
    assert model_differences(native, shown, limit=50) == []
    actions = {c.address: c.action for c in native.changes}
    assert actions == {
        "terraform_data.kept": "no-op",
        "terraform_data.changed": "update",
        "terraform_data.replaced": "replace",
        "terraform_data.removed": "delete",
        "terraform_data.added": "create",
        "terraform_data.counted[0]": "no-op",
        "terraform_data.counted[1]": "delete",
        'module.m.terraform_data.inner["a.b"]': "no-op",
        'module.m.terraform_data.inner["c]d"]': "no-op",
        'module.m.terraform_data.inner["e\\"f"]': "no-op",
    }
    by_address = {c.address: c for c in native.changes}
    inner = by_address['module.m.terraform_data.inner["e\\"f"]']
    assert (inner.module, inner.type, inner.name) == ("module.m", "terraform_data", "inner")
    assert by_address["terraform_data.counted[1]"].reason == "delete_because_count_index"
    assert by_address["terraform_data.replaced"].replace_paths == [["triggers_replace"]]
    changed = {d.path: d for d in by_address["terraform_data.changed"].diffs()}
    # the sensitive variable's value, unmarked in the output attribute, is masked too
    assert changed["input.d"].after == "(sensitive value)"
    rendered = json.dumps(native.to_dict())
    assert "s3cr3t-token-value" not in rendered
    assert {o.name: (o.sensitive, o.unknown) for o in native.outputs} == {
        "later": (False, True),
        "token": (True, False),
    }
    assert native.terraform_version == "1.15.5"


def test_a_plan_of_another_terraform_or_a_damaged_file_falls_back_to_show_json(
    planner: Planner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Never a wrong review: what the reader does not know goes to `show -json`, and the
    run says so; a file Terraform cannot read either is Terraform's error."""
    monkeypatch.setenv(READER_ENV, "native")
    plan_file = _fixed_plan(planner, tmp_path)
    masks = Masks()
    model, how = asyncio.run(read_saved(planner.wd, planner.env, plan_file, masks))
    assert how == "native" and model.changes

    # a version this reader is not tested against: Terraform's own reading, same model
    monkeypatch.setattr(planfile, "SUPPORTED", frozenset({"1.16.0"}))
    fallback, how = asyncio.run(read_saved(planner.wd, planner.env, plan_file, masks))
    assert how == "terraform show -json (a plan of Terraform 1.15.5)"
    assert model_differences(model, fallback) == []
    monkeypatch.undo()
    monkeypatch.setenv(READER_ENV, "native")

    # the version field changed in the file: Terraform refuses it as well
    other = tmp_path / "other.tfplan"
    _rewrite(plan_file, other, lambda b: b.replace(b"r\x061.15.5", b"r\x061.15.4", 1))
    with pytest.raises(planfile.PlanFileUnreadable, match=r"Terraform 1\.15\.4"):
        planfile.read(other)
    with pytest.raises(ZenMLTUIError) as refused:
        asyncio.run(read_saved(planner.wd, planner.env, other, masks))
    assert "1.15.4" in str(refused.value)

    # truncated: the zip, and the tfplan member inside a whole zip
    cut = tmp_path / "cut.tfplan"
    cut.write_bytes(plan_file.read_bytes()[:700])
    with pytest.raises(planfile.PlanFileUnreadable, match="does not open"):
        planfile.read(cut)
    with pytest.raises(ZenMLTUIError):
        asyncio.run(read_saved(planner.wd, planner.env, cut, masks))
    short = tmp_path / "short.tfplan"
    _rewrite(plan_file, short, lambda b: b[: len(b) // 2])
    with pytest.raises(planfile.PlanFileUnreadable):
        planfile.read(short)


def test_the_check_mode_compares_both_readings(
    planner: Planner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan_file = _fixed_plan(planner, tmp_path)
    monkeypatch.setenv(READER_ENV, "check")
    _, how = asyncio.run(read_saved(planner.wd, planner.env, plan_file, Masks()))
    assert how == "native (checked against terraform show -json: the same)"
    monkeypatch.setenv(READER_ENV, "show-json")
    _, how = asyncio.run(read_saved(planner.wd, planner.env, plan_file, Masks()))
    assert how == "terraform show -json (asked for (ZENML_TUI_PLAN_READER))"


def _rewrite(source: Path, target: Path, change) -> None:  # type: ignore[no-untyped-def]
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info, change(data) if info.filename == "tfplan" else data)
