"""The kinship graph the rules query: direct relations from `pegawai.family_updated` facts
(spouse, parent, child, sibling, in-law; with basis and confidence) and in-laws derived
through a spouse (a spouse's parent or sibling, a sibling's or child's spouse).

A fact seen from one side only, while the other person has no family record on file at all,
is kept with its confidence lowered and a note saying so: a missing record never breaks a
rule, it only makes the finding weaker."""

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from tatamutasi_audit.integrity.facts import Evidence, KinFact

INVERSE = {"spouse": "spouse", "parent": "child", "child": "parent", "sibling": "sibling"}
INVERSE["in_law"] = "in_law"
#: Confidence of a relation seen from one side while the other side has no family record.
MISSING_RECORD_FACTOR = 0.8
RELATION_ID = {
    "spouse": "suami/istri",
    "parent": "orang tua",
    "child": "anak",
    "sibling": "saudara kandung",
    "in_law": "keluarga semenda (ipar/mertua/menantu)",
}
RELATION_EN = {
    "spouse": "spouse",
    "parent": "parent",
    "child": "child",
    "sibling": "sibling",
    "in_law": "in-law",
}


_NIP_TEXT = re.compile(r"[0-9]{18}")


def _plain(basis: str) -> str:
    """A basis as text for people: NIPs inside it (`family of <NIP>`) are not repeated."""
    return _NIP_TEXT.sub("a related employee", basis)


@dataclass(frozen=True)
class Edge:
    other: str
    relation: str  # what `other` is to the node
    basis: str
    confidence: float
    evidence: Evidence


@dataclass(frozen=True)
class KinPath:
    """How `b` is related to `a`: the relation, the bases, a confidence and the evidence."""

    relation: str
    basis: str
    confidence: float
    evidence: tuple[Evidence, ...]
    notes_en: tuple[str, ...] = ()
    notes_id: tuple[str, ...] = ()

    def describe_en(self) -> str:
        basis = _plain(self.basis)
        return f"{RELATION_EN[self.relation]} (basis: {basis}; confidence {self.confidence:.2f})"

    def describe_id(self) -> str:
        return (
            f"{RELATION_ID[self.relation]} (dasar: {_plain(self.basis)}; "
            f"keyakinan {self.confidence:.2f})"
        )


class KinGraph:
    def __init__(self, facts: Iterable[KinFact], family_known: set[str]) -> None:
        self._known = family_known
        # adj[a][b] = strongest edge per relation; sides[a][b] = owners that stated it
        adj: dict[str, dict[tuple[str, str], Edge]] = defaultdict(dict)
        sides: dict[tuple[str, str], set[str]] = defaultdict(set)

        def put(a: str, edge: Edge, owner: str) -> None:
            key = (edge.other, edge.relation)
            old = adj[a].get(key)
            if old is None or edge.confidence > old.confidence:
                adj[a][key] = edge
            sides[(min(a, edge.other), max(a, edge.other))].add(owner)

        for f in facts:
            if f.owner == f.other or f.relation not in INVERSE:
                continue
            put(f.owner, Edge(f.other, f.relation, f.basis, f.confidence, f.evidence), f.owner)
            put(
                f.other,
                Edge(f.owner, INVERSE[f.relation], f.basis, f.confidence, f.evidence),
                f.owner,
            )
        self._adj = {a: list(edges.values()) for a, edges in adj.items()}
        self._sides = sides

    def has_family_record(self, nip: str) -> bool:
        return nip in self._known

    def neighbours(self, nip: str) -> list[Edge]:
        return self._adj.get(nip, [])

    def _direct(self, a: str, b: str) -> KinPath | None:
        best: Edge | None = None
        for e in self._adj.get(a, []):
            if e.other == b and (best is None or e.confidence > best.confidence):
                best = e
        if best is None:
            return None
        return self._weigh(a, b, best.relation, best.basis, best.confidence, (best.evidence,))

    def _weigh(
        self,
        a: str,
        b: str,
        relation: str,
        basis: str,
        confidence: float,
        evidence: tuple[Evidence, ...],
    ) -> KinPath:
        notes_en: list[str] = []
        notes_id: list[str] = []
        owners = self._sides.get((min(a, b), max(a, b)), set())
        for who in (a, b):
            if who not in self._known and who not in owners:
                confidence *= MISSING_RECORD_FACTOR
                notes_en.append(
                    "one person's family record is missing: the relation is seen from one "
                    "side only, so confidence is lowered"
                )
                notes_id.append(
                    "data keluarga salah satu pihak tidak ada: hubungan hanya terlihat dari "
                    "satu pihak, sehingga tingkat keyakinan diturunkan"
                )
        return KinPath(
            relation,
            basis,
            round(confidence, 3),
            evidence,
            tuple(dict.fromkeys(notes_en)),
            tuple(dict.fromkeys(notes_id)),
        )

    def relation(self, a: str, b: str) -> KinPath | None:
        """The strongest relation of `b` to `a`: direct, else an in-law through a spouse."""
        if a == b:
            return None
        direct = self._direct(a, b)
        best = direct
        for e1 in self._adj.get(a, []):
            for e2 in self._adj.get(e1.other, []):
                if e2.other != b or e1.other == b:
                    continue
                in_law = (e1.relation == "spouse" and e2.relation in ("parent", "sibling")) or (
                    e1.relation in ("sibling", "child", "parent") and e2.relation == "spouse"
                )
                if not in_law:
                    continue
                conf = e1.confidence * e2.confidence
                if best is None or conf > best.confidence:
                    best = self._weigh(
                        a,
                        b,
                        "in_law",
                        f"via {RELATION_EN[e1.relation]}: {e1.basis} / {e2.basis}",
                        conf,
                        (e1.evidence, e2.evidence),
                    )
        return best

    def components(self, members: set[str], min_confidence: float) -> list[set[str]]:
        """Connected groups of relatives inside `members` (direct relations only)."""
        seen: set[str] = set()
        groups: list[set[str]] = []
        for start in sorted(members):
            if start in seen or start not in self._adj:
                continue
            group = {start}
            stack = [start]
            seen.add(start)
            while stack:
                n = stack.pop()
                for e in self._adj.get(n, []):
                    if (
                        e.other in members
                        and e.other not in seen
                        and e.confidence >= min_confidence
                    ):
                        seen.add(e.other)
                        group.add(e.other)
                        stack.append(e.other)
            if len(group) > 1:
                groups.append(group)
        return groups

    def edges_within(self, group: set[str]) -> list[Edge]:
        out = []
        for n in sorted(group):
            out += [e for e in self._adj.get(n, []) if e.other in group and n < e.other]
        return out
