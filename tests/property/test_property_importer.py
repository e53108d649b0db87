"""The pegawai importer, property-based (issue #12, item 3): random files of valid and broken
rows (bad NIPs, impossible dates, birth dates or sex that contradict the NIP, missing names,
NIPs repeated in the file or already registered). Every row is either imported or reported
with a per-row error naming its column, exactly the broken ones are reported, and nothing is
half-applied: without `partial` one broken row means no row at all is in the registry; with
it, exactly the valid rows are, each with its `pegawai.registered` event."""

import csv
import io
import itertools
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tatamutasi_pegawai.app import create_app
from tatamutasi_pegawai.settings import PegawaiSettings
from tatamutasi_platform.testing import service_settings

HEAD = ["NIP", "Nama", "Jenis Kelamin", "Tanggal Lahir", "ID Unit Kerja", "ID Jabatan"]
FLAWS = ["nip", "date", "birth", "sex", "sex_nip", "name", "dup_file", "dup_registry"]
FLAW_COLUMN = {
    "nip": "NIP",
    "date": "Tanggal Lahir",
    "birth": "Tanggal Lahir",
    "sex": "Jenis Kelamin",
    "sex_nip": "Jenis Kelamin",
    "name": "Nama",
    "dup_file": "NIP",
    "dup_registry": "NIP",
}
FAST = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
LONG = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_serials = itertools.count(1)


def fresh_nip() -> tuple[str, date, int]:
    """A valid PNS NIP never used before in this run: (nip, birth date, sex digit)."""
    k = next(_serials)
    birth = date(1975, 1, 1) + timedelta(days=k)
    sex = 1 + k % 2
    return f"{birth:%Y%m%d}200001{sex}{1 + k % 999:03d}", birth, sex


@pytest.fixture
def client(db_url: str, dev_keys: tuple[bytes, Path]) -> Iterator[TestClient]:
    settings_ = service_settings(
        PegawaiSettings,
        db_url=db_url,
        public_key=dev_keys[1],
        reference_path=None,
        consumer_enabled=False,
        relay_enabled=False,
    )
    with TestClient(create_app(settings_)) as c:  # type: ignore[arg-type]
        yield c


def make_rows(flaws: list[str | None], registered: list[str]) -> tuple[list[list[str]], set[int]]:
    """CSV rows and the (1-based) data rows that must be reported."""
    rows: list[list[str]] = []
    broken: set[int] = set()
    for i, flaw in enumerate(flaws, start=1):
        nip, birth, sex = fresh_nip()
        row = [nip, f"Pegawai {nip[-6:]}", "L" if sex == 1 else "P", f"{birth:%d-%m-%Y}"]
        row += ["U-A", "J-1"]
        if flaw == "dup_file" and not rows:
            flaw = None
        if flaw == "dup_registry" and not registered:
            flaw = None
        if flaw == "nip":
            row[0] = nip[:12] + "13" + nip[14:]  # no month 13, no PPPK marker
        elif flaw == "date":
            row[3] = "31-02-1985"
        elif flaw == "birth":
            row[3] = f"{birth + timedelta(days=1):%d-%m-%Y}"
        elif flaw == "sex":
            row[2] = "X"
        elif flaw == "sex_nip":
            row[2] = "P" if sex == 1 else "L"
        elif flaw == "name":
            row[1] = ""
        elif flaw == "dup_file":
            row[0] = rows[0][0]
            row[2], row[3] = rows[0][2], rows[0][3]
        elif flaw == "dup_registry":
            row[0] = registered[0]
            row[2], row[3] = "", ""
        if flaw is not None:
            broken.add(i)
        rows.append(row)
    return rows, broken


def present(client: TestClient, h: dict[str, str], nip: str) -> bool:
    r = client.get(f"/pegawai/{nip}", headers=h)
    assert r.status_code in (200, 404, 422), r.text  # 422: not even a NIP
    return r.status_code == 200


def _check(
    client: TestClient,
    h: dict[str, str],
    registered: list[str],
    flaws: list[str | None],
    partial: bool,
    csv_delimiter: str,
) -> None:
    rows, broken = make_rows(flaws, registered)
    if 1 in broken and flaws[0] == "nip":  # a dup_file row copies row 1: keep its verdict
        broken |= {i for i, f in enumerate(flaws, start=1) if f == "dup_file" and i > 1}
    buf = io.StringIO()
    csv.writer(buf, delimiter=csv_delimiter).writerows([HEAD, *rows])
    r = client.post(
        "/import/pegawai",
        params={"partial": str(partial).lower()},
        files={"file": ("p.csv", buf.getvalue().encode(), "text/csv")},
        headers=h,
    )
    assert r.status_code in (200, 422), r.text
    report: dict[str, Any] = r.json()
    reported = {e["row"] - 1 for e in report["errors"]}  # spreadsheet row 2 = data row 1
    assert reported == broken, (flaws, report["errors"])
    for e in report["errors"]:
        assert e["reason"] and e["reason_en"] and e["column"]
    for i in broken:
        flaw = flaws[i - 1] or ""
        columns = {e["column"] for e in report["errors"] if e["row"] - 1 == i}
        if flaw in FLAW_COLUMN and not (flaw == "dup_file" and flaws[0] == "nip"):
            assert FLAW_COLUMN[flaw] in columns, (flaw, columns)
    valid = len(rows) - len(broken)
    assert (report["rows"], report["valid"]) == (len(rows), valid)
    applied = partial or not broken
    assert report["imported"] == (valid if applied else 0)
    assert r.status_code == (422 if broken and not partial else 200)
    for i, row in enumerate(rows, start=1):
        if flaws[i - 1] == "dup_registry" and i in broken:
            assert present(client, h, row[0])  # the earlier registration, untouched
            continue
        if flaws[i - 1] == "dup_file" and i in broken:
            continue  # its NIP is row 1's
        assert present(client, h, row[0]) == (applied and i not in broken), (i, flaws)
    registered += [row[0] for i, row in enumerate(rows, 1) if applied and i not in broken]


flaw_lists = st.lists(st.one_of(st.none(), st.sampled_from(FLAWS)), min_size=1, max_size=8)


@FAST
@given(flaws=flaw_lists, partial=st.booleans(), delimiter=st.sampled_from([",", ";"]))
def test_every_row_is_imported_or_reported_and_nothing_is_half_applied(
    client: TestClient,
    auth_headers: Any,
    flaws: list[str | None],
    partial: bool,
    delimiter: str,
) -> None:
    registered = client.__dict__.setdefault("registered_nips", [])
    _check(client, auth_headers("admin"), registered, flaws, partial, delimiter)


@pytest.mark.chaos
@LONG
@given(flaws=flaw_lists, partial=st.booleans(), delimiter=st.sampled_from([",", ";"]))
def test_every_row_is_imported_or_reported_long(
    client: TestClient,
    auth_headers: Any,
    flaws: list[str | None],
    partial: bool,
    delimiter: str,
) -> None:
    registered = client.__dict__.setdefault("registered_nips", [])
    _check(client, auth_headers("admin"), registered, flaws, partial, delimiter)
