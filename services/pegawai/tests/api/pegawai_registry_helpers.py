"""Shared fixtures and helpers of the registry API tests (imported by the test modules)."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tatamutasi_pegawai.app import create_app
from tatamutasi_pegawai.settings import PegawaiSettings
from tatamutasi_platform.testing import service_settings

Headers = Callable[..., dict[str, str]]
NIP = "198503122010011002"  # born 1985-03-12, CPNS 2010-01, male, serial 002
NIP_F = "199001012015032001"  # born 1990-01-01, CPNS 2015-03, female
NIP_PPPK = "200012312024211001"  # born 2000-12-31, PPPK 2024, first contract, male
MINIMAL = {"nip": NIP, "name": "Budi Santoso", "unor_id": "U-DINKES", "jabatan_id": "J-1"}
REFERENCE = Path(__file__).resolve().parents[4].parent / "shared" / "reference" / "siasn"


def full_body(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        **MINIMAL,
        "gelar_belakang": "S.Kom., M.T.",
        "siasn_id": "7E85A273D894BD8DE050640A3C03ABCD",
        "sex": "M",
        "agama_id": "1",
        "kedudukan_id": "01",
        "tmt_cpns": "2010-01-01",
        "tmt_pns": "2011-01-01",
        "tmt_pensiun": "2043-04-01",
        "jabatan_name": "Kepala Bidang Aplikasi Informatika",
        "jenis_jabatan": "1",
        "eselon_id": "32",
        "tmt_jabatan": "2023-01-02",
        "golongan_id": "41",
        "tmt_golongan": "2022-04-01",
        "education_level_id": "45",
        "education_field": "S-2 Teknik Informatika",
        "education_year": 2012,
        "personal": {
            "nik": "1871011203850001",
            "birth_place": "Bandar Lampung",
            "birth_date": "1985-03-12",
            "address": "Jl. Contoh No. 1",
            "phone": "+62 812 0000 0001",
        },
    }
    body.update(over)
    return body


def make_client(db_url: str, public_key: Path, **over: Any) -> TestClient:
    values: dict[str, Any] = {"reference_path": None, **over}
    settings = service_settings(PegawaiSettings, db_url=db_url, public_key=public_key, **values)
    return TestClient(create_app(settings))  # type: ignore[arg-type]


def events(client: TestClient, type_: str | None = None) -> list[dict[str, Any]]:
    """Outbox rows (type, subject, actor, data) in staging order."""
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    t = runtime.tables.outbox

    async def read() -> list[dict[str, Any]]:
        async with runtime.engine.connect() as conn:
            stmt = sa.select(t.c.type, t.c.subject, t.c.actor, t.c.actorrole, t.c.data)
            return [dict(r._mapping) for r in (await conn.execute(stmt.order_by(t.c.id))).all()]

    assert client.portal is not None
    rows = client.portal.call(read)
    for r in rows:
        r["data"] = orjson.loads(r["data"])
    return [r for r in rows if type_ is None or r["type"] == type_]


def count_rows(client: TestClient, table: str) -> int:
    runtime = client.app.state.runtime  # type: ignore[attr-defined]

    async def count() -> int:
        async with runtime.engine.connect() as conn:
            q = sa.text(f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed table names
            return int((await conn.execute(q)).scalar_one())

    assert client.portal is not None
    return client.portal.call(count)


def register(client: TestClient, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    r = client.post("/pegawai", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def field_codes(response: Any) -> dict[str, str]:
    return {e["field"]: e["code"] for e in response.json()["errors"]}
