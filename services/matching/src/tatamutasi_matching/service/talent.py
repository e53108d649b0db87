"""Talent read models fed by pegawai and formasi events, and their conversion into the pure
domain's `Employee` and `Post`. Each employee and jabatan is one JSON document, rebuilt
incrementally; personal data (birth date, NIK, family) is never stored — the age band uses
the birth year encoded in a PNS NIP."""

import json
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from tatamutasi_contracts import formasi as fe
from tatamutasi_contracts import pegawai as pe
from tatamutasi_matching.adapters.orm import (
    employee_profile,
    formasi_need,
    jabatan_catalogue,
    platform,
)
from tatamutasi_matching.domain.batch import Employees, RoundSettings, employee_features
from tatamutasi_matching.domain.model import (
    Aspiration,
    Assessment,
    Employee,
    Post,
    Sanction,
    SKPRecord,
    Training,
)
from tatamutasi_platform.consumer import Event
from tatamutasi_platform.db import upsert

Doc = dict[str, Any]


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


_generation = 0  # bumped by every profile write in this process (see `snapshot`)


async def _update(conn: AsyncConnection, nip: str, change: Callable[[Doc], None]) -> None:
    global _generation
    _generation += 1
    t = employee_profile
    row = (await conn.execute(sa.select(t.c.doc).where(t.c.nip == nip))).first()
    doc: Doc = json.loads(row[0]) if row else {"nip": nip}
    change(doc)
    await upsert(
        conn,
        t,
        [{"nip": nip, "unor_id": doc.get("unor_id") or "", "doc": json.dumps(doc, sort_keys=True)}],
        key=["nip"],
    )


def _registered(p: pe.PegawaiRegistered) -> Callable[[Doc], None]:
    def change(doc: Doc) -> None:
        doc.update(
            {
                "name": p.name,
                "unor_id": p.unor_id,
                "jabatan_id": p.jabatan_id,
                "kind": p.kind or "PNS",
                "sex": p.sex,
                "tmt_jabatan": _iso(p.tmt_jabatan),
                "golongan_id": p.golongan_id,
                "education_level_id": p.education_level_id,
                "education_field": p.education_field,
                "kedudukan_id": p.kedudukan_id or "01",
                "tmt_pensiun": _iso(p.tmt_pensiun),
                "tmt_cpns": _iso(p.tmt_cpns),
                "contract_end": _iso(p.contract_end),
            }
        )

    return change


def _pegawai_change(p: Any) -> Callable[[Doc], None] | None:  # noqa: C901 - one branch per event
    if isinstance(p, pe.PegawaiRegistered):
        return _registered(p)
    if isinstance(p, pe.PegawaiPlacementChanged):

        def placed(doc: Doc) -> None:
            doc.update(
                unor_id=p.current.unor_id,
                jabatan_id=p.current.jabatan_id,
                tmt_jabatan=_iso(p.current.tmt),
            )

        return placed
    if isinstance(p, pe.PegawaiRankChanged):
        return lambda doc: doc.update(golongan_id=p.golongan_id)
    if isinstance(p, pe.PegawaiStatusChanged):
        return lambda doc: doc.update(kedudukan_id=p.kedudukan_id)
    if isinstance(p, pe.PegawaiEducationRecorded):

        def educated(doc: Doc) -> None:
            if p.highest or not doc.get("education_level_id"):
                doc.update(education_level_id=p.level_id, education_field=p.field_name)

        return educated
    if isinstance(p, pe.PegawaiTrainingRecorded):
        row = {"name": p.name, "year": p.year, "hours": p.hours or 0, "jenis": p.jenis_diklat_id}
        return lambda doc: doc.setdefault("trainings", []).append(row)
    if isinstance(p, pe.PegawaiAssessmentRecorded):

        def assessed(doc: Doc) -> None:
            a = doc.setdefault("assessment", {})
            if p.year >= a.get(f"{p.kind}_year", 0):
                a[f"{p.kind}_year"] = p.year
                if p.kind == "potensi":
                    a["potensi_total"] = p.total
                else:
                    a["levels"], a["jpm"] = dict(p.scores), p.jpm

        return assessed
    if isinstance(p, pe.PegawaiPerformanceRecorded):
        return lambda doc: doc.setdefault("skp", {}).update({str(p.year): p.predikat})
    if isinstance(p, pe.PegawaiDisciplineRecorded):
        row = {"level": p.level, "start": _iso(p.start), "end": _iso(p.end)}
        return lambda doc: doc.setdefault("sanctions", []).append(row)
    if isinstance(p, pe.PegawaiAspirationStated):
        prefs = [
            {"rank": a.rank, "unor_id": a.unor_id, "jabatan_id": a.jabatan_id}
            for a in p.preferences
        ]
        return lambda doc: doc.update(aspirations=prefs)
    return None


