"""Destination plugins: one package per tool the audience is synced to (`destination.type` in tapestry.yml)."""
