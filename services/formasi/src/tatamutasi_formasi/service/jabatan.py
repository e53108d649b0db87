"""Jabatan catalogue use cases: struktural, fungsional (with jenjang) and pelaksana posts with
their requirements. Defaults (rank range, managerial level) come from the domain tables when
not given; every requirement code is checked before anything is stored."""

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from tatamutasi_contracts.formasi import (
    CompetencyOut,
    ConditionOut,
    EducationOptionOut,
    FormasiJabatanChanged,
    JabatanRequirementsOut,
)
from tatamutasi_formasi.adapters.orm import jabatan, jabatan_versions
from tatamutasi_formasi.domain import requirements as rq
from tatamutasi_formasi.domain.codes import (
    ESELON,
    JF_JENJANG,
    UNIT_TYPES,
    JabatanJenis,
    JabatanLevel,
    default_rank_range,
    level_for,
)
from tatamutasi_formasi.service import verdicts
from tatamutasi_formasi.service.common import Emit, dumps, loads
from tatamutasi_platform.clock import as_utc, utcnow
from tatamutasi_platform.errors import Conflict, Invalid, NotFound


@dataclass(frozen=True)
class JabatanSpec:
    name: str
    jenis: JabatanJenis
    eselon_id: str | None = None
    jf_jenjang: str | None = None
    bkn_ref_id: str | None = None
    kelas_jabatan: int | None = None
    rumpun: str | None = None
    min_golongan_id: str | None = None
    max_golongan_id: str | None = None
    unit_types: tuple[str, ...] = ()
    education: tuple[rq.EducationOption, ...] = ()
    managerial_level: int | None = None
    technical: tuple[rq.Competency, ...] = ()
    training: tuple[str, ...] = ()
    conditions: tuple[rq.Condition, ...] = ()


@dataclass(frozen=True)
class JabatanView:
    jabatan_id: str
    name: str
    jenis: JabatanJenis
    level: JabatanLevel
    eselon_id: str | None
    jf_jenjang: str | None
    bkn_ref_id: str | None
    kelas_jabatan: int | None
    rumpun: str | None
    unit_types: tuple[str, ...]
    requirements: rq.Requirements
    version: int
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str
    defaults_applied: tuple[str, ...] = field(default=())


def requirements_to_json(r: rq.Requirements) -> dict[str, Any]:
    return {
        "education": [
            {"min_level_id": o.min_level_id, "fields": list(o.fields)} for o in r.education
        ],
        "managerial_level": r.managerial_level,
        "technical": [{"code": c.code, "level": c.level} for c in r.technical],
        "training": list(r.training),
        "conditions": [
            {
                "code": c.code,
                "op": c.op,
                "value": list(c.value) if isinstance(c.value, tuple) else c.value,
            }
            for c in r.conditions
        ],
    }


def requirements_from_json(
    d: dict[str, Any], min_gol: str | None, max_gol: str | None
) -> rq.Requirements:
    return rq.Requirements(
        min_golongan_id=min_gol,
        max_golongan_id=max_gol,
        education=tuple(
            rq.EducationOption(o["min_level_id"], tuple(o.get("fields") or ()))
            for o in d.get("education") or ()
        ),
        managerial_level=d.get("managerial_level"),
        technical=tuple(rq.Competency(c["code"], c["level"]) for c in d.get("technical") or ()),
        training=tuple(d.get("training") or ()),
        conditions=tuple(
            rq.Condition(
                c["code"],
                c["op"],
                tuple(c["value"]) if isinstance(c["value"], list) else c["value"],
            )
            for c in d.get("conditions") or ()
        ),
    )


def _view(row: Any) -> JabatanView:
    m = row._mapping
    return JabatanView(
        m["jabatan_id"],
        m["name"],
        m["jenis"],
        m["level"],
        m["eselon_id"],
        m["jf_jenjang"],
        m["bkn_ref_id"],
        m["kelas_jabatan"],
        m["rumpun"],
        tuple(loads(m["unit_types"]) or ()),
        requirements_from_json(
            loads(m["requirements"]) or {}, m["min_golongan_id"], m["max_golongan_id"]
        ),
        m["version"],
        as_utc(m["created_at"]),
        m["created_by"],
        as_utc(m["updated_at"]),
        m["updated_by"],
    )


