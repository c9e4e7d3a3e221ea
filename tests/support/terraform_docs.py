"""README tables for the Terraform folders, in terraform-docs' markdown-table format, between its markers.

terraform-docs (a Go binary) is not installable from the package registries these machines reach, so this renders
the same sections (Requirements, Providers, Modules, Resources, Inputs, Outputs), with the same anchors, escaping
and sort order (inputs and outputs by name, resources by address), from the .tf files with python-hcl2. A test
fails when a README's block differs from what this renders; regenerate with::

    make terraform-docs          # or: .venv/bin/python -m support.terraform_docs  (from tests/, --check to verify)

Everything outside the markers is hand-written and left alone.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BEGIN = "<!-- BEGIN_TF_DOCS -->"
END = "<!-- END_TF_DOCS -->"
REGISTRY = "https://registry.terraform.io/providers"
TERRAFORM_DIR = Path(__file__).resolve().parents[2] / "terraform"


@dataclass(frozen=True)
class Variable:
    name: str
    description: str
    type: str
    default: Any
    required: bool


@dataclass(frozen=True)
class Output:
    name: str
    description: str


def documented_dirs(root: Path = TERRAFORM_DIR) -> list[Path]:
    """Every module, stack and example folder (each has .tf files and a README)."""
    return sorted(p for kind in ("modules", "stacks", "examples") for p in (root / kind).iterdir() if p.is_dir())


def _load(path: Path) -> dict[str, Any]:
    import hcl2

    with path.open(encoding="utf-8") as handle:
        return dict(hcl2.load(handle))


def _unquote(value: Any) -> Any:
    """python-hcl2 keeps the quotes (and escapes) of string literals and labels."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return json.loads(value)
    return value


def _expression(value: Any) -> str:
    text = str(value)
    return text[2:-1] if text.startswith("${") and text.endswith("}") else text


def _blocks(files: Iterable[Path], kind: str) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in files:
        for block in _load(path).get(kind, []):
            for label, body in block.items():
                if not label.startswith("__"):
                    found.append((_unquote(label), body))
    return found


def _typed_blocks(files: Iterable[Path], kind: str) -> list[tuple[str, str]]:
    """(type, name) of resource/data blocks."""
    found = []
    for path in files:
        for block in _load(path).get(kind, []):
            for rtype, named in block.items():
                if rtype.startswith("__"):
                    continue
                for name in named:
                    if not name.startswith("__"):
                        found.append((_unquote(rtype), _unquote(name)))
    return found


def _default(value: Any) -> Any:
    """The default as Terraform would print it: strings without python-hcl2's quotes, nested values too."""
    if isinstance(value, dict):
        return {_unquote(k): _default(v) for k, v in value.items() if not str(k).startswith("__")}
    if isinstance(value, list):
        return [_default(v) for v in value]
    return _unquote(value)


def read_folder(folder: Path) -> tuple[dict[str, Any], list[Variable], list[Output], list[tuple[str, str, str]]]:
    files = sorted(folder.glob("*.tf"))
    settings: dict[str, Any] = {"required_version": None, "providers": {}, "modules": []}
    for path in files:
        parsed = _load(path)
        for block in parsed.get("terraform", []):
            if "required_version" in block:
                settings["required_version"] = _unquote(block["required_version"])
            for providers in block.get("required_providers", []):
                for name, spec in providers.items():
                    if not name.startswith("__"):
                        settings["providers"][name] = _unquote(spec.get("version", "")) or None
        for block in parsed.get("module", []):
            for label, body in block.items():
                if not label.startswith("__"):
                    settings["modules"].append((_unquote(label), _unquote(body["source"])))
    variables = [
        Variable(
            name=name,
            description=_unquote(body.get("description", "")),
            type=_expression(body.get("type", "any")),
            default=_default(body.get("default")),
            required="default" not in body,
        )
        for name, body in _blocks(files, "variable")
    ]
    outputs = [Output(name, _unquote(body.get("description", ""))) for name, body in _blocks(files, "output")]
    resources = [(t, n, "resource") for t, n in _typed_blocks(files, "resource")]
    resources += [(t, n, "data source") for t, n in _typed_blocks(files, "data")]
    return settings, variables, outputs, resources


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|").replace("\n", "<br>")
    )


def _anchor(kind: str, name: str) -> str:
    """terraform-docs' anchor cell: underscores escaped in the link text and target."""
    escaped = name.replace("_", "\\_")
    return f'<a name="{kind}_{name}"></a> [{escaped}](#{kind}\\_{escaped})'


def _code(value: str) -> str:
    return f"`{value}`" if "\n" not in value else "<pre>" + value.replace("\n", "<br>") + "</pre>"


