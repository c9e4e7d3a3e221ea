"""Which demo exports fit which kickstart template: `tapestry demo-data --template NAME`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tapestry.core.errors import ConfigError
from tapestry.demo.export_files import Format


@dataclass(frozen=True)
class DemoResult:
    description: str  # "5,000 people -> ..."
    files: list[Path]
    files_written: int
    # The template's file questions and the globs that answer them, relative to the folder written into.
    answers: dict[str, list[str]]


def generate_for(template: str, out: Path, people: int, seed: int, fmt: Format) -> DemoResult:
    """Write the demo exports of `template`'s sources under `out`."""
    if template == "zoom_salesforce_mailchimp":
        from tapestry.demo.generator import describe, generate

        zoom = generate(out, people, seed, fmt)
        ext = {"mixed": ("csv", "jsonl")}.get(fmt, (fmt, fmt))
        answers = {"zoom_files": [f"zoom/*.{ext[0]}"], "salesforce_files": [f"salesforce/*.{ext[1]}"]}
        return DemoResult(describe(zoom), zoom.files, zoom.files_written, answers)
    if template == "ecommerce_support":
        from tapestry.demo.ecommerce import generate_ecommerce

        shop = generate_ecommerce(out, people, seed, fmt)
        answers = {
            "stripe_files": ["stripe/*"],
            "zendesk_files": ["zendesk/*"],
            "salesforce_files": ["salesforce/*"],
        }
        return DemoResult(shop.describe(), shop.files, shop.files_written, answers)
    raise ConfigError(
        f"template {template!r} has no demo data",
        f"use --template {' or --template '.join(DEMO_TEMPLATES)} (the blank template configures no sources)",
    )


DEMO_TEMPLATES = ("zoom_salesforce_mailchimp", "ecommerce_support")