def resolve(spec: JabatanSpec) -> tuple[JabatanLevel, rq.Requirements, tuple[str, ...]]:
    """Check the spec and fill in defaults. Returns the level, the requirements and the
    names of the defaults applied. Raises Invalid (with the field) on bad input."""
    if spec.jenis == "struktural":
        if spec.eselon_id not in ESELON:
            raise Invalid(
                "A struktural jabatan needs a known eselon_id (e.g. 22 = II.b, 32 = III.b)",
                "Jabatan struktural memerlukan kode eselon yang dikenal (mis. 22 = II.b)",
                field="eselon_id",
            )
        if spec.jf_jenjang is not None:
            raise Invalid(
                "Only a fungsional jabatan has a jenjang",
                "Hanya jabatan fungsional yang memiliki jenjang",
                field="jf_jenjang",
            )
    elif spec.jenis == "fungsional":
        if spec.jf_jenjang not in JF_JENJANG:
            raise Invalid(
                f"A fungsional jabatan needs a jenjang, one of {', '.join(JF_JENJANG)}",
                f"Jabatan fungsional memerlukan jenjang, salah satu dari {', '.join(JF_JENJANG)}",
                field="jf_jenjang",
            )
        if spec.eselon_id is not None:
            raise Invalid(
                "Only a struktural jabatan has an eselon",
                "Hanya jabatan struktural yang memiliki eselon",
                field="eselon_id",
            )
    elif spec.eselon_id is not None or spec.jf_jenjang is not None:
        raise Invalid(
            "A pelaksana jabatan has neither eselon nor jenjang",
            "Jabatan pelaksana tidak memiliki eselon maupun jenjang",
            field="jenis",
        )
    for i, t in enumerate(spec.unit_types):
        if t not in UNIT_TYPES:
            raise Invalid(
                f"Unknown unit type {t!r}",
                f"Jenis unit {t!r} tidak dikenal",
                field=f"unit_types[{i}]",
            )
    level = level_for(spec.jenis, spec.eselon_id)
    applied: list[str] = []
    lo, hi = spec.min_golongan_id, spec.max_golongan_id
    dlo, dhi = default_rank_range(spec.jenis, spec.eselon_id, spec.jf_jenjang)
    if lo is None and dlo is not None:
        lo = dlo
        applied.append("min_golongan_id")
    if hi is None and dhi is not None:
        hi = dhi
        applied.append("max_golongan_id")
    managerial = spec.managerial_level
    if managerial is None:
        managerial = rq.default_managerial_level(level)
        if managerial is not None:
            applied.append("managerial_level")
    req = rq.Requirements(
        min_golongan_id=lo,
        max_golongan_id=hi,
        education=spec.education,
        managerial_level=managerial,
        technical=spec.technical,
        training=spec.training,
        conditions=spec.conditions,
    )
    try:
        rq.validate(req)
    except rq.RequirementError as exc:
        raise Invalid(exc.en, exc.id_, field=exc.field) from None
    return level, req, tuple(applied)


def _event(v: JabatanView, change: str) -> FormasiJabatanChanged:
    r = v.requirements
    return FormasiJabatanChanged(
        jabatan_id=v.jabatan_id,
        change=change,  # type: ignore[arg-type]
        name=v.name,
        jenis=v.jenis,
        level=v.level,
        eselon_id=v.eselon_id,
        jf_jenjang=v.jf_jenjang,
        bkn_ref_id=v.bkn_ref_id,
        kelas_jabatan=v.kelas_jabatan,
        rumpun=v.rumpun,
        min_golongan_id=r.min_golongan_id,
        max_golongan_id=r.max_golongan_id,
        unit_types=list(v.unit_types),
        requirements=JabatanRequirementsOut(
            education=[
                EducationOptionOut(min_level_id=o.min_level_id, fields=list(o.fields))
                for o in r.education
            ],
            managerial_level=r.managerial_level,
            technical=[CompetencyOut(code=c.code, level=c.level) for c in r.technical],
            training=list(r.training),
            conditions=[
                ConditionOut(
                    code=c.code,
                    op=c.op,
                    value=list(c.value) if isinstance(c.value, tuple) else c.value,
                )
                for c in r.conditions
            ],
        ),
        version=v.version,
    )


