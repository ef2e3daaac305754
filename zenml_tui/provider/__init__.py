"""The offline implementation of the zenml-io/zenml Terraform provider. Never imports
Textual.

Filled by the embedded-default issue.
"""
