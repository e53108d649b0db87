"""Each holder's qualification verdict, kept in the bezetting read model.

Does the holder meet the requirements of the post they hold, and which aspect fails (with
the failed checks in Indonesian)? The answer depends on the holder's post, golongan and
education (the holder row), training and managerial assessment (`holder_qualifications`)
and the jabatan's requirements. It is computed when one of those changes (the bezetting
handler calls `stamp`/`refresh` in the same transaction as the event; the jabatan API calls
`refresh_jabatan`) and stored with the jabatan version it was computed against, so the gap
report reads it instead of checking every holder each time. A verdict that is missing (rows
from before migration 0004) or computed against another jabatan version is recomputed live
by the report, so a change path that forgets to refresh costs time, never correctness.

A verdict is a pure function of the current state: replays and redeliveries store the same
verdict again."""

from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from tatamutasi_formasi.adapters.orm import holder_qualifications, holders, jabatan
from tatamutasi_formasi.domain import qualification as ql
from tatamutasi_formasi.domain import requirements as rq
from tatamutasi_formasi.service.common import chunks, loads


@dataclass(frozen=True)
class Entry:
    """A catalogue entry as the checks need it, with the verdicts and explanations already
    computed for it by facts (shared by every entry parsed from the same requirements, so
    they survive from one event batch to the next)."""

    version: int
    check: ql.QualificationCheck
    requirements: rq.Requirements
    verdicts: dict[tuple[object, ...], tuple[tuple[str, ...], tuple[str, ...]]] = field(
        default_factory=dict, compare=False, repr=False
    )
    texts: dict[tuple[object, ...], str] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Quals:
    training: str | None  # comma-joined codes; None: no training on record
    managerial_min: float | None
    managerial_scores: str | None  # JSON


Verdict = tuple[tuple[str, ...], tuple[str, ...], str]  # failed, unknown, explanation

# Parsed requirements by their stored form (parsing JSON and building the check is most of
# the cost of reading an entry), with their caches; bounded, shared by every database of the
# process (keyed by the requirements themselves, so databases cannot mix them up).
_PARSED: dict[tuple[str, str | None, str | None], Entry] = {}
_PARSED_MAX = 4096
_CACHE_MAX = 20000  # verdicts / explanations kept per entry


def _parse(text: str, lo: str | None, hi: str | None) -> Entry:
    from tatamutasi_formasi.service.jabatan import requirements_from_json

    key = (text, lo, hi)
    hit = _PARSED.get(key)
    if hit is None:
        req = requirements_from_json(loads(text) or {}, lo, hi)
        hit = Entry(0, ql.QualificationCheck(req), req)
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.clear()
        _PARSED[key] = hit
    elif len(hit.verdicts) > _CACHE_MAX or len(hit.texts) > _CACHE_MAX:
        hit.verdicts.clear()
        hit.texts.clear()
    return hit


async def load_entries(conn: AsyncConnection, jabatan_ids: Iterable[str]) -> dict[str, Entry]:
    j = jabatan
    out: dict[str, Entry] = {}
    for chunk in chunks(sorted(set(jabatan_ids))):
        rows = await conn.execute(
            sa.select(
                j.c.jabatan_id, j.c.version, j.c.requirements, j.c.min_golongan_id,
                j.c.max_golongan_id,
            ).where(j.c.jabatan_id.in_(chunk))
        )  # fmt: skip
        for jid, version, text, lo, hi in rows:
            p = _parse(text, lo, hi)
            out[jid] = Entry(int(version), p.check, p.requirements, p.verdicts, p.texts)
    return out


async def load_quals(conn: AsyncConnection, nips: Iterable[str]) -> dict[str, Quals]:
    q = holder_qualifications
    out: dict[str, Quals] = {}
    for chunk in chunks(sorted(set(nips))):
        rows = await conn.execute(
            sa.select(
                q.c.nip, q.c.training, q.c.training_on_record, q.c.managerial_min,
                q.c.managerial_scores,
            ).where(q.c.nip.in_(chunk))
        )  # fmt: skip
        for nip, training, on_record, mmin, scores in rows:
            out[nip] = Quals(training if on_record else None, mmin, scores)
    return out


def held(training: str | None) -> frozenset[str] | None:
    """Training codes on record (None: no training recorded at all, so unknown)."""
    return None if training is None else ql.held_training(filter(None, training.split(",")))


