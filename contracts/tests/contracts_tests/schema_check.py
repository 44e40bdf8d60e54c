"""Just enough JSON Schema validation to prove the published schemas accept what producers actually send.

Covers the keywords the generator emits ($ref, allOf, anyOf, const, enum, type, pattern, lengths, bounds,
required, properties, additionalProperties, items, minItems); formats are not checked.
"""

from __future__ import annotations

import re
from typing import Any

_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
    "object": (dict,),
    "array": (list,),
}


def resolve(root: dict[str, Any], ref: str) -> Any:
    node: Any = root
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _has_type(value: Any, name: str) -> bool:
    if isinstance(value, bool) and name in ("integer", "number"):
        return False
    return isinstance(value, _TYPES[name])


def _scalar_errors(schema: dict[str, Any], value: Any, path: str) -> list[str]:
    errors = []
    if "const" in schema and value != schema["const"]:
        errors.append(f"{path}: {value!r} is not {schema['const']!r}")
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {value!r} not in {schema['enum']}")
    if isinstance(value, str):
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append(f"{path}: {value!r} does not match {schema['pattern']}")
        if len(value) < schema.get("minLength", 0) or len(value) > schema.get("maxLength", len(value)):
            errors.append(f"{path}: length of {value!r}")
    if _has_type(value, "number"):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append(f"{path}: {value} < {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            errors.append(f"{path}: {value} > {schema['maximum']}")
    return errors


def validate(schema: dict[str, Any], value: Any, root: dict[str, Any], path: str = "$") -> list[str]:
    """The reasons `value` does not satisfy `schema` (empty when it does)."""
    if "$ref" in schema:
        return validate(resolve(root, schema["$ref"]), value, root, path)
    errors = [e for sub in schema.get("allOf", []) for e in validate(sub, value, root, path)]
    if "anyOf" in schema and all(validate(sub, value, root, path) for sub in schema["anyOf"]):
        errors.append(f"{path}: {value!r} matches none of anyOf")
    if "type" in schema and not _has_type(value, schema["type"]):
        return [*errors, f"{path}: {value!r} is not of type {schema['type']}"]
    errors += _scalar_errors(schema, value, path)
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        errors += [f"{path}: {name} is required" for name in schema.get("required", []) if name not in value]
        for name, item in value.items():
            if name in properties:
                errors += validate(properties[name], item, root, f"{path}.{name}")
            elif schema.get("additionalProperties") is False:
                errors.append(f"{path}: unexpected {name}")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            errors.append(f"{path}: fewer than {schema['minItems']} items")
        for index, item in enumerate(value):
            errors += validate(schema.get("items", {}), item, root, f"{path}[{index}]")
    return errors
