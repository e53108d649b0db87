"""A small Pemda for the workflow API tests, fed through the real event handler: units,
jabatan, formasi needs, employees, and a kinship fact that plants a relative."""

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from tatamutasi_contracts import EVENT_TYPES
from tatamutasi_contracts.envelope import Envelope
from tatamutasi_matching.app import create_app
from tatamutasi_matching.service.read_models import on_event
from tatamutasi_matching.service.workflow_settings import WorkflowSettings
from tatamutasi_matching.settings import MatchingSettings
from tatamutasi_platform.consumer import Event
from tatamutasi_platform.testing import service_settings

Headers = Callable[..., dict[str, str]]

MOVER = "198501012010011001"  # BPKAD pelaksana, moves to DINKES analis
SECOND = "198602022011012002"  # BPKAD pelaksana
THIRD = "198703032012011003"  # BPKAD pelaksana
RECENT = "199001012015011004"  # BPKAD pelaksana for less than two years (MIN_TENURE_2Y)
HEAD_DINKES = "197001012000011005"  # Kepala Dinas Kesehatan
PENILAI_NIP = "197505052001011006"  # a Tim Penilai member: sibling of MOVER
PPK_NIP = "197202022000011007"  # a PPK delegate: spouse of HEAD_DINKES
OUTSIDER = "198808082013011008"  # DISDIK pelaksana

EMPLOYEES = {
    MOVER: ("BPKAD", "PELAKSANA", "2019-01-01"),
    SECOND: ("BPKAD", "PELAKSANA", "2019-01-01"),
    THIRD: ("BPKAD", "PELAKSANA", "2019-01-01"),
    RECENT: ("BPKAD", "PELAKSANA", "2026-06-01"),
    HEAD_DINKES: ("DINKES", "KADIS", "2020-01-01"),
    PENILAI_NIP: ("BKPSDM", "PELAKSANA", "2019-01-01"),
    PPK_NIP: ("SETDA", "PELAKSANA", "2019-01-01"),
    OUTSIDER: ("DISDIK", "PELAKSANA", "2019-01-01"),
}


def make_client(db_url: str, dev_keys: tuple[bytes, Path]) -> TestClient:
    settings = service_settings(MatchingSettings, db_url=db_url, public_key=dev_keys[1])
    return TestClient(create_app(settings))  # type: ignore[arg-type]


@contextmanager
def pemda_client(db_url: str, dev_keys: tuple[bytes, Path]) -> Iterator[TestClient]:
    with make_client(db_url, dev_keys) as client:
        runtime = client.app.state.runtime  # type: ignore[attr-defined]
        runtime.extras["workflow_settings"] = WorkflowSettings(
            tmt_tolerance_days=30, pemda_name="Pemerintah Kota Uji", ppk_title="WALI KOTA UJI"
        )
        load_pemda(client)
        yield client


def feed(client: TestClient, event_type: str, data: dict[str, Any]) -> None:
    spec = EVENT_TYPES[event_type]
    payload = spec.model.model_validate(data)
    envelope = Envelope.model_validate(
        {
            "specversion": "1.0",
            "id": str(uuid.uuid4()),
            "source": "/tatamutasi/test",
            "type": event_type,
            "time": "2026-01-02T03:04:05.000000Z",
            "subject": "x",
            "datacontenttype": "application/json",
            "sequence": 1,
            "actor": "svc-test",
            "actorrole": "integration",
            "data": payload.model_dump(mode="json"),
        }
    )
    event = Event(envelope, payload, b"", spec.topic.value, 0, 0)
    runtime = client.app.state.runtime  # type: ignore[attr-defined]

    async def apply() -> None:
        async with runtime.engine.begin() as conn:
            await on_event(conn, event)

    assert client.portal is not None
    client.portal.call(apply)


def unit(client: TestClient, unit_id: str, name: str, parent: str | None, eselon: str) -> None:
    feed(
        client,
        "formasi.unit_changed",
        {
            "unit_id": unit_id,
            "change": "created",
            "valid_from": "2020-01-01",
            "name": name,
            "parent_id": parent,
            "unit_type": "dinas",
            "eselon_id": eselon,
        },
    )


def jabatan(client: TestClient, jabatan_id: str, name: str, jenis: str, eselon: str | None) -> None:
    feed(
        client,
        "formasi.jabatan_changed",
        {
            "jabatan_id": jabatan_id,
            "change": "created",
            "name": name,
            "jenis": jenis,
            "level": "pelaksana"
            if jenis == "pelaksana"
            else "fungsional"
            if jenis == "fungsional"
            else "jpt_pratama",
            "eselon_id": eselon,
            "requirements": {},
            "version": 1,
        },
    )


def register(client: TestClient, nip: str, unor: str, jab: str, tmt: str, **extra: Any) -> None:
    body = {
        "nip": nip,
        "name": f"Pegawai {nip[-3:]}",
        "unor_id": unor,
        "jabatan_id": jab,
        "kind": "PNS",
        "sex": "M",
        "tmt_jabatan": tmt,
        "golongan_id": "33",
        "education_level_id": "40",
        "education_field": "Ekonomi",
        "kedudukan_id": "01",
        "tmt_pensiun": "2045-01-01",
        "tmt_cpns": "2010-01-01",
    }
    body.update(extra)
    feed(client, "pegawai.registered", body)