# Field groups that later pegawai events overwrite. An event older (lower producer sequence)
# than the last one applied to a group leaves that group alone, so a duplicate or reordered
# delivery (a registration arriving after the move that followed it) cannot roll it back.
_GROUPS_OF: dict[type, tuple[str, ...]] = {
    pe.PegawaiRegistered: ("placement", "rank", "status"),
    pe.PegawaiPlacementChanged: ("placement",),
    pe.PegawaiRankChanged: ("rank",),
    pe.PegawaiStatusChanged: ("status",),
}
_GROUP_FIELDS = {
    "placement": ("unor_id", "jabatan_id", "tmt_jabatan"),
    "rank": ("golongan_id",),
    "status": ("kedudukan_id",),
}


def _in_order(p: Any, sequence: int, change: Callable[[Doc], None]) -> Callable[[Doc], None]:
    groups = _GROUPS_OF.get(type(p))
    if not groups:
        return change

    def apply(doc: Doc) -> None:
        seqs = doc.setdefault("seq", {})
        stale = [g for g in groups if int(seqs.get(g, 0)) > sequence]
        fields = [f for g in stale for f in _GROUP_FIELDS[g]]
        kept = {f: doc[f] for f in fields if f in doc}
        change(doc)
        for f in fields:
            if f in kept:
                doc[f] = kept[f]
            else:
                doc.pop(f, None)
        seqs.update({g: sequence for g in groups if g not in stale})

    return apply


async def on_talent_event(conn: AsyncConnection, event: Event) -> None:
    p = event.payload
    nip = getattr(p, "nip", None)
    change = _pegawai_change(p)
    if change is not None and nip is not None:
        await _update(conn, nip, _in_order(p, event.envelope.sequence, change))
    elif isinstance(p, fe.FormasiJabatanChanged):
        await upsert(
            conn,
            jabatan_catalogue,
            [{"jabatan_id": p.jabatan_id, "doc": p.model_dump_json()}],
            key=["jabatan_id"],
        )
    elif isinstance(p, fe.FormasiNeedSet):
        await upsert(
            conn,
            formasi_need,
            [{"unit_id": p.unit_id, "jabatan_id": p.jabatan_id, "count": p.count}],
            key=["unit_id", "jabatan_id"],
        )


# -- read models → domain ----------------------------------------------------------------


def post_id(unit_id: str, jabatan_id: str) -> str:
    return f"{unit_id}/{jabatan_id}"