class Checker:
    """Computes verdicts, each distinct combination of facts once (many holders share their
    jabatan, golongan, education and training)."""

    def __init__(self, entries: Mapping[str, Entry]) -> None:
        self.entries = entries

    def verdict(
        self,
        jabatan_id: str,
        golongan_id: str | None,
        level: str | None,
        field_: str | None,
        q: Quals | None,
    ) -> Verdict:
        entry = self.entries.get(jabatan_id)
        if entry is None:
            return (), (), ""
        training = q.training if q else None
        mmin = q.managerial_min if q else None
        key = (golongan_id, level, field_, training, mmin)
        hit = entry.verdicts.get(key)
        if hit is None:
            hit = entry.check.run(
                ql.HolderFacts(golongan_id, level, field_, mmin, None, held(training))
            )
            entry.verdicts[key] = hit
        failed, unknown = hit
        if not failed:
            return failed, unknown, ""
        return failed, unknown, self._explain(entry, key, q, failed)

    def _explain(
        self, entry: Entry, key: tuple[Any, ...], q: Quals | None, failed: tuple[str, ...]
    ) -> str:
        """The failed checks in Indonesian, each aspect's text cached on just the facts it
        depends on (golongan, or education, or the scores, or the training on record)."""
        parts: list[str] = []
        for aspect in failed:
            facts: tuple[object, ...] = {
                "golongan": (key[0],),
                "education": (key[1], key[2]),
                "managerial": (q.managerial_scores if q else None,),
                "training": (key[3],),
            }.get(aspect, ())
            tkey = (aspect, *facts)
            text = entry.texts.get(tkey)
            if text is None:
                scores = loads(q.managerial_scores) if q and q.managerial_scores else None
                result = rq.evaluate(
                    entry.requirements,
                    rq.Holder(
                        golongan_id=key[0],
                        education_level_id=key[1],
                        education_field=key[2],
                        managerial_scores=dict(scores)
                        if scores and aspect == "managerial"
                        else None,
                        training=held(key[3]),
                    ),
                    aspects=(aspect,),
                )
                text = entry.texts[tkey] = "; ".join(c.id_ for c in result.failed)
            parts.append(text)
        return "; ".join(p for p in parts if p)

    def columns(self, row: Mapping[str, Any], q: Quals | None) -> dict[str, Any]:
        """The stored form of a holder row's verdict (the `qual_*` columns)."""
        jid = row["jabatan_id"]
        failed, unknown, detail = self.verdict(
            jid, row["golongan_id"], row["education_level_id"], row["education_field"], q
        )
        entry = self.entries.get(jid)
        return {
            "qual_version": entry.version if entry is not None else 0,
            "qual_failed": ",".join(failed),
            "qual_unknown": ",".join(unknown),
            "qual_detail": detail or None,
        }


async def stamp(conn: AsyncConnection, rows: Sequence[MutableMapping[str, Any]]) -> None:
    """Set the verdict columns of holder rows in memory (the caller writes them)."""
    placed = [r for r in rows if r["jabatan_id"]]
    for r in rows:
        if not r["jabatan_id"]:
            r.update(qual_version=None, qual_failed=None, qual_unknown=None, qual_detail=None)
    if not placed:
        return
    entries = await load_entries(conn, {r["jabatan_id"] for r in placed})
    quals = await load_quals(conn, [r["nip"] for r in placed])
    checker = Checker(entries)
    for r in placed:
        r.update(checker.columns(r, quals.get(r["nip"])))


_UPDATE = (
    sa.update(holders)
    .where(holders.c.nip == sa.bindparam("b_nip"))
    .values(
        qual_version=sa.bindparam("qual_version"),
        qual_failed=sa.bindparam("qual_failed"),
        qual_unknown=sa.bindparam("qual_unknown"),
        qual_detail=sa.bindparam("qual_detail"),
    )
)
_FACTS = (
    holders.c.nip,
    holders.c.jabatan_id,
    holders.c.golongan_id,
    holders.c.education_level_id,
    holders.c.education_field,
)


async def _refresh_rows(conn: AsyncConnection, rows: list[dict[str, Any]]) -> int:
    await stamp(conn, rows)
    params = [
        {
            "b_nip": r["nip"],
            **{k: r[k] for k in ("qual_version", "qual_failed", "qual_unknown", "qual_detail")},
        }
        for r in rows
    ]
    if params:
        await conn.execute(_UPDATE, params)
    return len(params)


async def refresh(conn: AsyncConnection, nips: Iterable[str]) -> int:
    """Recompute and store the verdicts of these holders (those in the read model)."""
    out = 0
    for chunk in chunks(sorted(set(nips))):
        rows = [
            dict(r._mapping)
            for r in await conn.execute(sa.select(*_FACTS).where(holders.c.nip.in_(chunk)))
        ]
        out += await _refresh_rows(conn, rows)
    return out


async def refresh_jabatan(conn: AsyncConnection, jabatan_id: str) -> int:
    """Recompute the verdicts of everyone holding `jabatan_id` (its requirements changed)."""
    rows = [
        dict(r._mapping)
        for r in await conn.execute(sa.select(*_FACTS).where(holders.c.jabatan_id == jabatan_id))
    ]
    out = 0
    for chunk in chunks(rows):
        out += await _refresh_rows(conn, list(chunk))
    return out
