"""The unit tree (UNOR) as plain data: cycle checks, ancestry and restructuring rules.

Units are effective-dated versions (valid_from inclusive, valid_to exclusive). These functions
work on one date's snapshot, given as a mapping unit id -> parent id."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


class TreeError(ValueError):
    def __init__(self, code: str, field: str, en: str, id_: str) -> None:
        super().__init__(en)
        self.code = code
        self.field = field
        self.en = en
        self.id_ = id_


def ancestors(unit_id: str, parents: Mapping[str, str | None]) -> list[str]:
    """Parent, grandparent, ... up to the root. Raises TreeError on a cycle."""
    out: list[str] = []
    seen = {unit_id}
    current = parents.get(unit_id)
    while current is not None:
        if current in seen:
            raise TreeError(
                "cycle",
                "parent_id",
                f"The unit tree has a cycle through {current!r}",
                f"Pohon unit berputar (siklus) melalui {current!r}",
            )
        seen.add(current)
        out.append(current)
        current = parents.get(current)
    return out


def check_parent(unit_id: str, parent_id: str | None, parents: Mapping[str, str | None]) -> None:
    """Would giving `unit_id` the parent `parent_id` make a cycle?"""
    if parent_id is None:
        return
    if parent_id == unit_id:
        raise TreeError(
            "cycle",
            "parent_id",
            "A unit cannot be its own parent",
            "Unit tidak boleh menjadi induk dirinya sendiri",
        )
    chain = ancestors(parent_id, parents)
    if unit_id in chain:
        raise TreeError(
            "cycle",
            "parent_id",
            f"{parent_id!r} lies under {unit_id!r}: that move would make a cycle",
            f"{parent_id!r} berada di bawah {unit_id!r}: pemindahan itu membuat siklus",
        )


def topological(records: Iterable[tuple[str, str | None]]) -> list[str]:
    """Order unit ids so that every parent comes before its children (parents outside the
    set count as roots; ties by id). Raises TreeError on a cycle."""
    parents = dict(records)
    depth: dict[str, int] = {}
    for uid in parents:
        chain: list[str] = []
        seen: set[str] = set()
        cur: str | None = uid
        while cur is not None and cur in parents and cur not in depth:
            if cur in seen:
                raise TreeError(
                    "cycle",
                    "parent_id",
                    f"The unit tree has a cycle through {cur!r}",
                    f"Pohon unit berputar (siklus) melalui {cur!r}",
                )
            seen.add(cur)
            chain.append(cur)
            cur = parents[cur]
        base = depth[cur] if cur is not None and cur in depth else -1
        for node in reversed(chain):
            base += 1
            depth[node] = base
    return sorted(parents, key=lambda u: (depth[u], u))


@dataclass(frozen=True)
class Resolved:
    unit_id: str  # where the holder belongs now
    via: tuple[str, ...]  # closed units passed through (merged/split into a successor)
    orphaned: bool  # closed without a successor


def resolve_successor(
    unit_id: str, successors: Mapping[str, str | None], closed: Iterable[str]
) -> Resolved:
    """Follow merge/split successors from a closed unit to the unit that exists now."""
    closed_set = set(closed)
    via: list[str] = []
    current = unit_id
    while current in closed_set:
        if current in via:
            break
        via.append(current)
        nxt = successors.get(current)
        if nxt is None:
            return Resolved(current, tuple(via), True)
        current = nxt
    return Resolved(current, tuple(via), False)
