"""Bezetting from pegawai events: replay and out-of-order safety, acting posts, retirement,
vacancies, SIASN UNOR sync pages, and placement history against the unit as it was."""

from collections.abc import Callable
from datetime import date
from typing import Any

from fastapi.testclient import TestClient

Headers = Callable[..., dict[str, str]]
A, B, C = "198503122010011002", "199001012015032001", "197001011995031001"


def seed(c: TestClient, h: dict[str, str]) -> None:
    for body in (
        {"unit_id": "P", "name": "Pemkot", "unit_type": "pemda", "valid_from": "2020-01-01"},
        {
            "unit_id": "DINKES",
            "name": "Dinas Kesehatan",
            "unit_type": "dinas",
            "parent_id": "P",
            "valid_from": "2020-01-01",
        },
        {
            "unit_id": "BID",
            "name": "Bidang P2P",
            "unit_type": "bidang",
            "parent_id": "DINKES",
            "valid_from": "2020-01-01",
        },
    ):
        assert c.post("/units", json=body, headers=h).status_code == 201
    assert (
        c.post(
            "/jabatan",
            json={
                "jabatan_id": "J-KABID",
                "name": "Kepala Bidang",
                "jenis": "struktural",
                "eselon_id": "32",
            },
            headers=h,
        ).status_code
        == 201
    )
    assert (
        c.post(
            "/jabatan",
            json={"jabatan_id": "J-STAF", "name": "Pengadministrasi", "jenis": "pelaksana"},
            headers=h,
        ).status_code
        == 201
    )
    for jab, n in (("J-KABID", 1), ("J-STAF", 3)):
        r = c.post(
            "/needs",
            json={"unit_id": "BID", "jabatan_id": jab, "valid_from": "2026-01-01", "count": n},
            headers=h,
        )
        assert r.status_code == 200


def bezetting(c: TestClient, h: dict[str, str]) -> list[tuple[str, str, int, int]]:
    return [
        (r["unor_id"], r["jabatan_id"], r["filled"], r["acting"])
        for r in c.get("/bezetting", headers=h).json()
    ]


def history(e: Any) -> list[Any]:
    return [
        e.registered(A, "BID", "J-STAF", golongan_id="32"),
        e.registered(B, "BID", "J-STAF"),
        e.registered(C, "DINKES", "J-STAF", tmt_pensiun="2027-03-01"),
        e.placed(A, "BID", "J-KABID", tmt=date(2026, 2, 1)),
        e.placed(B, "DINKES", "J-STAF"),
        e.acting(C, "BID", "J-KABID"),
        e.status(C, active=False),
    ]


def test_replaying_the_same_events_gives_the_same_bezetting(
    formasi: TestClient, auth_headers: Headers, feed: Callable[..., None], events: Any
) -> None:
    h = auth_headers("admin")
    seed(formasi, h)
    evs = history(events)
    feed(*evs)
    first = bezetting(formasi, h)
    assert first == [("BID", "J-KABID", 1, 1), ("DINKES", "J-STAF", 1, 0)]
    feed(*evs)  # redelivery: the inbox drops them
    feed(*evs, consumer="formasi-rebuild")  # a replay under another consumer name
    feed(*evs, consumer="formasi-rebuild-2", one_by_one=True)
    assert bezetting(formasi, h) == first


def test_out_of_order_delivery_does_not_roll_back(
    formasi: TestClient, auth_headers: Headers, feed: Callable[..., None], events: Any
) -> None:
    h = auth_headers("admin")
    seed(formasi, h)
    reg, moved, retired = (
        events.registered(A, "BID", "J-STAF"),
        events.placed(A, "BID", "J-KABID"),
        events.status(A, active=False),
    )
    feed(retired)  # newest first: not counted until placed
    assert bezetting(formasi, h) == []
    feed(moved)
    feed(reg)  # oldest last: must not move A back to J-STAF nor revive them
    assert bezetting(formasi, h) == []
    holders = formasi.get("/bezetting/holders", headers=h).json()["items"]
    assert holders == []
    # and in a fresh order the result is the same as the in-order outcome
    e2 = [events.registered(B, "BID", "J-STAF"), events.placed(B, "BID", "J-KABID")]
    feed(e2[1])
    feed(e2[0])
    assert bezetting(formasi, h) == [("BID", "J-KABID", 1, 0)]


