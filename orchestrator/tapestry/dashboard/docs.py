"""The bundled documentation (`docs/*.md`), rendered to HTML with raw HTML disabled."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tapestry.resources import bundled

DOC_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
# The order of the table of contents; other pages follow alphabetically.
ORDER = ("index", "pipeline", "changing-the-model", "sync-mapping", "dashboard")


@dataclass(frozen=True)
class Doc:
    name: str
    title: str
    path: Path

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "url": f"/docs/{self.name}", "api": f"/api/docs/{self.name}"}


def docs_dir() -> Path | None:
    try:
        return bundled("docs")
    except FileNotFoundError:
        return None


def _title(path: Path) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return path.stem.replace("-", " ").capitalize()


def list_docs(folder: Path | None = None) -> list[Doc]:
    folder = folder if folder is not None else docs_dir()
    if folder is None:
        return []
    found = [Doc(p.stem, _title(p), p) for p in folder.glob("*.md") if DOC_NAME.match(p.stem)]
    rank = {name: i for i, name in enumerate(ORDER)}
    return sorted(found, key=lambda d: (rank.get(d.name, len(ORDER)), d.name))


def find_doc(name: str, folder: Path | None = None) -> Doc | None:
    if not DOC_NAME.match(name):  # also keeps path traversal out
        return None
    return next((d for d in list_docs(folder) if d.name == name), None)


def render_markdown(text: str) -> str:
    """CommonMark plus tables; HTML in the source is shown as text; links to `x.md` point at `/docs/x`."""
    from markdown_it import MarkdownIt
    from markdown_it.renderer import RendererHTML

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
    renderer = md.renderer
    assert isinstance(renderer, RendererHTML)

    def link_open(_renderer: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
        token = tokens[idx]
        href = str(token.attrGet("href") or "")
        local = re.match(r"^(?:\./)?([a-z0-9][a-z0-9-]*)\.md(#[\w-]*)?$", href)
        if local:
            token.attrSet("href", f"/docs/{local.group(1)}{local.group(2) or ''}")
        elif href.startswith(("http://", "https://")):
            token.attrSet("rel", "noopener noreferrer")
        return renderer.renderToken(tokens, idx, options, env)

    md.add_render_rule("link_open", link_open)
    return str(md.render(text))


def render_doc(doc: Doc) -> str:
    return render_markdown(doc.path.read_text(encoding="utf-8"))
