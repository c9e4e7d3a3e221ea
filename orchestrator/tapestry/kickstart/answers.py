"""Validate kickstart answers, whether typed at a prompt or read from an answers file.

Every problem is collected and reported at once, keyed by question id, before anything is created.
"""

from __future__ import annotations

import glob
import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, StrictUndefined
from jinja2.exceptions import UndefinedError

from tapestry.core.errors import AnswersError, clip
from tapestry.kickstart.spec import Question, TemplateSpec
from tapestry.project.config import covers_everything

_GLOB_CHARS = re.compile(r"[*?\[]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_URL = re.compile(r"^https?://[^\s/]+(:\d+)?(/\S*)?$")
# ASCII only: [0-9] and re.ASCII, so a look-alike digit (e.g. Arabic-Indic one) is not a region.
_AWS_REGION = re.compile(
    r"(us|eu|ap|sa|ca|me|af|il|mx)(-gov)?-(north|south|east|west|central|northeast|southeast|northwest|southwest)-[0-9]",
    re.ASCII,
)
_ENV_REF = re.compile(r"^env:([A-Za-z_][A-Za-z0-9_]*)$")
_FILE_REF = re.compile(r"^file:(.+)$")

_jinja = Environment(undefined=StrictUndefined, autoescape=False)


class InvalidAnswer(ValueError):
    """One answer is invalid; the message says why (without echoing secret values)."""


@dataclass
class ValidatedAnswers:
    values: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    secret_ids: set[str] = field(default_factory=set)


def is_visible(question: Question, answers: Mapping[str, Any]) -> bool:
    if not question.when:
        return True
    try:
        return bool(_jinja.compile_expression(question.when)(**answers))
    except UndefinedError:
        return False


def validate_one(question: Question, raw: Any, base_dir: Path, env: Mapping[str, str]) -> tuple[Any, list[str]]:
    """Normalise one answer or raise InvalidAnswer. Returns (value, warnings)."""
    warnings: list[str] = []
    if isinstance(raw, str):
        raw = raw.strip()
    empty = raw is None or raw in ("", [])
    if empty:
        if question.default is not None and question.type != "secret":
            raw = question.default
        elif question.required:
            raise InvalidAnswer("is required")
        else:
            return None, warnings

    kind = question.type
    if question.is_secret:
        value: Any = _secret(raw, env)
    elif kind == "choice":
        value = str(raw)
        if question.choices and value not in question.choices:
            raise InvalidAnswer(f"must be one of {', '.join(question.choices)} (got {value!r})")
    elif kind == "paths":
        value, warnings = _paths(raw, base_dir)
    elif kind == "boolean":
        value = _boolean(raw)
    elif kind == "integer":
        value = _integer(raw, question)
    elif kind == "cidr_list":
        value = _cidrs(raw)
    else:
        if not isinstance(raw, str | int | float):
            raise InvalidAnswer(f"must be a single value, not {type(raw).__name__}")
        value = str(raw)
        if kind == "url" and not _URL.match(value):
            raise InvalidAnswer(f"{value!r} is not an http(s) URL")
        if kind == "email" and not _EMAIL.match(value):
            raise InvalidAnswer(f"{value!r} is not an e-mail address")
        if kind == "aws_region" and not _AWS_REGION.fullmatch(value):
            raise InvalidAnswer(f"{value!r} is not an AWS region like us-east-1")
    if (
        question.pattern
        and isinstance(value, str)
        and not question.is_secret
        and not re.search(question.pattern, value)
    ):
        raise InvalidAnswer(question.pattern_message or f"{value!r} does not match {question.pattern}")
    if question.must_be is not None and value is not question.must_be:
        raise InvalidAnswer(question.must_be_message or f"must be {str(question.must_be).lower()}")
    if question.warning and value:
        warnings.append(question.warning)
    return value, warnings


def validate_answers(
    spec: TemplateSpec,
    raw_answers: Mapping[str, Any],
    base_dir: Path,
    env: Mapping[str, str] | None = None,
    fixed: Mapping[str, Any] | None = None,
) -> ValidatedAnswers:
    """Validate every answer of `spec`; raise AnswersError listing all problems by id."""
    env = os.environ if env is None else env
    merged = {**raw_answers, **(fixed or {})}
    problems: dict[str, str] = {}
    known = {q.id for q in spec.questions}
    unknown = [str(key) for key in merged if key not in known]
    if unknown:  # one entry, however many: a wrong file must not print thousands of lines
        also = f" (and {len(unknown) - 1:,} more unknown ids)" if len(unknown) > 1 else ""
        problems[f"{clip(unknown[0], 60)}{also}"] = (
            f"unknown question id (this template asks: {', '.join(sorted(known))})"
        )
    result = ValidatedAnswers(values={})
    for question in spec.questions:
        if not is_visible(question, result.values):
            continue
        try:
            value, warnings = validate_one(question, merged.get(question.id), base_dir, env)
        except InvalidAnswer as exc:
            problems[question.id] = str(exc)
            continue
        result.values[question.id] = value
        result.warnings += [f"{question.id}: {w}" for w in warnings]
        if question.is_secret:
            result.secret_ids.add(question.id)
    if problems:
        raise AnswersError(problems)
    return result


def _paths(raw: Any, base_dir: Path) -> tuple[list[str], list[str]]:
    items = [p.strip() for p in raw.split(",")] if isinstance(raw, str) else raw
    if not isinstance(items, list) or not all(isinstance(p, str) for p in items):
        raise InvalidAnswer("must be a list of paths or globs")
    items = [p for p in items if p]
    if not items:
        raise InvalidAnswer("is required")
    warnings = []
    for item in items:
        full = os.path.expanduser(item if os.path.isabs(item) else str(base_dir / item))
        if _GLOB_CHARS.search(item):
            if not glob.glob(full, recursive=True):
                warnings.append(f"{item!r} matches no file yet")
        elif not os.path.isfile(full):
            raise InvalidAnswer(f"{item!r} does not exist (relative paths start at {base_dir})")
    return items, warnings


def _boolean(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).lower()
    if text in {"true", "yes", "y", "1"}:
        return True
    if text in {"false", "no", "n", "0"}:
        return False
    raise InvalidAnswer(f"must be true or false (got {raw!r})")


def _integer(raw: Any, question: Question) -> int:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise InvalidAnswer(f"must be a whole number (got {raw!r})") from None
    if question.min is not None and value < question.min:
        raise InvalidAnswer(f"must be at least {question.min}")
    if question.max is not None and value > question.max:
        raise InvalidAnswer(f"must be at most {question.max}")
    return value


def _cidrs(raw: Any) -> list[str]:
    items = [p.strip() for p in raw.split(",")] if isinstance(raw, str) else raw
    if not isinstance(items, list) or not items:
        raise InvalidAnswer("must be a list of CIDR blocks like 203.0.113.0/24")
    out = []
    for item in items:
        try:
            network = ipaddress.ip_network(str(item), strict=True)
        except ValueError:
            raise InvalidAnswer(f"{item!r} is not a CIDR block like 203.0.113.0/24") from None
        if network.prefixlen == 0:
            raise InvalidAnswer(f"{item!r} opens the service to the whole internet; give your own network")
        out.append(str(network))
    if covers_everything(out):
        raise InvalidAnswer(
            f"{', '.join(out)} together cover the whole internet (like 0.0.0.0/0); give your own networks"
        )
    return out


def _secret(raw: Any, env: Mapping[str, str]) -> str:
    """A secret answer, `env:NAME` (read from the environment) or `file:PATH` (e.g. a PEM key).
    Never echoed in messages."""
    if not isinstance(raw, str):
        raise InvalidAnswer("must be a string (or env:VARIABLE_NAME, or file:PATH)")
    match = _ENV_REF.match(raw)
    if match:
        value = env.get(match.group(1), "")
        if not value:
            raise InvalidAnswer(f"environment variable {match.group(1)} is not set or empty")
        return value
    match = _FILE_REF.match(raw)
    if match:
        path = os.path.expanduser(match.group(1).strip())
        try:
            with open(path, encoding="utf-8") as handle:
                content = handle.read().strip()
        except OSError as exc:
            raise InvalidAnswer(f"cannot read {path} ({exc.strerror})") from None
        if not content:
            raise InvalidAnswer(f"{path} is empty")
        return content
    return raw
