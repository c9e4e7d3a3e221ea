"""Source plugins: one package per kind of SaaS tool people come from (`type:` in tapestry.yml)."""
