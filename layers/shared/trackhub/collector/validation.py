"""RAGE's statement checks (BE lib/tracesConverter.js), in its order and with its messages.

Never stricter than the original: bare extension keys, string scores, missing `id` or `context` and
non-IRI ids all pass. Where the original crashed (a statement that is not an object, an id that is
not a string), the hub answers 400 instead of a 500.
"""

from __future__ import annotations

from typing import Any

from trackhub.errors import InvalidInput

STATEMENTS_NOT_ARRAY = "Statements must be an array!"
_OBJ = "[object Object]"


def _invalid(reason: str, where: str = "statement") -> InvalidInput:
    return InvalidInput(f"Statement {_OBJ} doesn't have a valid format. Error: {reason} for {where}, {_OBJ}")


def truthy(value: Any) -> bool:
    """JavaScript truthiness: `{}` and `[]` are true, "", 0, null and false are not."""
    if isinstance(value, dict | list):
        return True
    return bool(value)


def _iri_like(value: Any, missing: str, trailing: str, wrong_type: str) -> None:
    if not truthy(value):
        raise _invalid(missing)
    if not isinstance(value, str):
        raise _invalid(wrong_type)
    if value.endswith("/"):
        raise _invalid(trailing)


def check_statement(statement: Any) -> None:
    if not isinstance(statement, dict):
        raise _invalid("Statement must be a JSON object")
    actor = statement.get("actor")
    if not truthy(actor):
        raise _invalid("Actor is missing")
    if not isinstance(actor, dict) or not truthy(actor.get("name")):
        raise _invalid("Actor name is missing")
    if not truthy(statement.get("timestamp")):
        raise _invalid("Timestamp is missing")
    verb = statement.get("verb")
    if not truthy(verb):
        raise _invalid("Verb is missing")
    _iri_like(
        verb.get("id") if isinstance(verb, dict) else None,
        "Verb Id is missing",
        "Verb Id cannot end with /",
        "Verb Id must be a string",
    )
    # RAGE creates `object` and `object.definition` when missing, so their own checks never fire.
    obj = statement.get("object") if truthy(statement.get("object")) else {}
    if not isinstance(obj, dict):
        raise _invalid("Object Id is missing")
    _iri_like(
        obj.get("id"), "Object Id is missing", "Object Id cannot end with /", "Object Id must be a string"
    )
    definition = obj.get("definition") if truthy(obj.get("definition")) else {}
    _iri_like(
        definition.get("type") if isinstance(definition, dict) else None,
        "Object definition type is missing",
        "Object definition type cannot end with /",
        "Object definition type must be a string",
    )
    result = statement.get("result")
    if isinstance(result, dict):
        score = result.get("score")
        if truthy(score) and (not isinstance(score, dict) or score.get("raw") is None):
            raise _invalid("Result.score.raw should not be undefined or null")
        extensions = result.get("extensions")
        if isinstance(extensions, dict):
            for key in extensions:
                if key.endswith("/"):
                    raise _invalid(f"Extension {key} cannot end with /", "result")


def check_batch(body: Any) -> list[dict[str, Any]]:
    """The statements of a /track body, all valid, or InvalidInput for the first invalid one."""
    if not isinstance(body, list) or not body:
        raise InvalidInput(STATEMENTS_NOT_ARRAY)
    for statement in body:
        check_statement(statement)
    return body