def load_pemda(client: TestClient) -> None:
    for uid, name in (
        ("BPKAD", "Badan Keuangan"),
        ("DINKES", "Dinas Kesehatan"),
        ("BKPSDM", "BKPSDM"),
        ("SETDA", "Sekretariat Daerah"),
        ("DISDIK", "Dinas Pendidikan"),
    ):
        unit(client, uid, name, None, "22")
    unit(client, "DINKES-YANKES", "Bidang Pelayanan Kesehatan", "DINKES", "32")
    jabatan(client, "PELAKSANA", "Pengadministrasi Perkantoran", "pelaksana", None)
    jabatan(client, "ANALIS", "Analis Kebijakan Ahli Muda", "fungsional", None)
    jabatan(client, "KADIS", "Kepala Dinas", "struktural", "22")
    for uid in ("DINKES", "DINKES-YANKES", "BPKAD", "DISDIK"):
        feed(
            client,
            "formasi.need_set",
            {"unit_id": uid, "jabatan_id": "ANALIS", "count": 3, "valid_from": "2020-01-01"},
        )
    for nip, (unor, jab, tmt) in EMPLOYEES.items():
        register(client, nip, unor, jab, tmt)
    feed(
        client,
        "pegawai.family_updated",
        {
            "nip": MOVER,
            "relations": [
                {"other_nip": PENILAI_NIP, "relation": "sibling", "basis": "nik", "confidence": 1.0}
            ],
        },
    )
    feed(
        client,
        "pegawai.family_updated",
        {
            "nip": PPK_NIP,
            "relations": [
                {"other_nip": HEAD_DINKES, "relation": "spouse", "basis": "nik", "confidence": 1.0}
            ],
        },
    )


# -- workflow steps --------------------------------------------------------------------------
ADMIN = {"sub": "bkd-admin"}
PENILAI = {"sub": "penilai-1", "nip": "196901012000011099"}
PPK = {"sub": "ppk-walikota"}


def create(client: TestClient, h: Headers, nip: str = MOVER, **body: Any) -> dict[str, Any]:
    payload = {
        "nip": nip,
        "to_unor_id": "DINKES",
        "to_jabatan_id": "ANALIS",
        "reason": "penyegaran",
        **body,
    }
    r = client.post("/proposals", json=payload, headers=h("admin", **ADMIN))
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def step(
    client: TestClient,
    h: Headers,
    headers: dict[str, str],
    pid: str,
    action: str,
    body: dict[str, Any],
    expect: int = 200,
) -> dict[str, Any]:
    """Read the ETag (as an auditor), then make the transition with `headers`."""
    etag = client.get(f"/proposals/{pid}", headers=h("auditor")).headers["etag"]
    r = client.post(f"/proposals/{pid}/{action}", json=body, headers={**headers, "If-Match": etag})
    assert r.status_code == expect, r.text
    return r.json()  # type: ignore[no-any-return]


def to_state(client: TestClient, h: Headers, pid: str, state: str) -> None:
    """Drive a proposal forward to `state` with the usual actors."""
    order = ["draft", "submitted", "reviewed", "approved", "executed"]
    actions: list[tuple[str, dict[str, str], dict[str, Any]]] = [
        ("submit", h("admin", **ADMIN), {}),
        ("review", h("penilai", **PENILAI), {"recommendation": "agree", "notes": "sesuai"}),
        ("approve", h("ppk", **PPK), {"reason": "disetujui"}),
        (
            "execute",
            h("admin", **ADMIN),
            {"sk_number": "800/1/2026", "sk_date": "2026-11-20", "tmt": "2026-12-01"},
        ),
    ]
    current = client.get(f"/proposals/{pid}", headers=h("auditor")).json()["state"]
    for target, (action, headers, body) in zip(order[1:], actions, strict=True):
        if order.index(target) <= order.index(current):
            continue
        if order.index(target) > order.index(state):
            break
        etag = client.get(f"/proposals/{pid}", headers=h("auditor")).headers["etag"]
        r = client.post(
            f"/proposals/{pid}/{action}", json=body, headers={**headers, "If-Match": etag}
        )
        assert r.status_code == 200, r.text


def outbox_types(client: TestClient) -> list[tuple[str, dict[str, Any]]]:
    import json

    runtime = client.app.state.runtime  # type: ignore[attr-defined]

    async def read() -> list[tuple[str, dict[str, Any]]]:
        t = runtime.tables.outbox
        async with runtime.engine.connect() as conn:
            rows = await conn.execute(sa.select(t.c.type, t.c.data).order_by(t.c.id))
            return [(r.type, json.loads(r.data)) for r in rows]

    assert client.portal is not None
    return client.portal.call(read)  # type: ignore[no-any-return]
