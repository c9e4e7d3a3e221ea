"""Interactive questions (questionary). Answers are validated as they are typed, with the same rules
as an answers file."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tapestry.core.errors import AnswersError
from tapestry.kickstart.answers import InvalidAnswer, is_visible, validate_one
from tapestry.kickstart.spec import Question, TemplateSpec


def ask_all(
    spec: TemplateSpec, initial: Mapping[str, Any], base_dir: Path, fixed: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Ask every visible question in order; `initial` pre-fills defaults (e.g. from --answers);
    `fixed` answers (e.g. --target) are not asked."""
    import questionary

    answers: dict[str, Any] = {}
    for question in spec.questions:
        if not is_visible(question, answers):
            continue
        if fixed and question.id in fixed:
            answers[question.id] = fixed[question.id]
            continue
        default = initial.get(question.id, question.default)
        raw = _ask(questionary, question, default, base_dir)
        if raw is None:  # Ctrl-C inside questionary returns None
            raise KeyboardInterrupt
        try:
            value, _ = validate_one(question, raw, base_dir, os.environ)
        except InvalidAnswer as exc:  # a confirm has no validator: e.g. refusing plain HTTP without a certificate
            raise AnswersError({question.id: str(exc)}) from None
        answers[question.id] = value
    return answers


def _ask(questionary: Any, question: Question, default: Any, base_dir: Path) -> Any:
    def validator(text: str) -> bool | str:
        try:
            validate_one(question, text, base_dir, os.environ)
        except InvalidAnswer as exc:
            return str(exc)
        return True

    message = question.prompt
    instruction = question.help
    if question.type == "choice" and question.choices:
        return questionary.select(
            message, choices=question.choices, default=default or question.choices[0], instruction=instruction
        ).ask()
    if question.type == "boolean":
        return questionary.confirm(message, default=bool(default), instruction=instruction).ask()
    if question.is_secret:
        return questionary.password(message, validate=validator, instruction=instruction).ask()
    text_default = ", ".join(default) if isinstance(default, list) else ("" if default is None else str(default))
    return questionary.text(message, default=text_default, validate=validator, instruction=instruction).ask()
