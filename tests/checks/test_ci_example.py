"""examples/ci/: the workflow is valid YAML, every zenml-tui command in it is one the CLI
accepts (its options exist, in that combination), and it exports every secret the
example platform declares."""

from __future__ import annotations

import re
import shlex

import yaml

from tests.conftest import REPO
from zenml_tui.cli import build_parser

WORKFLOW = REPO / "examples" / "ci" / "zenml-platform.yml"


def commands() -> list[list[str]]:
    doc = yaml.safe_load(WORKFLOW.read_text())
    found = []
    for job in doc["jobs"].values():
        for step in job["steps"]:
            script = step.get("run", "").replace("\\\n", " ")
            for text in script.splitlines():
                text = re.sub(r"\$\{\{[^}]*\}\}", "X", text)
                if "zenml-tui " in text:
                    words = shlex.split(text.split("zenml-tui ", 1)[1].split("||")[0])
                    found.append(words)
    return found


def test_every_command_parses() -> None:
    found = commands()
    assert {w[0] for w in found} == {"validate", "plan", "apply"}
    assert next(w for w in found if "--all" in w)[:2] == ["plan", "--all"]
    for words in found:
        args = build_parser().parse_args(words)  # exits 2 on an unknown option
        assert args.command == words[0]


def test_it_exports_every_declared_secret() -> None:
    doc = yaml.safe_load(WORKFLOW.read_text())
    spec = yaml.safe_load((REPO / "examples" / "acme-ml" / "platform.yaml").read_text())
    wanted = {s["env"] for s in spec["secrets"].values()}
    assert wanted <= set(doc["env"])
    assert all(str(doc["env"][k]).startswith("${{ secrets.") for k in wanted)
