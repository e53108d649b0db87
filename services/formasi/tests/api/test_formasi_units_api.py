"""The unit tree over HTTP: history ("as of"), restructuring, and refusals that leave
nothing half-applied."""

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

Headers = Callable[..., dict[str, str]]


def unit(
    uid: str,
    name: str,
    unit_type: str,
    parent: str | None,
    valid_from: str = "2020-01-01",
    **kw: Any,
) -> dict[str, Any]:
    return {
        "unit_id": uid,
        "name": name,
        "unit_type": unit_type,
        "parent_id": parent,
        "valid_from": valid_from,
        **kw,
    }


def seed(c: TestClient, h: dict[str, str]) -> None:
    for body in (
        unit("P", "Pemerintah Kota Contoh", "pemda", None),
        unit(
            "DINKES",
            "Dinas Kesehatan",
            "dinas",
            "P",
            eselon_id="22",
            head_jabatan_name="Kepala Dinas",
        ),
        unit("BID-P2P", "Bidang P2P", "bidang", "DINKES", eselon_id="32"),
        unit("SEKSI-SURV", "Seksi Surveilans", "seksi", "BID-P2P", eselon_id="41"),
    ):
        r = c.post("/units", json=body, headers=h)
        assert r.status_code == 201, r.text


def test_create_returns_201_etag_and_stages_event_with_actor(
    formasi: TestClient, auth_headers: Headers, outbox: Callable[..., list[dict[str, Any]]]
) -> None:
    seed(formasi, auth_headers("admin", sub="bkd-1"))
    r = formasi.get("/units/DINKES", headers=auth_headers("pegawai"))
    assert r.status_code == 200 and r.headers["etag"] == '"v1"'
    assert r.json()["eselon_id"] == "22" and r.json()["created_by"] == "bkd-1"
    events = outbox("formasi.unit_changed")
    assert len(events) == 4 and {e["actor"] for e in events} == {"bkd-1"}
    listed = formasi.get(
        "/units", params={"parent_id": "DINKES"}, headers=auth_headers("auditor")
    ).json()
    assert [u["unit_id"] for u in listed["items"]] == ["BID-P2P"]


def test_rename_and_move_keep_history_as_of(formasi: TestClient, auth_headers: Headers) -> None:
    h = auth_headers("admin")
    seed(formasi, h)
    formasi.post(
        "/units", json=unit("BID-YANKES", "Bidang Pelayanan", "bidang", "DINKES"), headers=h
    )
    r = formasi.patch(
        "/units/SEKSI-SURV",
        json={
            "valid_from": "2025-07-01",
            "name": "Seksi Surveilans dan Imunisasi",
            "parent_id": "BID-YANKES",
        },
        headers={**h, "If-Match": '"v1"'},
    )
    assert r.status_code == 200, r.text
    assert r.json()["change"] == "moved" and r.headers["etag"] == '"v2"'
    before = formasi.get("/units/SEKSI-SURV", params={"as_of": "2025-06-30"}, headers=h).json()
    after = formasi.get("/units/SEKSI-SURV", params={"as_of": "2025-07-01"}, headers=h).json()
    assert (before["name"], before["parent_id"]) == ("Seksi Surveilans", "BID-P2P")
    assert (after["name"], after["parent_id"]) == ("Seksi Surveilans dan Imunisasi", "BID-YANKES")
    history = formasi.get("/units/SEKSI-SURV/history", headers=h).json()
    assert [(v["valid_from"], v["valid_to"]) for v in history] == [
        ("2020-01-01", "2025-07-01"),
        ("2025-07-01", None),
    ]
    old_tree = formasi.get(
        "/units", params={"as_of": "2024-01-01", "parent_id": "BID-P2P"}, headers=h
    ).json()
    assert [u["unit_id"] for u in old_tree["items"]] == ["SEKSI-SURV"]
    assert formasi.get("/units", params={"parent_id": "BID-P2P"}, headers=h).json()["items"] == []
    renamed = formasi.patch(
        "/units/BID-P2P",
        json={"valid_from": "2025-08-01", "name": "Bidang P2PM"},
        headers={**h, "If-Match": '"v1"'},
    )
    assert renamed.json()["change"] == "renamed"
    assert (
        formasi.get("/units/SEKSI-SURV", params={"as_of": "2019-12-31"}, headers=h).status_code
        == 404
    )