def _values(spec: JabatanSpec, level: str, req: rq.Requirements) -> dict[str, Any]:
    return {
        "name": spec.name,
        "jenis": spec.jenis,
        "level": level,
        "eselon_id": spec.eselon_id,
        "jf_jenjang": spec.jf_jenjang,
        "bkn_ref_id": spec.bkn_ref_id,
        "kelas_jabatan": spec.kelas_jabatan,
        "rumpun": spec.rumpun,
        "min_golongan_id": req.min_golongan_id,
        "max_golongan_id": req.max_golongan_id,
        "unit_types": dumps(list(spec.unit_types)),
        "requirements": dumps(requirements_to_json(req)),
    }


# -- versions (every change of the catalogue is kept) -----------------------------------------
_VERSIONED = (
    "name", "jenis", "level", "eselon_id", "jf_jenjang", "bkn_ref_id", "kelas_jabatan",
    "rumpun", "min_golongan_id", "max_golongan_id", "unit_types", "requirements",
)  # fmt: skip


@dataclass(frozen=True)
class JabatanVersion:
    jabatan: JabatanView  # the entry as it was after this change
    change: str  # created | updated
    changed_at: datetime
    changed_by: str


async def _record_version(
    conn: AsyncConnection, jabatan_id: str, change: str, actor: str, at: datetime
) -> None:
    row = (
        (await conn.execute(sa.select(jabatan).where(jabatan.c.jabatan_id == jabatan_id)))
        .mappings()
        .one()
    )
    await conn.execute(
        jabatan_versions.insert().values(
            jabatan_id=jabatan_id,
            version=row["version"],
            change=change,
            data=json.dumps({k: row[k] for k in _VERSIONED}, sort_keys=True),
            changed_at=at,
            changed_by=actor,
        )
    )


def _version_view(r: Any, first: Any) -> JabatanVersion:
    m = r._mapping
    d = json.loads(m["data"])
    view = JabatanView(
        m["jabatan_id"],
        d["name"],
        d["jenis"],
        d["level"],
        d["eselon_id"],
        d["jf_jenjang"],
        d["bkn_ref_id"],
        d["kelas_jabatan"],
        d["rumpun"],
        tuple(loads(d["unit_types"]) or ()),
        requirements_from_json(
            loads(d["requirements"]) or {}, d["min_golongan_id"], d["max_golongan_id"]
        ),
        m["version"],
        as_utc(first["changed_at"]),
        first["changed_by"],
        as_utc(m["changed_at"]),
        m["changed_by"],
    )
    return JabatanVersion(view, m["change"], as_utc(m["changed_at"]), m["changed_by"])


async def history(conn: AsyncConnection, jabatan_id: str) -> list[JabatanVersion]:
    """Every version of one catalogue entry, oldest first."""
    rows = (
        await conn.execute(
            sa.select(jabatan_versions)
            .where(jabatan_versions.c.jabatan_id == jabatan_id)
            .order_by(jabatan_versions.c.version)
        )
    ).all()
    return [_version_view(r, rows[0]._mapping) for r in rows]


async def all_jabatan_as_of(conn: AsyncConnection, on: date) -> dict[str, JabatanView]:
    """The catalogue as it stood at the end of `on` (UTC): for each jabatan its newest
    version changed by then; entries created later are taken as first recorded (a need or
    placement may name them before the catalogue caught up)."""
    end = datetime.combine(on + timedelta(days=1), time.min, tzinfo=UTC)
    rows = (
        await conn.execute(sa.select(jabatan_versions).order_by(jabatan_versions.c.version))
    ).all()
    first: dict[str, Any] = {}
    chosen: dict[str, Any] = {}
    for r in rows:
        m = r._mapping
        first.setdefault(m["jabatan_id"], m)
        if as_utc(m["changed_at"]) < end or m["jabatan_id"] not in chosen:
            chosen[m["jabatan_id"]] = r
    out = {jid: _version_view(r, first[jid]).jabatan for jid, r in chosen.items()}
    # entries without any recorded version (none after migration 0003) as they are now
    for jid, v in (await all_jabatan(conn)).items():
        out.setdefault(jid, v)
    return out


