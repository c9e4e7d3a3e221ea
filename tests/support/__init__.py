"""Reusable test plumbing shared by the test layers (helpers only, no tests).

Import as `from support.<module> import ...` (pytest runs with `pythonpath = ["tests"]`). Among them:

- `support.terraform_env`: offline Terraform (provider mirror, CLI config, env, temp copies, a small runner).
- `support.moto_server`: a `moto_server` subprocess acting as fake AWS, and the env that points SDKs at it.
"""
