"""Published specs of the services Tapestry talks to, vendored with their provenance (see README.md).

The fakes validate what they receive against these files, and the contract tests hold the fakes and
Tapestry's payloads to them. Nothing here is written by us: every JSON file carries a ``_source`` naming
the repository + commit (or package + version) it was extracted from.

Validation is JSON Schema draft-07 without format assertions and **without filling in defaults**, which
is what the Airbyte server does with a connector's ``connectionSpecification``.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any, Final

from jsonschema import Draft7Validator

__all__ = [
    "CONTRACTS_DIR",
    "airbyte_operations",
    "catalog_facts",
    "connector_spec",
    "errors",
    "load",
    "mailchimp_operations",
    "mailchimp_shape",
    "openapi",
    "openapi_request_schema",
    "openapi_response_schema",
    "openapi_schema",
    "public_api_schema",
    "secret_paths",
    "strict",
]

CONTRACTS_DIR: Final = Path(__file__).resolve().parent

#: Airbyte actor kind + type -> connector spec file (catalog-facts.json names them too).
CONNECTOR_SPECS: Final = {
    ("source", "zoom"): "airbyte/source-zoom.connection_specification.json",
    ("source", "salesforce"): "airbyte/source-salesforce.connection_specification.json",
    ("source", "stripe"): "airbyte/source-stripe.connection_specification.json",
    ("source", "zendesk-support"): "airbyte/source-zendesk-support.connection_specification.json",
    ("destination", "snowflake"): "airbyte/destination-snowflake.connection_specification.json",
}


@cache
def _load(relative: str) -> Any:
    return json.loads((CONTRACTS_DIR / relative).read_text(encoding="utf-8"))


def load(relative: str) -> Any:
    """A vendored file (a deep copy: callers may change it)."""
    return copy.deepcopy(_load(relative))


def connector_spec(kind: str, type_: str) -> dict[str, Any]:
    """The ``connectionSpecification`` of an Airbyte connector (``_source`` removed)."""
    spec = load(CONNECTOR_SPECS[(kind, type_)])
    spec.pop("_source", None)
    return dict(spec)


def public_api_schema(name: str) -> dict[str, Any]:
    """One request/response schema of the Airbyte public API (e.g. ``ConnectionCreateRequest``)."""
    return dict(load("airbyte/public-api-schemas.json")[name])


def airbyte_operations() -> list[dict[str, Any]]:
    return list(load("airbyte/public-api-operations.json")["operations"])


def catalog_facts() -> dict[str, Any]:
    """catalog-facts.json (the team's reference set) with the facts of each connector vendored beside it
    (``catalog-facts.<type>.json``, each with its own ``_source``), merged key by key."""
    facts = dict(load("airbyte/catalog-facts.json"))
    for extra in sorted((CONTRACTS_DIR / "airbyte").glob("catalog-facts.*.json")):
        _merge(facts, load(f"airbyte/{extra.name}"))
    return facts


def _merge(into: dict[str, Any], more: dict[str, Any]) -> None:
    for key, value in more.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def mailchimp_operations() -> dict[str, tuple[str, str]]:
    """SDK method -> (HTTP method, path template), from mailchimp-marketing 3.0.80."""
    ops = load("mailchimp/mailchimp-sdk-operations.json")["operations"]
    return {name: (str(method), str(path)) for name, (method, path) in ops.items()}


MAILCHIMP_SHAPE_FILES: Final = ("mailchimp/mailchimp-shapes.json", "mailchimp/mailchimp-bulk-shapes.json")


def mailchimp_shape(name: str) -> Any:
    """A request shape or fact from mailchimp-shapes.json (``member_upsert``, ``batch_request``, ...) or
    mailchimp-bulk-shapes.json (``batch_subscribe_request``, ``segment_members_request``, ...)."""
    for relative in MAILCHIMP_SHAPE_FILES:
        shapes = _load(relative)
        if name in shapes:
            return copy.deepcopy(shapes[name])
    raise KeyError(f"no Mailchimp shape {name!r} in {', '.join(MAILCHIMP_SHAPE_FILES)}")


def openapi(relative: str) -> dict[str, Any]:
    """An OpenAPI excerpt (``hubspot/crm-contacts-v3.json``, ``klaviyo/klaviyo-stable-2026-07-15.json``)."""
    return dict(load(relative))


def _draft7(node: Any) -> Any:
    """OpenAPI 3.0 schema -> JSON Schema draft-07: ``nullable: true`` admits null (a sibling of ``$ref`` is
    otherwise ignored by draft-07), refs point into the copied components."""
    if isinstance(node, list):
        return [_draft7(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _draft7(value) for key, value in node.items() if key not in ("nullable", "example", "discriminator")}
    if node.get("nullable") is True:
        if "type" in out and isinstance(out["type"], str) and "$ref" not in out and "oneOf" not in out:
            out["type"] = [out["type"], "null"]
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


def openapi_schema(relative: str, schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` (which may ``$ref`` the document's components) as a draft-07 root that resolves those refs."""
    components = _draft7(openapi(relative).get("components", {}))
    return {**_draft7(schema), "components": components}


def _operation(relative: str, method: str, path: str) -> dict[str, Any]:
    return dict(openapi(relative)["paths"][path][method.lower()])


def openapi_request_schema(relative: str, method: str, path: str) -> dict[str, Any]:
    """The request body schema of an operation (its first content type), as a draft-07 root."""
    content = _operation(relative, method, path)["requestBody"]["content"]
    return openapi_schema(relative, next(iter(content.values()))["schema"])


def openapi_response_schema(relative: str, method: str, path: str, status: int | str) -> dict[str, Any]:
    """The response body schema of an operation for a status (``207``, or a class such as ``4XX``)."""
    responses = _operation(relative, method, path)["responses"]
    response = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX") or responses["default"]
    document = openapi(relative)
    while "$ref" in response:  # a shared response (#/components/responses/Error)
        response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return openapi_schema(relative, next(iter(response["content"].values()))["schema"])


def strict(schema: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``schema`` in which every object that lists its ``properties`` admits no other key.

    Names that are only ``required`` count as defined too (Airbyte's token request spells the property
    ``grant-type`` but requires ``grant_type``). Objects with no ``properties`` (a connector
    ``configuration``) stay open.
    """
    out = copy.deepcopy(schema)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            props = node.get("properties")
            if isinstance(props, dict) and "additionalProperties" not in node:
                node["additionalProperties"] = False
                for name in node.get("required", []):
                    props.setdefault(name, {})
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(out)
    return out


def errors(schema: dict[str, Any], instance: Any) -> list[str]:
    """Draft-07 validation messages (``$.path: message``), sorted; empty when ``instance`` is valid.

    Defaults are never filled in and ``format`` is not asserted, like the Airbyte server's validator.
    """
    validator = Draft7Validator(schema)
    return sorted(_message(error) for error in validator.iter_errors(instance))


_JSON_TYPES: Final = {dict: "object", list: "array", str: "string", bool: "boolean", int: "integer", float: "number"}


def _message(error: Any) -> str:
    """One error in the words of the networknt validator the Airbyte server uses."""
    path = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    kind, value = error.validator, error.validator_value
    if kind == "required":
        missing = str(error.message).split("'")[1] if "'" in str(error.message) else str(error.message)
        return f"{path}.{missing}: is missing but it is required"
    if kind == "type":
        found = "null" if error.instance is None else _JSON_TYPES.get(type(error.instance), "unknown")
        return f"{path}: {found} found, {value} expected"
    if kind == "pattern":
        return f"{path}: does not match the regex pattern {value}"
    if kind in ("enum", "const"):
        return f"{path}: does not have a value in the enumeration {value if kind == 'enum' else [value]}"
    if kind == "additionalProperties":
        return f"{path}: {error.message}"
    if kind == "oneOf":
        return f"{path}: should be valid to one and only one schema, but 0 are valid"
    return f"{path}: {error.message}"


def secret_paths(schema: dict[str, Any]) -> set[tuple[str, ...]]:
    """Paths of every property marked ``airbyte_secret`` (through ``oneOf`` branches), e.g.
    ``("credentials", "private_key")``: what the Airbyte server masks in what it returns."""
    found: set[tuple[str, ...]] = set()

    def walk(node: dict[str, Any], prefix: tuple[str, ...]) -> None:
        for name, prop in (node.get("properties") or {}).items():
            if not isinstance(prop, dict):
                continue
            if prop.get("airbyte_secret"):
                found.add((*prefix, name))
            walk(prop, (*prefix, name))
            for branch in prop.get("oneOf") or prop.get("anyOf") or []:
                if isinstance(branch, dict):
                    walk(branch, (*prefix, name))

    walk(schema, ())
    return found
