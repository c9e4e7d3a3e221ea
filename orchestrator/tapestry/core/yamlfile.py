"""YAML a user wrote (tapestry.yml, answers files, --set values), read so that no file can hang or exhaust
Tapestry: aliases are refused (a 1 KB "billion laughs" expands to gigabytes), files above a size are refused
before reading, duplicate keys are errors instead of a silent last-one-wins, and every syntax error names
the line where the mistake is.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import yaml

from tapestry.core.errors import ConfigError, clip

MAX_BYTES = 1024 * 1024  # a tapestry.yml or answers file is a few KB; 1 MiB leaves ample room


CORE = "tag:yaml.org,2002:"
# Explicit tags that only say what a plain value would be; others make bytes (!!binary), dates, sets or
# Python-only types that a setting silently turns into something else (!!binary aGVsbG8= was "hello").
PLAIN_TAGS = frozenset(f"{CORE}{name}" for name in ("str", "int", "float", "bool", "null", "seq", "map"))


class _UserYamlLoader(yaml.SafeLoader):
    """SafeLoader without aliases, merge keys or special tags, and with duplicate keys refused."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        event: Any = self.peek_event()  # type: ignore[no-untyped-call]
        if self.check_event(yaml.AliasEvent):
            raise yaml.composer.ComposerError(
                None,
                None,
                f"aliases (*{event.anchor}) are not accepted; write the value out instead",
                event.start_mark,
            )
        tag = getattr(event, "tag", None)
        if tag is not None and tag != "!" and tag not in PLAIN_TAGS:
            shown = clip(tag.replace(CORE, "!!"), 60)
            raise yaml.composer.ComposerError(
                None,
                None,
                f"the tag {shown} is not accepted; write a plain value (in quotes to keep it text)",
                event.start_mark,
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == f"{CORE}merge":  # `<<:` would copy keys from elsewhere, as aliases do
                raise yaml.constructor.ConstructorError(
                    None, None, "merge keys (<<) are not accepted; write the keys out instead", key_node.start_mark
                )
            key = self.construct_object(key_node, deep=True)
            try:
                if key in seen:
                    twice = f"key {clip(str(key), 60)!r} appears twice (first on line {seen[key]})"
                    raise yaml.constructor.ConstructorError(None, None, twice, key_node.start_mark)
                seen[key] = key_node.start_mark.line + 1
            except TypeError:  # an unhashable key: the constructor below reports it
                break
        return super().construct_mapping(node, deep=deep)


UNCLOSED = ("quoted scalar", "flow sequence", "flow mapping", "block scalar", "simple key")


def _where(exc: yaml.YAMLError, text: str) -> tuple[int | None, str]:
    """(line, description) of a YAML error: the line of the mistake, not where the parser gave up."""
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context: str = getattr(exc, "context", None) or ""
    mark = getattr(exc, "problem_mark", None)
    context_mark = getattr(exc, "context_mark", None)
    if context_mark is not None and any(word in context for word in UNCLOSED):
        # an unclosed quote or bracket: the parser notices lines later; the mistake is where it opened
        opened = context.replace("while scanning", "").replace("while parsing", "").strip()
        later = f" (noticed at line {mark.line + 1}: {problem})" if mark is not None else f" ({problem})"
        return context_mark.line + 1, f"{opened} starting here is not closed{later}"
    if mark is None:
        return None, problem
    if "expected <block end>" in problem:
        first_child = _over_indented_first_child(text.splitlines(), mark.line)
        if first_child is not None:
            return first_child + 1, (
                f"this line is indented differently from the next ones of its section (line {mark.line + 1}: {problem})"
            )
    runaway = _runaway_quote(text, mark.line)
    if runaway is not None:
        return runaway + 1, (
            f"a quoted value starting here runs on to line {mark.line + 1}, where {problem}; "
            "its closing quote is probably missing"
        )
    # the end of the file is where a parser notices what is missing; the mistake is on the last line written
    last_written = max((i for i, line in enumerate(text.splitlines(), 1) if line.strip()), default=1)
    line = min(mark.line + 1, last_written)
    detail = problem
    if context and context_mark is not None and context_mark.line < last_written:
        detail = f"{problem} ({context} at line {context_mark.line + 1})"
    return line, detail


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _over_indented_first_child(lines: list[str], error_line: int) -> int | None:
    """`section:` whose first key is indented more than the file's unit, the next key correctly: the parser
    blames the correct next key. Returns the first key's line (0-based) in that case."""
    content = [i for i, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#")]
    if error_line not in content or content.index(error_line) < 2:
        return None
    position = content.index(error_line)
    opener, first = content[position - 2], content[position - 1]
    steps = [
        _indent(lines[b]) - _indent(lines[a])
        for a, b in itertools.pairwise(content)
        if _indent(lines[b]) > _indent(lines[a])
    ]
    unit = max(set(steps), key=steps.count) if steps else 2
    expected = _indent(lines[opener]) + unit
    if lines[opener].rstrip().endswith(":") and _indent(lines[error_line]) == expected != _indent(lines[first]):
        return first
    return None


def _runaway_quote(text: str, error_line: int) -> int | None:
    """The line where a quoted value began that spans lines and ends on the error's line: a missing closing
    quote swallows the next lines up to the next quote, and the parser only trips over what follows."""
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if token.start_mark.line > error_line:
                break
            if (
                isinstance(token, yaml.ScalarToken)
                and token.style in ('"', "'")
                and token.start_mark.line < token.end_mark.line == error_line
            ):
                return int(token.start_mark.line)
    except yaml.YAMLError:
        pass
    return None


def parse_yaml(text: str, origin: str) -> Any:
    """Parse `text` (named `origin` in errors) with the rules above; ConfigError on any problem."""
    try:
        return yaml.load(text, Loader=_UserYamlLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        line, detail = _where(exc, text)
        where = f" line {line}" if line is not None else ""
        raise ConfigError(
            f"{origin}{where}: not valid YAML: {clip(detail, 300)}", "fix the syntax on that line"
        ) from None
    except RecursionError:
        raise ConfigError(f"{origin}: nested too deeply to be a configuration", "flatten the file") from None


def read_yaml_file(path: Path, origin: str | None = None, max_bytes: int = MAX_BYTES) -> Any:
    """Read and parse a user's YAML file; `origin` names it in errors (default: the path)."""
    origin = origin or str(path)
    try:
        if not path.is_file():
            raise ConfigError(f"{origin} is not a file", "pass the path of a YAML file")
        size = path.stat().st_size
        if size > max_bytes:
            raise ConfigError(
                f"{origin} is {size:,} bytes; Tapestry reads at most {max_bytes:,}",
                "pass the right file (a configuration is a few KB)",
            )
        with path.open("rb") as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as exc:
        raise ConfigError(f"{origin}: {exc.strerror or exc}", "check the path and its permissions") from None
    if len(raw) > max_bytes:
        raise ConfigError(f"{origin} is larger than {max_bytes:,} bytes", "pass the right file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{origin} line {line}: not UTF-8 text (byte 0x{raw[exc.start]:02x})", "save the file as UTF-8"
        ) from None
    return parse_yaml(text, origin)
