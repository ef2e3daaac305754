"""The hostile-input corpus (tests/corpus/, counted in tests/README.md): every case
through validate, render, render --tfvars, explain and the editor's preview, each in a
process of its own within 5 s and 500 MB; no traceback; the expected located errors."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter

import pytest

from tests.conftest import REPO
from tests.corpus.cases import CASES
from tests.corpus.runner import MEMORY_LIMIT

LOC = re.compile(r"^(?P<file>[^\s:]+):(?P<line>\d+):(?P<col>\d+): (?P<code>[A-Z_]+) ", re.M)
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture(scope="module")
def results() -> dict[str, dict]:
    proc = subprocess.run(
        [sys.executable, "-m", "tests.corpus.runner"],
        input="\n".join(CASES),
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=1200,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = {}
    for row in proc.stdout.splitlines():
        data = json.loads(row)
        out[data["name"]] = data
    return out


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 120
    assert len({c.category for c in CASES.values()}) >= 12


@pytest.mark.parametrize("name", list(CASES))
def test_case(results: dict[str, dict], name: str) -> None:
    case = CASES[name]
    result = results[name]
    assert "error" not in result, result.get("error")
    for command in result["commands"]:
        where = (name, command["argv"])
        assert command["code"] in (0, 1, 2), (*where, command["code"], command["stderr"][-2000:])
        assert "internal error" not in command["stderr"], (*where, command["stderr"][-2000:])
        assert command["seconds"] < 5, where
        if command["argv"][:2] != ["render", "--env"] or "--tfvars" in command["argv"]:
            # what is printed for a reader never carries a terminal control
            human = command["stderr"] + (
                command["stdout"] if command["argv"][0] != "render" else ""
            )
            assert not CONTROL.search(human), (*where, human[-500:])
    assert result["memory"] < MEMORY_LIMIT, name
    validate = result["commands"][0]
    found = [
        (m["code"], m["file"].split("platform/", 1)[-1], int(m["line"]), int(m["col"]))
        for m in LOC.finditer(validate["stdout"])
    ]
    if case.valid:
        assert validate["code"] == 0, (name, validate["stdout"][-2000:], validate["stderr"][-500:])
    for code, file, line, col in case.expect:
        assert any(
            c == code and f == file and (not line or ln == line) and (not col or cl == col)
            for c, f, ln, cl in found
        ), (name, (code, file, line, col), found, validate["stderr"][-500:])
    if case.expect:
        assert validate["code"] == 1


def test_counts(results: dict[str, dict]) -> None:
    """What tests/README.md states."""
    tally = Counter()
    for result in results.values():
        commands = result["commands"]
        tally["cases"] += 1
        tally["tracebacks"] += any(c["code"] == "traceback" for c in commands)
        tally["over a limit"] += any(c["code"] in ("timeout", "memory") for c in commands)
    readme = (REPO / "tests" / "README.md").read_text()
    assert f"{tally['cases']} cases" in readme
    assert "0 tracebacks, 0 over the time or memory limit" in readme
    assert tally["tracebacks"] == 0 and tally["over a limit"] == 0
