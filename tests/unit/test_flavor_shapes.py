"""Value shapes checked against a flavor field's JSON schema, as pydantic on the server
will check them (`platform.flavorcheck.shape_problem`), from the schemas pydantic writes."""

from __future__ import annotations

import pytest

from zenml_tui.platform.flavorcheck import shape_problem
from zenml_tui.server.flavors import shape

TUPLE = {  # Optional[Tuple[str, str]], as pydantic writes it
    "anyOf": [
        {
            "maxItems": 2,
            "minItems": 2,
            "prefixItems": [{"type": "string"}, {"type": "string"}],
            "type": "array",
        },
        {"type": "null"},
    ],
    "description": "prose the check does not need",
}
PAIRS = {  # List[Tuple[float, float]]
    "items": {
        "maxItems": 2,
        "minItems": 2,
        "prefixItems": [{"type": "number"}, {"type": "number"}],
        "type": "array",
    },
    "type": "array",
}
DEFS = {"Mode": {"enum": ["fast", "slow"], "type": "string"}}
LABELS = {"additionalProperties": {"type": "string"}, "type": "object"}
BOUNDED = {"type": "integer", "minimum": 1, "maximum": 8}


@pytest.mark.parametrize(
    ("schema", "value", "problem"),
    [
        (TUPLE, ["a", "b"], None),
        (TUPLE, None, None),
        (TUPLE, ["a", "b", "c"], "exactly 2 items are expected, not 3"),
        (TUPLE, ["a"], "exactly 2 items are expected, not 1"),
        (TUPLE, {"a": "b"}, "a list is expected, not a map"),
        (TUPLE, ["a", ["b"]], "a string is expected at [1], not a list"),
        (PAIRS, [[0.25, 0.5], [1, 2]], None),
        (PAIRS, [[0.25, "0.5"]], None),  # pydantic's lax mode reads "0.5" as a number
        (PAIRS, [[0.25, 0.5], [1]], "exactly 2 items are expected at [1], not 1"),
        (PAIRS, [[0.25, "half"]], "a number is expected at [0][1], not a string"),
        ({"$ref": "#/$defs/Mode"}, "fast", None),
        ({"$ref": "#/$defs/Mode"}, "quick", "'quick' is not one of 'fast', 'slow'"),
        (LABELS, {"a": "x"}, None),
        (LABELS, {"a": ["x"]}, "a string is expected at .a, not a list"),
        (BOUNDED, 4, None),
        (BOUNDED, 9, "at most 8 is expected, not 9"),
        (BOUNDED, 0, "at least 1 is expected, not 0"),
    ],
)
def test_shapes(schema: dict, value: object, problem: str | None) -> None:
    compact = shape(schema, DEFS)
    assert "description" not in compact
    assert shape_problem(value, compact) == problem


def test_a_ref_loop_in_a_schema_ends() -> None:
    defs = {"A": {"$ref": "#/$defs/A"}}
    assert shape({"$ref": "#/$defs/A"}, defs) == {}
