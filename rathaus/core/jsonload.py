"""JSON from outside (staff imports of forms and catalogs) with a bound on nesting.

Python's JSON decoder recurses per level: a file of 100000 ``[`` raises RecursionError, which escaped as a 500.
And a document nested a few hundred levels deep still parses but breaks what walks it later (validation,
templates). Both are refused here with one clear message.
"""

from __future__ import annotations

import json
from typing import Any

#: Deeper than any real form definition or catalog (a form nests about 8 levels).
MAX_DEPTH = 64


class JsonTooDeep(ValueError):
    """The document nests objects and lists deeper than :data:`MAX_DEPTH`."""


def loads(data: str | bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads`` that raises :class:`JsonTooDeep` instead of recursing without bound.

    Other errors are json's own (``json.JSONDecodeError``, ``UnicodeDecodeError``).
    """
    try:
        value = json.loads(data)
    except RecursionError:
        raise JsonTooDeep(max_depth) from None
    if depth(value, limit=max_depth) > max_depth:
        raise JsonTooDeep(max_depth)
    return value


def depth(value: Any, *, limit: int = MAX_DEPTH) -> int:
    """Nesting depth of a parsed JSON value (a scalar is 0, ``[]`` is 1), counted without recursion; stops
    counting once past ``limit``."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            level += 1
            deepest = max(deepest, level)
            if deepest > limit:
                return deepest
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level) for child in children)
    return deepest