async def get(conn: AsyncConnection, jabatan_id: str) -> JabatanView | None:
    row = (await conn.execute(sa.select(jabatan).where(jabatan.c.jabatan_id == jabatan_id))).first()
    return _view(row) if row else None


async def all_jabatan(conn: AsyncConnection) -> dict[str, JabatanView]:
    return {v.jabatan_id: v for v in (_view(r) for r in await conn.execute(sa.select(jabatan)))}


async def page(
    conn: AsyncConnection,
    *,
    after: str | None,
    limit: int,
    jenis: str | None = None,
    rumpun: str | None = None,
    q: str | None = None,
) -> list[JabatanView]:
    stmt = sa.select(jabatan).order_by(jabatan.c.jabatan_id).limit(limit)
    if after is not None:
        stmt = stmt.where(jabatan.c.jabatan_id > after)
    if jenis is not None:
        stmt = stmt.where(jabatan.c.jenis == jenis)
    if rumpun is not None:
        stmt = stmt.where(jabatan.c.rumpun == rumpun)
    if q:
        stmt = stmt.where(sa.func.lower(jabatan.c.name).like(f"%{q.lower()}%"))
    return [_view(r) for r in await conn.execute(stmt)]


async def create(
    conn: AsyncConnection, emit: Emit, actor: str, jabatan_id: str, spec: JabatanSpec
) -> JabatanView:
    level, req, applied = resolve(spec)
    if await get(conn, jabatan_id) is not None:
        raise Conflict(
            f"Jabatan {jabatan_id!r} already exists",
            f"Jabatan {jabatan_id!r} sudah ada",
            field="jabatan_id",
        )
    now = utcnow()
    await conn.execute(
        jabatan.insert().values(
            jabatan_id=jabatan_id,
            **_values(spec, level, req),
            version=1,
            created_at=now,
            created_by=actor,
            updated_at=now,
            updated_by=actor,
        )
    )
    await _record_version(conn, jabatan_id, "created", actor, now)
    await verdicts.refresh_jabatan(conn, jabatan_id)  # holders placed before it was catalogued
    view = await get(conn, jabatan_id)
    assert view is not None
    await emit(_event(view, "created"), jabatan_id)
    return JabatanView(**{**view.__dict__, "defaults_applied": applied})


async def update(
    conn: AsyncConnection,
    emit: Emit,
    actor: str,
    jabatan_id: str,
    spec: JabatanSpec,
    *,
    expected_version: int,
) -> JabatanView:
    cur = await get(conn, jabatan_id)
    if cur is None:
        raise NotFound(
            f"Jabatan {jabatan_id!r} does not exist", f"Jabatan {jabatan_id!r} tidak ditemukan"
        )
    if cur.version != expected_version:
        raise Conflict(
            f"Jabatan {jabatan_id!r} changed (version {cur.version}); read it again",
            f"Jabatan {jabatan_id!r} sudah berubah (versi {cur.version}); muat ulang",
        )
    level, req, applied = resolve(spec)
    now = utcnow()
    await conn.execute(
        sa.update(jabatan)
        .where(jabatan.c.jabatan_id == jabatan_id, jabatan.c.version == expected_version)
        .values(
            **_values(spec, level, req),
            version=cur.version + 1,
            updated_at=now,
            updated_by=actor,
        )
    )
    await _record_version(conn, jabatan_id, "updated", actor, now)
    await verdicts.refresh_jabatan(conn, jabatan_id)  # its holders against the new requirements
    view = await get(conn, jabatan_id)
    assert view is not None
    await emit(_event(view, "updated"), jabatan_id)
    return JabatanView(**{**view.__dict__, "defaults_applied": applied})
