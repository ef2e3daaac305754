"""The offline implementation of the `zenml-io/zenml` Terraform provider. Never imports
Textual.

Schema-compatible with the official provider v3.0.6 (attribute names, types, flags and
replace rules), built on the `tf` package and served to Terraform from a local plugin
directory (`zenml-tui provider mirror DIR`).
"""

VERSION = "3.0.6"
ADDRESS = "registry.terraform.io/zenml-io/zenml"
