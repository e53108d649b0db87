"""Each holder's qualification verdict kept in the bezetting read model (service/verdicts.py):
stored by the events that change it, refreshed when the jabatan's requirements change, the
same after a replay, and the gap report gives the same answer whether it reads the stored
verdicts or computes them (a missing or stale verdict is computed live)."""

from collections.abc import Callable
from datetime import date
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from tatamutasi_formasi.adapters.orm import holders, jabatan

Headers = Callable[..., dict[str, str]]
A, B, C = (f"19850312201001200{i}" for i in range(1, 4))
LOW = {"integritas": 3, "kerjasama": 3, "komunikasi": 3, "pelayananPublik": 1}


def seed(c: TestClient, h: dict[str, str]) -> None:
    for uid, name, kind, parent in (
        ("P", "Pemkot", "pemda", None),
        ("DINKES", "Dinas Kesehatan", "dinas", "P"),
        ("DINKES-SEK", "Seksi Pelayanan", "seksi", "DINKES"),
    ):
        body = {"unit_id": uid, "name": name, "unit_type": kind, "parent_id": parent}
        assert c.post("/units", json={**body, "valid_from": "2020-01-01"}, headers=h).status_code
    for body in (
        {
            "jabatan_id": "J-KASI",
            "name": "Kepala Seksi",
            "jenis": "struktural",
            "eselon_id": "42",
            "requirements": {"training": ["PKP"], "managerial_level": 2},
        },
        {
            "jabatan_id": "J-ANALIS",
            "name": "Analis SDM",
            "jenis": "fungsional",
            "jf_jenjang": "MU",
            "min_golongan_id": "31",
        },
    ):
        assert c.post("/jabatan", json=body, headers=h).status_code == 201


def stored(c: TestClient) -> dict[str, tuple[Any, ...]]:
    runtime = c.app.state.runtime  # type: ignore[attr-defined]

    async def q() -> dict[str, tuple[Any, ...]]:
        h = holders
        stmt = sa.select(h.c.nip, h.c.qual_version, h.c.qual_failed, h.c.qual_unknown)
        async with runtime.engine.connect() as conn:
            return {r[0]: tuple(r[1:]) for r in await conn.execute(stmt)}

    assert c.portal is not None
    return c.portal.call(q)


def execute(c: TestClient, stmt: Any) -> None:
    runtime = c.app.state.runtime  # type: ignore[attr-defined]

    async def q() -> None:
        async with runtime.engine.begin() as conn:
            await conn.execute(stmt)

    assert c.portal is not None
    c.portal.call(q)


def failing(r: dict[str, Any]) -> dict[str, list[str]]:
    return {x["nip"]: x["aspects"] for x in r["not_meeting"]}


def report_events(e: Any) -> list[Any]:
    return [
        e.registered(A, "DINKES-SEK", "J-KASI", golongan_id="33"),
        e.registered(B, "DINKES-SEK", "J-KASI", golongan_id="33"),
        e.registered(C, "DINKES-SEK", "J-ANALIS", golongan_id="22"),
        e.make("pegawai.training_recorded", {"nip": A, "name": "Diklat Kepemimpinan Tingkat IV"}),
        e.make(
            "pegawai.assessment_recorded",
            {"nip": A, "kind": "kompetensi", "year": 2025, "scores": LOW},
        ),
        e.make("pegawai.training_recorded", {"nip": B, "name": "Bimtek SIPD"}),
    ]


def test_stored_verdicts_equal_the_live_ones_and_survive_replay(
    formasi: TestClient, auth_headers: Headers, feed: Callable[..., None], events: Any
) -> None:
    h = auth_headers("admin")
    seed(formasi, h)
    evs = report_events(events)
    feed(*evs)
    kept = stored(formasi)
    assert kept == {
        A: (
            1,
            "managerial",
            "",
        ),
        B: (1, "training", "managerial"),
        C: (1, "golongan", ""),
    }
    read = formasi.get("/gaps", headers=h).json()
    assert failing(read) == {A: ["managerial"], B: ["training"], C: ["golongan"]}
    assert "pelayananPublik" in {x["nip"]: x for x in read["not_meeting"]}[A]["detail"]
    # the same events again (one by one, through a fresh inbox): the same verdicts
    feed(*evs, consumer="replay", one_by_one=True)
    assert stored(formasi) == kept
    # forget every stored verdict (as rows from before migration 0004): computed live, same
    execute(
        formasi,
        sa.update(holders).values(
            qual_version=None, qual_failed=None, qual_unknown=None, qual_detail=None
        ),
    )
    assert formasi.get("/gaps", headers=h).json() == read


