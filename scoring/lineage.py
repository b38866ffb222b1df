"""The lineage graph: models in an order where every base comes before its derivatives.

Used by rescoring (bases are scored first, so derivatives can inherit) and by the model page
(to tell a loop from a diamond). Pure: ids in, ids out.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable, Mapping


def bases_first(ids: Iterable[int], parents: Mapping[int, Iterable[int]]) -> tuple[list[list[int]], set[int]]:
    """Kahn's algorithm over ``ids``: levels of models whose bases (within ``ids``) all come
    in earlier levels, and the models left over because a loop runs through or above them."""
    ids = list(ids)
    in_set = set(ids)
    pending = {i: sum(1 for p in parents.get(i, ()) if p in in_set and p != i) for i in ids}
    children: dict[int, list[int]] = defaultdict(list)
    for child in ids:
        for parent in parents.get(child, ()):
            if parent in in_set and parent != child:
                children[parent].append(child)
    ready = deque(sorted(i for i, n in pending.items() if n == 0))
    levels: list[list[int]] = []
    while ready:
        level = list(ready)
        ready.clear()
        levels.append(level)
        for node in level:
            for child in children.get(node, ()):
                pending[child] -= 1
                if pending[child] == 0:
                    ready.append(child)
    cyclic = {i for i, n in pending.items() if n > 0}
    return levels, cyclic