def test_cycle_is_refused_and_nothing_changes(formasi: TestClient, auth_headers: Headers) -> None:
    h = auth_headers("admin")
    seed(formasi, h)
    r = formasi.patch(
        "/units/DINKES",
        json={"valid_from": "2026-01-01", "parent_id": "SEKSI-SURV"},
        headers={**h, "If-Match": '"v1"'},
    )
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"][0]["field"] == "parent_id" and "siklus" in r.json()["detail_id"]
    assert formasi.get("/units/DINKES", headers=h).json()["version"] == 1


def test_bad_input_is_4xx(formasi: TestClient, auth_headers: Headers) -> None:
    h = auth_headers("admin")
    seed(formasi, h)
    bad_type = formasi.post("/units", json=unit("X", "X", "kingdom", "P"), headers=h)
    assert bad_type.status_code == 422 and bad_type.json()["errors"][0]["field"] == "unit_type"
    no_parent = formasi.post("/units", json=unit("X", "X", "seksi", "NOPE"), headers=h)
    assert no_parent.status_code == 422 and no_parent.json()["errors"][0]["field"] == "parent_id"
    parent_too_young = formasi.post(
        "/units", json=unit("X", "X", "seksi", "DINKES", "2019-01-01"), headers=h
    )
    assert parent_too_young.status_code == 422
    dup = formasi.post("/units", json=unit("DINKES", "Again", "dinas", "P"), headers=h)
    assert dup.status_code == 409
    backdated = formasi.patch(
        "/units/DINKES",
        json={"valid_from": "2019-01-01", "name": "Old"},
        headers={**h, "If-Match": '"v1"'},
    )
    assert backdated.status_code == 409 and backdated.json()["errors"][0]["field"] == "valid_from"
    assert (
        formasi.patch(
            "/units/DINKES", json={"valid_from": "2026-01-01", "name": "N"}, headers=h
        ).status_code
        == 428
    )
    stale = formasi.patch(
        "/units/DINKES",
        json={"valid_from": "2026-01-01", "name": "N"},
        headers={**h, "If-Match": '"v9"'},
    )
    assert stale.status_code == 412
    assert (
        formasi.post(
            "/units", json=unit("Y", "Y", "dinas", "P"), headers=auth_headers("operator")
        ).status_code
        == 403
    )
    assert formasi.get("/units/NOPE", headers=h).status_code == 404


def test_close_refuses_orphaning_holders_and_open_sub_units(
    formasi: TestClient, auth_headers: Headers, feed: Callable[..., None], events: Any
) -> None:
    h = auth_headers("admin")
    seed(formasi, h)
    feed(events.registered("198503122010011002", "SEKSI-SURV", "J-X"))
    has_children = formasi.post(
        "/units/BID-P2P/close", json={"valid_from": "2026-01-01"}, headers={**h, "If-Match": '"v1"'}
    )
    assert has_children.status_code == 409 and has_children.json()["children"] == ["SEKSI-SURV"]
    orphan = formasi.post(
        "/units/SEKSI-SURV/close",
        json={"valid_from": "2026-01-01"},
        headers={**h, "If-Match": '"v1"'},
    )
    assert orphan.status_code == 409 and orphan.json()["holders"] == 1
    assert orphan.json()["errors"][0]["field"] == "successor_id"
    assert formasi.get("/units/SEKSI-SURV", headers=h).json()["closed"] is False
    ok = formasi.post(
        "/units/SEKSI-SURV/close",
        json={"valid_from": "2026-01-01", "successor_id": "BID-P2P"},
        headers={**h, "If-Match": '"v1"'},
    )
    assert ok.status_code == 200 and ok.json()["closed"] is True
    assert formasi.get("/units", params={"parent_id": "BID-P2P"}, headers=h).json()["items"] == []