def test_acting_is_counted_apart_and_ends(
    formasi: TestClient, auth_headers: Headers, feed: Callable[..., None], events: Any
) -> None:
    h = auth_headers("admin")
    seed(formasi, h)
    feed(events.registered(A, "DINKES", "J-STAF"), events.acting(A, "BID", "J-KABID"))
    assert bezetting(formasi, h) == [("BID", "J-KABID", 0, 1), ("DINKES", "J-STAF", 1, 0)]
    report = formasi.get("/gaps", params={"unit_id": "BID"}, headers=h).json()
    kabid = next(p for p in report["posts"] if p["jabatan_id"] == "J-KABID")
    assert (kabid["need"], kabid["filled"], kabid["acting"], kabid["vacant"]) == (1, 0, 1, 1)
    assert formasi.get("/bezetting/acting", headers=h).json()[0]["jenis"] == "PLT"
    feed(events.acting(A, "BID", "J-KABID", active=False))
    assert bezetting(formasi, h) == [("DINKES", "J-STAF", 1, 0)]


def test_vacancies_open_and_close_through_the_outbox(
    formasi: TestClient, auth_headers: Headers, feed: Callable[..., None], events: Any, outbox: Any
) -> None:
    h = auth_headers("admin")
    seed(formasi, h)
    opened = outbox("formasi.vacancy_opened")
    assert (
        len(opened) == 1 and '"jabatan_id":"J-KABID"' in opened[0]["data"]
    )  # need set, nobody there
    assert outbox("formasi.vacancy_opened")[0]["actor"] != ""
    feed(events.registered(A, "BID", "J-KABID", on=date(2026, 11, 10)))
    filled = outbox("formasi.vacancy_filled")
    assert len(filled) == 1 and '"filled_on":"2026-11-10"' in filled[0]["data"]
    assert filled[0]["actor"] == "system:formasi"
    feed(events.status(A, active=False, on=date(2026, 11, 20)))
    assert len(outbox("formasi.vacancy_opened")) == 2
    vacant = formasi.get("/gaps", params={"as_of": "2026-12-20"}, headers=h).json()[
        "vacant_structural"
    ]
    assert [(v["jabatan_id"], v["since"], v["days_vacant"]) for v in vacant] == [
        ("J-KABID", "2026-11-20", 30)
    ]


def test_unor_sync_pages_are_merged_and_applied_once(
    formasi: TestClient, auth_headers: Headers, feed: Callable[..., None], events: Any, outbox: Any
) -> None:
    h = auth_headers("admin")
    page = {
        "sync_id": "s-1",
        "instansi_id": "A5EB03E23C33F6A0E040640A040252AD",
        "pages": 2,
    }
    p1 = events.make(
        "pegawai.unor_synced",
        {
            **page,
            "page": 1,
            "units": [
                {"id": "U-ROOT", "name": "PEMERINTAH PROVINSI LAMPUNG"},
                {
                    "id": "U-DISKOM",
                    "parent_id": "U-ROOT",
                    "name": "DINAS KOMUNIKASI, INFORMATIKA DAN STATISTIK",
                    "eselon_id": "22",
                    "head_jabatan_name": "KEPALA DINAS",
                },
            ],
        },
    )
    p2 = events.make(
        "pegawai.unor_synced",
        {
            **page,
            "page": 2,
            "units": [
                {
                    "id": "U-BIDAPL",
                    "parent_id": "U-DISKOM",
                    "name": "BIDANG APLIKASI INFORMATIKA",
                    "eselon_id": "32",
                },
            ],
        },
    )
    feed(p2)
    assert formasi.get("/units", headers=h).json()["items"] == []  # incomplete: nothing applied
    feed(p1)
    units = {u["unit_id"]: u for u in formasi.get("/units", headers=h).json()["items"]}
    assert set(units) == {"U-ROOT", "U-DISKOM", "U-BIDAPL"}
    assert (units["U-DISKOM"]["unit_type"], units["U-BIDAPL"]["parent_id"]) == ("dinas", "U-DISKOM")
    assert units["U-BIDAPL"]["origin"] == "siasn" and units["U-BIDAPL"]["created_by"] == "bkd-1"
    feed(p1, p2, consumer="replay")
    assert len(outbox("formasi.unor_sync_applied")) == 1
    # a later sync renames one unit and drops another that nobody holds
    p3 = events.make(
        "pegawai.unor_synced",
        {
            "sync_id": "s-2",
            "instansi_id": page["instansi_id"],
            "pages": 1,
            "page": 1,
            "units": [
                {"id": "U-ROOT", "name": "PEMERINTAH PROVINSI LAMPUNG"},
                {
                    "id": "U-DISKOM",
                    "parent_id": "U-ROOT",
                    "name": "DINAS KOMINFO",
                    "eselon_id": "22",
                },
            ],
        },
        on=date(2026, 12, 1),
    )
    feed(events.registered(A, "U-DISKOM", "J-X"))
    feed(p3)
    assert formasi.get("/units/U-DISKOM", headers=h).json()["name"] == "DINAS KOMINFO"
    old = formasi.get("/units/U-DISKOM", params={"as_of": "2026-11-15"}, headers=h).json()
    assert old["name"] == "DINAS KOMUNIKASI, INFORMATIKA DAN STATISTIK"
    assert formasi.get("/units/U-BIDAPL", headers=h).json()["closed"] is True
    applied = outbox("formasi.unor_sync_applied")
    assert '"closed":1' in applied[-1]["data"] and '"updated":1' in applied[-1]["data"]


