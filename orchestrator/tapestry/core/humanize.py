"""Numbers for people: how long ago something happened."""

from __future__ import annotations


def ago(seconds: float | None) -> str:
    """`42s ago`, `5m ago`, `3h ago`, `2d ago` (the largest whole unit); `–` when unknown."""
    if seconds is None:
        return "–"
    whole = max(int(seconds), 0)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if whole >= size:
            return f"{whole // size}{unit} ago"
    return f"{whole}s ago"


def count(n: int, noun: str, plural: str | None = None) -> str:
    """`1 file`, `3 files`, `1,204 rows`: a number with its noun in the right form."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"
