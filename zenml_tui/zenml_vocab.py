"""ZenML's fixed vocabularies, shared by the platform schema and the provider (which must
stay cheap to import, so this module imports nothing)."""

COMPONENT_TYPES: tuple[str, ...] = (
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
)
CONNECTOR_TYPES: tuple[str, ...] = ("aws", "gcp", "azure", "kubernetes", "docker", "hyperai")
# ZenML refuses a stack without these
REQUIRED_IN_STACK: tuple[str, ...] = ("orchestrator", "artifact_store")
