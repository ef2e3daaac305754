"""tests/README.md prints the conformance suite's table as the schema generates it: a new
attribute (or a changed flag) changes the table, and the README must follow."""

from __future__ import annotations

from pathlib import Path

from tests.conformance.cases import cases, resource_schemas, table

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_readme_table_is_the_generated_one() -> None:
    text = README.read_text()
    start = text.index("<!-- conformance-table")
    start = text.index("\n", start) + 1
    end = text.index("<!-- /conformance-table -->")
    assert text[start:end].strip() == table(resource_schemas()), (
        "regenerate it: python -m tests.conformance.cases"
    )
    assert f"**{len(cases(resource_schemas()))} cases run" in text
