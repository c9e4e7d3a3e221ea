"""Terraform: apply the bundled stacks through python-terraform, with its breakages on Terraform 1.x
worked around in one place."""