def test_unor_sync_with_a_cycle_is_refused_whole(
    formasi: TestClient, events: Any, auth_headers: Headers
) -> None:
    runtime = formasi.app.state.runtime  # type: ignore[attr-defined]
    from tatamutasi_formasi.app import CONSUMER_NAME, apply_events, on_event
    from tatamutasi_platform.consumer import IdempotentConsumer

    bad = events.make(
        "pegawai.unor_synced",
        {
            "sync_id": "s-bad",
            "instansi_id": "X",
            "pages": 1,
            "page": 1,
            "units": [
                {"id": "U1", "parent_id": "U2", "name": "DINAS A"},
                {"id": "U2", "parent_id": "U1", "name": "BIDANG B"},
            ],
        },
    )
    c = IdempotentConsumer(
        name=CONSUMER_NAME,
        topics=[],
        settings=runtime.settings,
        engine=runtime.engine,
        tables=runtime.tables,
        bus=runtime.bus,
        metrics=runtime.metrics,
        handler=on_event,
        batch_handler=apply_events,
    )
    assert formasi.portal is not None
    refused = formasi.portal.call(c.apply, [bad])
    assert len(refused) == 1 and "cycle" in refused[0].reason
    assert formasi.get("/units", headers=auth_headers("admin")).json()["items"] == []


def test_a_past_placement_resolves_to_the_unit_as_it_was(
    formasi: TestClient, auth_headers: Headers, feed: Callable[..., None], events: Any
) -> None:
    h = auth_headers("admin")
    seed(formasi, h)
    feed(events.registered(A, "BID", "J-STAF", tmt_jabatan="2021-03-01"))
    r = formasi.patch(
        "/units/BID",
        json={"valid_from": "2025-01-01", "name": "Bidang P2PM"},
        headers={**h, "If-Match": '"v1"'},
    )
    assert r.status_code == 200
    feed(events.placed(A, "BID", "J-KABID", tmt=date(2025, 6, 1)))
    placements = formasi.get(
        f"/bezetting/placements/{A}", headers=auth_headers("pegawai", sub=A)
    ).json()
    assert [(p["tmt"], p["unit_name_then"]) for p in placements] == [
        ("2021-03-01", "Bidang P2P"),
        ("2025-06-01", "Bidang P2PM"),
    ]
    assert (
        formasi.get(
            f"/bezetting/placements/{A}", headers=auth_headers("pegawai", sub=B)
        ).status_code
        == 403
    )


def test_operator_sees_its_units_and_those_under_them(
    formasi: TestClient, auth_headers: Headers, feed: Callable[..., None], events: Any
) -> None:
    h = auth_headers("admin")
    seed(formasi, h)
    feed(events.registered(A, "BID", "J-STAF"), events.registered(B, "P", "J-STAF"))
    op = auth_headers("operator", units=("DINKES",))
    assert bezetting(formasi, op) == [("BID", "J-STAF", 1, 0)]
    assert [x["nip"] for x in formasi.get("/bezetting/holders", headers=op).json()["items"]] == [A]
    assert bezetting(formasi, auth_headers("operator", units=("ELSEWHERE",))) == []
    assert formasi.get("/bezetting", headers=auth_headers("pegawai")).status_code == 403
