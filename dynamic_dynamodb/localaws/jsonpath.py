"""Edit a parsed JSON document at a path: the answer-mutation faults' only tool.

A path is keys joined by dots, with ``[n]`` for the n-th list element and ``[*]`` for
every element: ``Table.ProvisionedThroughput``, ``MetricDataResults[*].Values[*]``,
``Table.GlobalSecondaryIndexes[0].ProvisionedThroughput.ReadCapacityUnits``. Each edit
returns how many places it changed (0: the path matched nothing).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

Step = str | int  # a key, a list index; "*" (as the index) means every element
_STEP = re.compile(r"([^.\[\]]+)|\[(\d+|\*)\]")


class PathError(ValueError):
    """A path that cannot be parsed."""


def parse_path(path: str) -> list[Step]:
    steps: list[Step] = []
    position = 0
    for match in _STEP.finditer(path):
        key, index = match.groups()
        gap = path[position : match.start()]
        expected = ("." if steps else "") if key is not None else ""
        if gap != expected or (index is not None and not steps):
            raise PathError(f"cannot parse path {path!r} at character {position}")
        steps.append(key if key is not None else ("*" if index == "*" else int(index)))
        position = match.end()
    if not steps or position != len(path):
        raise PathError(f"cannot parse path {path!r} at character {position}")
    return steps


def _parents(doc: Any, steps: list[Step]) -> Iterator[tuple[Any, Step]]:
    """(container, last step) for every place the path leads to."""
    nodes = [doc]
    for step in steps[:-1]:
        nodes = [child for node in nodes for child in _children(node, step)]
    for node in nodes:
        yield node, steps[-1]


def _children(node: Any, step: Step) -> list[Any]:
    if isinstance(node, dict) and isinstance(step, str) and step in node and step != "*":
        return [node[step]]
    if isinstance(node, list):
        if step == "*":
            return list(node)
        if isinstance(step, int) and 0 <= step < len(node):
            return [node[step]]
    return []


def _targets(parent: Any, step: Step) -> list[Step]:
    """The existing keys or indexes of ``parent`` that ``step`` names."""
    if isinstance(parent, list):
        if step == "*":
            return list(range(len(parent)))
        if isinstance(step, int) and 0 <= step < len(parent):
            return [step]
    elif isinstance(parent, dict) and isinstance(step, str) and step in parent:
        return [step]
    return []


def drop(doc: Any, path: str) -> int:
    """Remove what the path names (a key from its object, or an element from its list)."""
    changed = 0
    for parent, step in _parents(doc, parse_path(path)):
        targets = _targets(parent, step)
        if isinstance(parent, list):  # delete from the end, so indexes stay valid
            targets = sorted(targets, key=int, reverse=True)
        for target in targets:
            del parent[target]
            changed += 1
    return changed


def put(doc: Any, path: str, value: Any) -> int:
    """Set what the path names to ``value``; a missing last key of an object is added."""
    changed = 0
    for parent, step in _parents(doc, parse_path(path)):
        targets = _targets(parent, step)
        if not targets and isinstance(parent, dict) and isinstance(step, str) and step != "*":
            targets = [step]
        for target in targets:
            parent[target] = _copy(value)
            changed += 1
    return changed


def empty(doc: Any, path: str | None = None) -> int:
    """Empty the lists and objects the path names; without a path, every top-level list."""
    if path is None:
        if not isinstance(doc, dict):
            return 0
        lists = [key for key, value in doc.items() if isinstance(value, list)]
        for key in lists:
            doc[key] = []
        return len(lists)
    changed = 0
    for parent, step in _parents(doc, parse_path(path)):
        for target in _targets(parent, step):
            if isinstance(parent[target], (list, dict)):
                parent[target] = type(parent[target])()
                changed += 1
    return changed


def _copy(value: Any) -> Any:
    # Each place gets its own copy, so a later edit of one cannot show in another.
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value