def _d(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def employee_from_doc(doc: Doc) -> Employee:
    a = doc.get("assessment")
    assessment = (
        Assessment(
            year=max(a.get("potensi_year", 0), a.get("kompetensi_year", 0)),
            potensi_total=a.get("potensi_total"),
            jpm=a.get("jpm"),
            levels=a.get("levels") or {},
        )
        if a
        else None
    )
    nip = doc["nip"]
    kind = doc.get("kind") or "PNS"
    return Employee(
        nip=nip,
        name=doc.get("name") or nip,
        current_post_id=post_id(doc.get("unor_id") or "", doc.get("jabatan_id") or ""),
        unor_id=doc.get("unor_id") or "",
        kind="PPPK" if kind == "PPPK" else "PNS",
        sex=doc.get("sex"),
        birth_year=int(nip[:4]) if kind == "PNS" and nip[:4].isdigit() else None,
        tmt_jabatan=_d(doc.get("tmt_jabatan")),
        tmt_cpns=_d(doc.get("tmt_cpns")),
        golongan_id=doc.get("golongan_id"),
        education_level_id=doc.get("education_level_id"),
        education_rumpun=(doc.get("education_field") or "").strip().lower() or None,
        kedudukan_id=doc.get("kedudukan_id"),
        tmt_pensiun=_d(doc.get("tmt_pensiun")),
        contract_end=_d(doc.get("contract_end")),
        skp=tuple(SKPRecord(int(y), int(v)) for y, v in sorted((doc.get("skp") or {}).items())),
        sanctions=tuple(
            Sanction(s["level"], date.fromisoformat(s["start"]), _d(s.get("end")))
            for s in doc.get("sanctions") or []
        ),
        assessment=assessment,
        trainings=tuple(
            Training(t["name"], t.get("year"), t.get("hours") or 0, t.get("jenis"))
            for t in doc.get("trainings") or []
        ),
        aspirations=tuple(
            Aspiration(x["rank"], unor_id=x.get("unor_id"), jabatan_id=x.get("jabatan_id"))
            for x in doc.get("aspirations") or []
        ),
    )


JENIS = {"struktural": "1", "fungsional": "2", "pelaksana": "4"}


def post_from(unit_id: str, jabatan: Doc | None, jabatan_id: str, capacity: int) -> Post:
    if jabatan is None:
        return Post(post_id(unit_id, jabatan_id), unit_id, jabatan_id, jabatan_id,
                    opd_id=unit_id, capacity=capacity)  # fmt: skip
    req = jabatan.get("requirements") or {}
    education = req.get("education") or []
    levels = [e["min_level_id"] for e in education if e.get("min_level_id")]
    fields = {f.strip().lower() for e in education for f in e.get("fields") or []}
    return Post(
        post_id=post_id(unit_id, jabatan_id),
        unor_id=unit_id,
        jabatan_id=jabatan_id,
        name=jabatan.get("name") or jabatan_id,
        opd_id=unit_id,
        jenis_jabatan=JENIS.get(jabatan.get("jenis") or "", "4"),  # type: ignore[arg-type]
        eselon_id=jabatan.get("eselon_id"),
        jf_jenjang=jabatan.get("jf_jenjang"),
        golongan_min=jabatan.get("min_golongan_id"),
        golongan_max=jabatan.get("max_golongan_id"),
        min_education_level_id=min(levels) if levels else None,
        education_rumpun=frozenset(fields),
        rumpun=(jabatan.get("rumpun") or "").strip().lower() or None,
        competency_standard=req.get("managerial_level"),
        technical_competencies=frozenset(c["code"] for c in req.get("technical") or []),
        capacity=capacity,
    )


async def load_employees(conn: AsyncConnection, unit: str | None = None) -> list[Employee]:
    t = employee_profile
    q = sa.select(t.c.doc).order_by(t.c.nip)
    if unit is not None:
        q = q.where(t.c.unor_id == unit)
    docs = [json.loads(r[0]) for r in await conn.execute(q)]
    return [employee_from_doc(d) for d in docs if d.get("unor_id") and d.get("jabatan_id")]


async def load_post(conn: AsyncConnection, unit_id: str, jabatan_id: str) -> Post | None:
    need = (
        await conn.execute(
            sa.select(formasi_need.c.count).where(
                formasi_need.c.unit_id == unit_id, formasi_need.c.jabatan_id == jabatan_id
            )
        )
    ).first()
    row = (
        await conn.execute(
            sa.select(jabatan_catalogue.c.doc).where(jabatan_catalogue.c.jabatan_id == jabatan_id)
        )
    ).first()
    if need is None and row is None:
        return None
    return post_from(
        unit_id, json.loads(row[0]) if row else None, jabatan_id, need[0] if need else 0
    )


async def load_posts(conn: AsyncConnection, employees: list[Employee]) -> list[Post]:
    """Every post with a formasi need, plus every post someone holds (capacity = need, 0 if
    none: its holders keep their seats and the optimiser reports it as over capacity). A
    held post that neither the formasi nor the jabatan catalogue knows (e.g. a jabatan id
    synced from SIASN) is marked unknown: it takes nobody new, its holders may move out."""
    needs = {
        (r.unit_id, r.jabatan_id): int(r._mapping["count"])
        for r in await conn.execute(sa.select(formasi_need))
    }
    formasi = set(needs)
    for e in employees:
        key = (e.unor_id, e.current_post_id[len(e.unor_id) + 1 :])
        needs.setdefault(key, 0)
    catalogue = {
        r.jabatan_id: json.loads(r.doc) for r in await conn.execute(sa.select(jabatan_catalogue))
    }
    out = []
    for (unit, jab), count in sorted(needs.items()):
        post = post_from(unit, catalogue.get(jab), jab, count)
        if (unit, jab) not in formasi and jab not in catalogue:
            post = replace(post, known=False)
        out.append(post)
    return out


# -- cached employee features (single-vacancy candidates) -----------------------------------

CONSUMER = "matching-read-models"


@dataclass
class Snapshot:
    """All employees of the read model and their features per round setting, reused while
    the read model is unchanged."""

    key: tuple[Any, ...]
    employees: list[Employee]
    features: "OrderedDict[str, Employees]" = field(default_factory=OrderedDict)

    def features_for(self, settings: RoundSettings) -> Employees:
        k = json.dumps(
            [
                settings.effective.isoformat(),
                settings.eligibility.fingerprint(),
                settings.scoring.as_dict(),
                settings.ninebox.as_dict(),
            ],
            sort_keys=True,
        )
        if k not in self.features:
            self.features[k] = employee_features(self.employees, settings)
            while len(self.features) > 4:
                self.features.popitem(last=False)
        self.features.move_to_end(k)
        return self.features[k]


_SNAPSHOTS: dict[str, Snapshot] = {}


async def _snapshot_key(conn: AsyncConnection) -> tuple[Any, ...]:
    """Changes whenever the profiles may have: a profile written in this process, an event
    applied by the consumer (committed with the profile it changed), or rows added/removed."""
    t = employee_profile
    rows = (
        await conn.execute(sa.select(sa.func.count(), sa.func.min(t.c.nip), sa.func.max(t.c.nip)))
    ).one()
    pe_t = platform.processed_events
    done = (
        await conn.execute(
            sa.select(sa.func.count(), sa.func.max(pe_t.c.processed_at)).where(
                pe_t.c.consumer == CONSUMER
            )
        )
    ).one()
    return (_generation, *rows, done[0], str(done[1]))


async def snapshot(conn: AsyncConnection) -> Snapshot:
    """The employees of the read model, loaded once and reused until they change."""
    url = str(conn.engine.url)
    key = await _snapshot_key(conn)
    cached = _SNAPSHOTS.get(url)
    if cached is None or cached.key != key:
        cached = Snapshot(key, await load_employees(conn))
        _SNAPSHOTS[url] = cached
    return cached


async def names(conn: AsyncConnection, nips: list[str]) -> dict[str, str]:
    """Names of the given employees (for exports)."""
    out: dict[str, str] = {}
    t = employee_profile
    for k in range(0, len(nips), 500):
        q = sa.select(t.c.nip, t.c.doc).where(t.c.nip.in_(nips[k : k + 500]))
        for row in await conn.execute(q):
            out[row.nip] = json.loads(row.doc).get("name") or row.nip
    return out
