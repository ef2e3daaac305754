"""ZenML's fixed vocabularies, shared by the platform schema and the provider (which must
stay cheap to import, so this module imports nothing but typing)."""

from typing import Any, Literal, get_args

ComponentType = Literal[
    "alerter",
    "annotator",
    "artifact_store",
    "container_registry",
    "data_validator",
    "experiment_tracker",
    "feature_store",
    "image_builder",
    "model_deployer",
    "orchestrator",
    "step_operator",
    "model_registry",
    "deployer",
    "log_store",
]
ConnectorType = Literal["aws", "gcp", "azure", "kubernetes", "docker", "hyperai"]
COMPONENT_TYPES: tuple[str, ...] = get_args(ComponentType)
CONNECTOR_TYPES: tuple[str, ...] = get_args(ConnectorType)
# ZenML refuses a stack without these
REQUIRED_IN_STACK: tuple[str, ...] = ("orchestrator", "artifact_store")
# flavor schemas as the server reports them, compacted: component type -> flavor ->
# {"properties": {name: [json types]}, "required": [...], "open": bool, ...}
FlavorSchemas = dict[str, dict[str, dict[str, Any]]]