def test_verdict_follows_training_and_placement_events(
    formasi: TestClient, auth_headers: Headers, feed: Callable[..., None], events: Any
) -> None:
    h = auth_headers("admin")
    seed(formasi, h)
    feed(
        events.registered(A, "DINKES-SEK", "J-KASI", golongan_id="33"),
        events.make("pegawai.training_recorded", {"nip": A, "name": "Latsar CPNS"}),
    )
    assert stored(formasi)[A] == (1, "training", "managerial")
    assert failing(formasi.get("/gaps", headers=h).json()) == {A: ["training"]}
    feed(events.make("pegawai.training_recorded", {"nip": A, "name": "Pelatihan PKP"}))
    assert stored(formasi)[A] == (1, "", "managerial")
    assert failing(formasi.get("/gaps", headers=h).json()) == {}
    feed(events.make("pegawai.rank_changed", {"nip": A, "golongan_id": "22"}))
    assert stored(formasi)[A] == (1, "golongan", "managerial")
    assert failing(formasi.get("/gaps", headers=h).json()) == {A: ["golongan"]}
    feed(events.placed(A, "DINKES-SEK", "J-ANALIS", tmt=date(2026, 11, 1)))
    assert stored(formasi)[A] == (1, "golongan", "")
    feed(events.make("pegawai.rank_changed", {"nip": A, "golongan_id": "31"}))
    assert stored(formasi)[A] == (1, "", "")
    assert failing(formasi.get("/gaps", headers=h).json()) == {}


def test_jabatan_change_refreshes_verdicts_and_a_stale_one_is_recomputed(
    formasi: TestClient, auth_headers: Headers, feed: Callable[..., None], events: Any
) -> None:
    h = auth_headers("admin")
    seed(formasi, h)
    feed(events.registered(C, "DINKES-SEK", "J-ANALIS", golongan_id="33"))
    assert stored(formasi)[C] == (1, "", "")
    body = {"name": "Analis SDM", "jenis": "fungsional", "jf_jenjang": "MU"}
    body["min_golongan_id"] = "34"
    r = formasi.put("/jabatan/J-ANALIS", json=body, headers={**h, "If-Match": '"v1"'})
    assert r.status_code == 200
    assert stored(formasi)[C] == (2, "golongan", "")
    assert failing(formasi.get("/gaps", headers=h).json()) == {C: ["golongan"]}
    # a catalogue change that did not refresh the verdicts (version moved on): the report
    # sees the stored verdict is stale and checks against the catalogue as it is now
    execute(
        formasi,
        sa.update(jabatan)
        .where(jabatan.c.jabatan_id == "J-ANALIS")
        .values(min_golongan_id="31", version=3),
    )
    assert stored(formasi)[C] == (2, "golongan", "")
    assert failing(formasi.get("/gaps", headers=h).json()) == {}


def test_holder_placed_before_the_jabatan_exists_is_checked_once_it_does(
    formasi: TestClient, auth_headers: Headers, feed: Callable[..., None], events: Any
) -> None:
    h = auth_headers("admin")
    seed(formasi, h)
    feed(events.registered(A, "DINKES-SEK", "J-NEW", golongan_id="22"))
    assert stored(formasi)[A] == (0, "", "")
    body = {
        "jabatan_id": "J-NEW",
        "name": "Pranata Komputer",
        "jenis": "fungsional",
        "jf_jenjang": "MU",
        "min_golongan_id": "31",
    }
    assert formasi.post("/jabatan", json=body, headers=h).status_code == 201
    assert stored(formasi)[A] == (1, "golongan", "")
    assert failing(formasi.get("/gaps", headers=h).json()) == {A: ["golongan"]}