def test_merge_moves_sub_units_and_holders_follow_the_successor(
    formasi: TestClient, auth_headers: Headers, feed: Callable[..., None], events: Any
) -> None:
    h = auth_headers("admin")
    seed(formasi, h)
    formasi.post("/units", json=unit("DINSOS", "Dinas Sosial", "dinas", "P"), headers=h)
    formasi.post(
        "/units",
        json=unit("BID-REHSOS", "Bidang Rehabilitasi Sosial", "bidang", "DINSOS"),
        headers=h,
    )
    feed(events.registered("198503122010011002", "DINSOS", "J-X"))
    r = formasi.post(
        "/units/merge",
        json={
            "sources": ["DINKES", "DINSOS"],
            "target_id": "DINKESOS",
            "valid_from": "2026-01-01",
            "new_target": {
                "name": "Dinas Kesehatan dan Sosial",
                "unit_type": "dinas",
                "parent_id": "P",
            },
        },
        headers=h,
    )
    assert r.status_code == 200, r.text
    assert r.json()["predecessor_ids"] == ["DINKES", "DINSOS"]
    children = formasi.get("/units", params={"parent_id": "DINKESOS"}, headers=h).json()["items"]
    assert sorted(u["unit_id"] for u in children) == ["BID-P2P", "BID-REHSOS"]
    old = formasi.get("/units/DINSOS", params={"as_of": "2025-12-31"}, headers=h).json()
    assert old["closed"] is False and old["name"] == "Dinas Sosial"
    now = formasi.get("/units/DINSOS", headers=h).json()
    assert now["closed"] is True and now["successor_id"] == "DINKESOS"
    bez = formasi.get("/gaps", headers=h).json()
    assert [(p["unit_id"], p["filled"]) for p in bez["posts"]] == [("DINKESOS", 1)]


def test_split_needs_a_successor_when_the_unit_is_held(
    formasi: TestClient, auth_headers: Headers, feed: Callable[..., None], events: Any
) -> None:
    h = auth_headers("admin")
    seed(formasi, h)
    feed(events.registered("198503122010011002", "BID-P2P", "J-X"))
    parts = [
        {"unit_id": "BID-P2M", "name": "Bidang P2M", "unit_type": "bidang", "parent_id": "DINKES"},
        {"unit_id": "BID-PTM", "name": "Bidang PTM", "unit_type": "bidang", "parent_id": "DINKES"},
    ]
    refused = formasi.post(
        "/units/BID-P2P/split", json={"valid_from": "2026-01-01", "parts": parts}, headers=h
    )
    assert refused.status_code == 409
    assert formasi.get("/units/BID-P2M", headers=h).status_code == 404  # nothing half-applied
    r = formasi.post(
        "/units/BID-P2P/split",
        json={"valid_from": "2026-01-01", "parts": parts, "successor_id": "BID-P2M"},
        headers=h,
    )
    assert r.status_code == 200, r.text
    assert [u["predecessor_ids"] for u in r.json()] == [["BID-P2P"], ["BID-P2P"]]
    assert formasi.get("/units/SEKSI-SURV", headers=h).json()["parent_id"] == "BID-P2M"
    assert formasi.get("/units/BID-P2P", headers=h).json()["successor_id"] == "BID-P2M"


def test_idempotency_key_replays_create(
    formasi: TestClient, auth_headers: Headers, outbox: Any
) -> None:
    h = {**auth_headers("admin"), "Idempotency-Key": "u-1"}
    body = unit("P", "Pemkot", "pemda", None)
    first = formasi.post("/units", json=body, headers=h)
    again = formasi.post("/units", json=body, headers=h)
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert len(outbox("formasi.unit_changed")) == 1


