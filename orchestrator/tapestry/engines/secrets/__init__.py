"""Secrets: resolved at run time from the environment, a local store outside the project, or (cloud)
SSM Parameter Store. Never written to project files, state, logs or errors."""
