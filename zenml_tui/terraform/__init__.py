"""Terraform engines, workspaces, the plan model and runs. Never imports Textual.

Filled by the bundled-modules and engine issue; the platform layer already renders the
tfvars this package will hand to Terraform.
"""