def unit_sheet(rows: list[list[Any]]) -> bytes:
    import io

    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("Unit")
    ws.write_row(0, 0, ["unit_id", "name", "unit_type", "parent_id", "eselon_id", "valid_from"])
    for i, r in enumerate(rows, start=1):
        ws.write_row(i, 0, r)
    wb.close()
    return buf.getvalue()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_unit_tree_from_excel_children_first_is_fine_and_errors_apply_nothing(
    formasi: TestClient, auth_headers: Headers, outbox: Any
) -> None:
    h = auth_headers("admin")
    t = formasi.get("/units/template.xlsx", headers=auth_headers("auditor"))
    assert t.status_code == 200 and t.headers["content-type"] == XLSX
    good = unit_sheet(
        [
            ["SEKSI-A", "Seksi A", "seksi", "BID-A", "41", "2024-01-01"],
            ["BID-A", "Bidang A", "bidang", "DINAS-A", "32", "2024-01-01"],
            ["DINAS-A", "Dinas A", "dinas", "", "22", "2024-01-01"],
        ]
    )
    files = {"file": ("u.xlsx", good, XLSX)}
    dry = formasi.post("/units/import", params={"dry_run": "true"}, files=files, headers=h)
    assert dry.status_code == 200, dry.text
    assert (dry.json()["created"], dry.json()["applied"], dry.json()["errors"]) == (3, False, [])
    assert formasi.get("/units", headers=h).json()["items"] == []
    r = formasi.post("/units/import", files=files, headers=h)
    assert r.status_code == 200 and r.json()["created"] == 3
    assert formasi.get("/units/SEKSI-A", headers=h).json()["origin"] == "import"
    renamed = unit_sheet([["BID-A", "Bidang A Baru", "bidang", "DINAS-A", "32", "2025-01-01"]])
    r = formasi.post("/units/import", files={"file": ("u.xlsx", renamed, XLSX)}, headers=h)
    assert (r.json()["changed"], r.json()["created"]) == (1, 0)
    old = formasi.get("/units/BID-A", params={"as_of": "2024-06-01"}, headers=h).json()
    assert old["name"] == "Bidang A"
    n_events = len(outbox("formasi.unit_changed"))
    bad = unit_sheet(
        [
            ["X-1", "Unit X", "kingdom", "", "", "2025-01-01"],
            ["X-2", "", "seksi", "NOPE", "", "2025-01-01"],
            ["X-3", "Unit Y", "seksi", "DINAS-A", "", "bukan tanggal"],
            ["X-4", "Unit Z", "seksi", "DINAS-A", "", "2025-01-01"],
        ]
    )
    r = formasi.post("/units/import", files={"file": ("u.xlsx", bad, XLSX)}, headers=h)
    assert r.status_code == 422
    rows = {(e["row"], e["field"].split(".")[-1]) for e in r.json()["errors"]}
    assert rows == {(2, "unit_type"), (3, "name"), (4, "valid_from")}
    assert formasi.get("/units/X-4", headers=h).status_code == 404  # nothing half-applied
    assert len(outbox("formasi.unit_changed")) == n_events
    cyc = unit_sheet(
        [
            ["C-1", "C1", "bidang", "C-2", "", "2025-01-01"],
            ["C-2", "C2", "bidang", "C-1", "", "2025-01-01"],
        ]
    )
    r = formasi.post(
        "/units/import",
        params={"dry_run": "true"},
        files={"file": ("c.xlsx", cyc, XLSX)},
        headers=h,
    )
    assert r.json()["errors"][0]["field"] == "parent_id"
    assert (
        formasi.post("/units/import", files=files, headers=auth_headers("operator")).status_code
        == 403
    )
