"""The README's Commands section says what the commands do: every command takes
`--platform DIR`, and the exit codes of its table and paragraph are the ones the cheap
commands (no server, no Terraform) really exit with. In this process."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from tests.conftest import REPO, cli
from zenml_tui.cli import build_parser

README = (REPO / "README.md").read_text()


def _commands_section() -> str:
    return README.split("\n## Commands\n", 1)[1].split("\n## ", 1)[0]


def _exit_cell(synopsis: str) -> str:
    """The exit-code cell of the table row whose command starts with `synopsis`."""
    rows = [
        [c.strip() for c in re.split(r"(?<!\\)\|", row)[1:-1]]
        for row in _commands_section().splitlines()
        if row.startswith(f"| `{synopsis}")
    ]
    assert len(rows) == 1, f"README's Commands table has {len(rows)} rows for {synopsis!r}"
    return rows[0][2]


def _usage_paragraph() -> str:
    text = " ".join(_commands_section().split())
    return text.split("Exit codes follow Terraform's", 1)[1].split("| command |", 1)[0]


def _leaves(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield path, parser
    for sub in subs:
        for name, child in sub.choices.items():
            yield from _leaves(child, (*path, name))


def test_every_command_takes_platform() -> None:
    assert "Every command takes `--platform DIR`" in _commands_section()
    leaves = list(_leaves(build_parser()))[1:]  # the app itself is the parser: it takes it
    assert len(leaves) >= 19
    for path, parser in leaves:
        options = {o for a in parser._actions for o in a.option_strings}
        assert "--platform" in options, " ".join(path)


def test_provider_mirror_accepts_platform_and_ignores_it(tmp_path: Path) -> None:
    r = cli("provider", "mirror", str(tmp_path / "p"), "--platform", str(tmp_path / "none"))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "p" / "registry.terraform.io").is_dir()


BROKEN = {"layers/env/dev.yaml": "locaton: x\n"}
# (arguments, platform files or None for a clean one, exit code, the README's words for it:
# the row's synopsis and the words after the code in its cell, or None: the paragraph's)
CASES = [
    (("validate",), {}, 0, ("zenml-tui validate", "clean")),
    (("validate",), BROKEN, 1, ("zenml-tui validate", "errors")),
    (("render", "--env", "dev"), {}, 0, ("zenml-tui render --env ENV [", "")),
    (("render", "--env", "dev"), BROKEN, 1, ("zenml-tui render --env ENV [", "errors")),
    (("render", "--env", "prd"), {}, 2, None),  # an unknown environment: usage
    (("render", "--env", "dev", "--team", "nope"), {}, 2, None),
    (("render", "--env", "dev", "--bogus"), {}, 2, None),  # an unknown option
    (("explain", "--env", "dev", "location"), {}, 0, ("zenml-tui explain --env ENV KEY", "")),
    (
        ("explain", "--env", "dev", "nope"),
        {},
        1,
        ("zenml-tui explain --env ENV KEY", "unknown path"),
    ),
    (
        ("explain", "--env", "dev", 'module.nope.x["a"]', "name"),
        {},
        1,
        ("zenml-tui explain --env ENV ADDRESS", "not a resource of the bundled modules"),
    ),
    (("runs",), {}, 0, ("zenml-tui runs", "")),
    (("runs", "--show", "20990101-000000-plan-ffff"), {}, 1, ("zenml-tui runs", "unknown run")),
    (("runs", "--env", "prd"), {}, 2, None),
    (("server", "status"), {}, 1, ("zenml-tui server status", "down")),
    (("status", "--env", "dev"), {}, 1, ("zenml-tui status --env ENV [", "unreachable")),
    (("plan", "--env", "prd", "--detailed-exitcode"), {}, 1, None),  # 2 would read as changes
    (("status", "--env", "dev", "--bogus", "--detailed-exitcode"), {}, 1, None),
]


@pytest.mark.parametrize(
    ("args", "files", "code", "readme"), CASES, ids=[" ".join(c[0]) for c in CASES]
)
def test_the_readme_exit_codes_are_the_real_ones(
    make_platform, args: tuple[str, ...], files: dict, code: int, readme: tuple | None
) -> None:
    root = make_platform(files)
    r = cli(*args, "--platform", str(root))
    assert r.returncode == code, r.stdout + r.stderr
    if readme is None:
        paragraph = _usage_paragraph()
        if "--detailed-exitcode" in args:
            assert "with it, a usage error is 1" in paragraph
        else:
            assert "**2** is also a usage error" in paragraph
            assert "an unknown environment, team or project" in paragraph
            assert "an unknown option" in paragraph
        return
    synopsis, words = readme
    cell = _exit_cell(synopsis)
    said = re.findall(r"(?:^|[,;(] ?)(\d+)\b( [^,;()]*)?", cell)
    meanings = {int(n): (text or "").strip() for n, text in said}
    assert code in meanings, (synopsis, cell)
    assert meanings[code].startswith(words), (synopsis, cell)