def _default_cell(variable: Variable) -> str:
    if variable.required:
        return "n/a"
    value = variable.default
    if value is None:
        return "`null`"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, int | float):
        return f"`{value}`"
    if value in ({}, []):
        return f"`{json.dumps(value)}`"
    return _code(json.dumps(value, indent=2))


def _provider_of(resource_type: str) -> str:
    return resource_type.split("_", 1)[0]


def _resource_link(rtype: str, name: str, kind: str, sources: dict[str, str]) -> str:
    provider = _provider_of(rtype)
    source = sources.get(provider, f"hashicorp/{provider}")
    page = "resources" if kind == "resource" else "data-sources"
    return f"[{rtype}.{name}]({REGISTRY}/{source}/latest/docs/{page}/{rtype.split('_', 1)[1]})"


def render(folder: Path) -> str:
    settings, variables, outputs, resources = read_folder(folder)
    sources = {name: _provider_source(folder, name) for name in settings["providers"]}
    lines = [BEGIN, "## Requirements", ""]
    requirements = [("terraform", settings["required_version"]), *sorted(settings["providers"].items())]
    lines += ["| Name | Version |", "|------|---------|"]
    lines += [f"| {_anchor('requirement', n)} | {v or 'n/a'} |" for n, v in requirements]
    lines += ["", "## Providers", ""]
    used = sorted({_provider_of(t) for t, _, _ in resources} | set(_builtin_providers(resources)))
    used = [p for p in used if p != "terraform"]
    if used:
        lines += ["| Name | Version |", "|------|---------|"]
        lines += [f"| {_anchor('provider', p)} | {settings['providers'].get(p) or 'n/a'} |" for p in used]
    else:
        lines.append("No providers.")
    lines += ["", "## Modules", ""]
    if settings["modules"]:
        lines += ["| Name | Source | Version |", "|------|--------|---------|"]
        lines += [f"| {_anchor('module', n)} | {s} | n/a |" for n, s in sorted(settings["modules"])]
    else:
        lines.append("No modules.")
    lines += ["", "## Resources", ""]
    if resources:
        lines += ["| Name | Type |", "|------|------|"]
        for rtype, name, kind in sorted(resources, key=lambda r: (r[0], r[1])):
            if rtype == "terraform_data":
                lines.append(f"| terraform_data.{name} | {kind} |")
            else:
                lines.append(f"| {_resource_link(rtype, name, kind, sources)} | {kind} |")
    else:
        lines.append("No resources.")
    lines += ["", "## Inputs", ""]
    if variables:
        lines += [
            "| Name | Description | Type | Default | Required |",
            "|------|-------------|------|---------|:--------:|",
        ]
        for v in sorted(variables, key=lambda v: v.name):
            required = "yes" if v.required else "no"
            lines.append(
                f"| {_anchor('input', v.name)} | {_escape(v.description)} | {_code(v.type)} | {_default_cell(v)} "
                f"| {required} |"
            )
    else:
        lines.append("No inputs.")
    lines += ["", "## Outputs", ""]
    if outputs:
        lines += ["| Name | Description |", "|------|-------------|"]
        lines += [
            f"| {_anchor('output', o.name)} | {_escape(o.description)} |" for o in sorted(outputs, key=lambda o: o.name)
        ]
    else:
        lines.append("No outputs.")
    lines.append(END)
    return "\n".join(lines)


def _builtin_providers(resources: list[tuple[str, str, str]]) -> list[str]:
    return ["terraform"] if any(t == "terraform_data" for t, _, _ in resources) else []


def _provider_source(folder: Path, name: str) -> str:
    for path in sorted(folder.glob("*.tf")):
        for block in _load(path).get("terraform", []):
            for providers in block.get("required_providers", []):
                if name in providers:
                    return str(_unquote(providers[name].get("source", f"hashicorp/{name}")))
    return f"hashicorp/{name}"


def updated_readme(readme: str, block: str) -> str:
    """The README with its marker block replaced (appended under a heading when there is none yet)."""
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.DOTALL)
    if pattern.search(readme):
        return pattern.sub(lambda _: block, readme, count=1)
    return readme.rstrip("\n") + "\n\n" + block + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="exit 1 when a README is out of date (write nothing)")
    args = parser.parse_args(argv)
    stale = []
    for folder in documented_dirs():
        readme_path = folder / "README.md"
        readme = readme_path.read_text(encoding="utf-8") if readme_path.exists() else f"# {folder.name}\n"
        new = updated_readme(readme, render(folder))
        if new != readme:
            stale.append(str(readme_path.relative_to(TERRAFORM_DIR.parent)))
            if not args.check:
                readme_path.write_text(new, encoding="utf-8")
    verb = "out of date" if args.check else "updated"
    for path in stale:
        print(f"{verb}: {path}")
    return 1 if (args.check and stale) else 0


if __name__ == "__main__":
    sys.exit(main())
