"""Personal data scan across the whole system (issue #12, item 6).

A realistic run on real processes, a real broker and real databases: employees registered
with NIK, birth dates, phones, addresses and family members; an Excel/CSV import with
personal columns; a SIASN sync from the fake (its personal and family data, its tokens);
a plan, a proposal proposed, reviewed, approved and executed (written back to SIASN); a
ledger export and registry exports. Then everything the run produced is scanned for those
values in clear.

Policy (DOMAIN.md: personal data is restricted; events carry derived facts only). The
kinds: NIK, birth date, phone, address, family member names, SIASN secrets and tokens (and
our own bearer tokens).

| where it ended up                           | personal data (5 kinds) | secrets, tokens |
|---------------------------------------------|-------------------------|-----------------|
| logs of every service and of the broker     | never                   | never           |
| events on every topic, DLQs included        | never                   | never           |
| ledger entries (API), ledger exports        | never                   | never           |
| registry export as auditor or operator      | never                   | never           |
| registry export and API as admin            | yes (keeps the registry)| not scanned     |

Birth dates are searched as dates (`1983-07-19`, `19-07-1983`): a NIP encodes the birth date
as its first 8 digits by law, and NIPs are the registry's identifiers. A family member who is
an employee too is named in events as an employee: such names are left out of the scan."""

import asyncio
import io
import re
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from test_workflow_e2e import JABATAN, candidates, ok, siasn_env, transition

from system_harness import System, ledger_items, wait_until
from tatamutasi_cli.runner import wait_healthy
from tatamutasi_pegawai.siasn_fake import FakeSiasn
from tatamutasi_pegawai.siasn_fake.app import CONSUMER_SECRET, SSO_PASSWORD
from tatamutasi_pegawai.siasn_fake.serve import serve_in_thread
from tatamutasi_platform.clock import utcnow

pytestmark = [pytest.mark.system, pytest.mark.kafka, pytest.mark.slow]

Headers = Callable[..., dict[str, str]]
INFO = {"LOG_LEVEL": "INFO"}  # what production runs at


def own_people() -> list[dict[str, Any]]:
    """Employees we register by hand, with distinctive personal data."""
    return [
        {
            "nip": "198307192008011003",
            "name": "Rahmat Hidayat",
            "personal": {
                "nik": "1871021907830004",
                "birth_place": "Kotabumi",
                "birth_date": "1983-07-19",
                "address": "Jl. Pagar Alam Gang Mawar No. 17, Kedaton",
                "phone": "+62 812-7788-4411",
                "email": "rahmat.hidayat83@contoh.go.id",
            },
            "family": [
                {"relation": "spouse", "name": "Nurul Fadhilah Rahmawati",
                 "nik": "1871025508860002", "birth_date": "1986-08-15"},
                {"relation": "child", "name": "Aisyah Putri Hidayati",
                 "nik": "1871024403120001", "birth_date": "2012-03-04"},
            ],
        },
        {
            "nip": "199104232015032002",
            "name": "Wulan Sekarsari",
            "personal": {
                "nik": "1871036304910003",
                "birth_place": "Pringsewu",
                "birth_date": "1991-04-23",
                "address": "Perumahan Griya Sejahtera Blok C3 No. 9",
                "phone": "081377120955",
            },
            "family": [
                {"relation": "mother", "name": "Sumarni Wiryoatmojo", "birth_date": "1962-11-30"},
            ],
        },
    ]  # fmt: skip


IMPORT_CSV = (
    "NIP,Nama,Jenis Kelamin,Tanggal Lahir,Tempat Lahir,NIK,ID Unit Kerja,ID Jabatan\n"
    "197902142006041001,Bambang Sutrisno,L,14-02-1979,Menggala,1805011402790007,{unit},{jab}\n"
    "198811052011012002,Dewi Anggraini,P,1988-11-05,Liwa,1804014511880001,{unit},{jab}\n"
)


def start(system: System, name: str, **env: str) -> str:
    """`System.start`, with more patience on a loaded machine (importing OR-Tools and SciPy
    alone can take a minute when the CPUs are shared)."""
    try:
        return system.start(name, **env)
    except TimeoutError:
        wait_healthy(system.url(name), system.procs[name], timeout=240)
        return system.url(name)


def date_forms(value: str | date | None) -> set[str]:
    if not value:
        return set()
    d = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return {d.isoformat(), f"{d:%d-%m-%Y}", f"{d:%d/%m/%Y}"}


def consume_everything(bootstrap: str) -> dict[str, list[bytes]]:
    """Every message on every topic (DLQs included), from the beginning: key, value and
    headers as bytes."""

    async def run() -> dict[str, list[bytes]]:
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
        await consumer.start()
        try:
            topics = sorted(await consumer.topics())
            parts = [
                TopicPartition(t, p)
                for t in topics
                for p in sorted(consumer.partitions_for_topic(t) or ())
            ]
            consumer.assign(parts)
            await consumer.seek_to_beginning(*parts)
            ends = await consumer.end_offsets(parts)
            out: dict[str, list[bytes]] = {t: [] for t in topics}
            left = {tp for tp in parts if ends[tp] > 0}
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 120
            while left and loop.time() < deadline:
                batch = await consumer.getmany(timeout_ms=500, max_records=5000)
                for tp, records in batch.items():
                    for rec in records:
                        blob = (rec.key or b"") + b"\n" + (rec.value or b"")
                        for k, v in rec.headers or ():
                            blob += b"\n" + k.encode() + b"=" + (v or b"")
                        out[tp.topic].append(blob)
                        if rec.offset + 1 >= ends[tp]:
                            left.discard(tp)
            assert not left, f"could not read to the end of {left}"
            return out
        finally:
            await consumer.stop()

    return asyncio.run(run())


def unzip_text(data: bytes) -> str:
    if data[:2] != b"PK":
        return data.decode("utf-8", errors="replace")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "\n".join(z.read(n).decode("utf-8", errors="replace") for n in z.namelist())


def test_no_personal_data_or_secret_in_logs_events_ledger_or_exports(
    system_factory: Callable[..., System], auth_headers: Headers, tmp_path: Path
) -> None:
    fake = FakeSiasn(seed=23, employees=6)
    system = system_factory()
    admin = auth_headers("admin", sub="bkd-admin")
    auditor = auth_headers("auditor")
    penilai = auth_headers("penilai", sub="penilai-1", nip="196901012000011099")
    ppk = auth_headers("ppk", sub="ppk-walikota")
    people = own_people()
    with serve_in_thread(fake) as siasn_url, httpx.Client(timeout=60) as c:
        start(system, "audit", **INFO)
        formasi = start(system, "formasi", **INFO)
        matching = start(system, "matching", **INFO)
        pegawai = start(system, "pegawai", **INFO, **siasn_env(siasn_url, fake))

        # 1. SIASN: employees, their personal and family data, the unit tree
        nips = fake.data.nips[:6]
        job = ok(c.post(f"{pegawai}/siasn/sync", json={"nips": nips, "unor": True}, headers=admin))
        wait_until(
            lambda: (
                c.get(f"{pegawai}/siasn/sync/{job['id']}", headers=admin).json()["status"]
                not in ("queued", "running")
            ),
            timeout=180,
            what="the SIASN sync",
        )
        unit = fake.data.employees[nips[0]].unor.id
        jab = c.get(f"{pegawai}/pegawai/{nips[0]}", headers=admin).json()["jabatan_id"]

        # 2. by hand: employees with personal data and family members
        for i, p in enumerate(people):
            body = {k: v for k, v in p.items() if k != "family"}
            body.update(unor_id=unit, jabatan_id=jab)
            ok(
                c.post(
                    f"{pegawai}/pegawai",
                    json=body,
                    headers={**admin, "Idempotency-Key": f"pii-reg-{i}"},
                ),
                200,
                201,
            )
            for j, member in enumerate(p["family"]):
                ok(
                    c.post(
                        f"{pegawai}/pegawai/{p['nip']}/keluarga",
                        json=member,
                        headers={**admin, "Idempotency-Key": f"pii-kel-{i}-{j}"},
                    ),
                    200,
                    201,
                )
        # 3. an import with personal columns
        data = IMPORT_CSV.format(unit=unit, jab=jab).encode()
        imported = ok(
            c.post(
                f"{pegawai}/import/pegawai",
                files={"file": ("pegawai.csv", data, "text/csv")},
                headers={**admin, "Idempotency-Key": "pii-import"},
            )
        )
        assert imported["imported"] == 2, imported

        # 4. a vacancy, a plan, a proposal through the whole workflow, written back
        target = next(u.id for u in fake.data.unors if u.id != unit and u.eselon_id is None)
        wait_until(
            lambda: c.get(f"{formasi}/units/{target}", headers=admin).status_code == 200,
            timeout=90,
            what="the SIASN units in formasi",
        )
        ok(
            c.post(
                f"{formasi}/jabatan",
                headers=admin,
                json={
                    "jabatan_id": JABATAN,
                    "name": "Pengadministrasi Umum",
                    "jenis": "pelaksana",
                    "requirements": {},
                },
            ),
            200,
            201,
        )
        today = utcnow().date()
        ok(
            c.post(
                f"{formasi}/needs",
                headers=admin,
                json={
                    "unit_id": target,
                    "jabatan_id": JABATAN,
                    "count": 1,
                    "valid_from": str(today),
                },
            ),
            200,
            201,
        )
        wait_until(
            lambda: candidates(c, matching, admin, f"{target}/{JABATAN}") > 0,
            timeout=120,
            what="candidates for the vacancy",
        )
        plan_request = {"effective": str(today), "priority_posts": [f"{target}/{JABATAN}"]}

        def start_plan() -> dict[str, Any] | None:
            r = c.post(f"{matching}/plans", headers=admin, json=plan_request)
            if r.status_code == 422 and "priority_posts" in r.text:
                return None
            return ok(r, 202)

        plan = wait_until(start_plan, timeout=90, interval=0.5, what="the need in matching")
        wait_until(
            lambda: (
                c.get(f"{matching}/plans/{plan['plan_id']}", headers=admin).json()["status"]
                in ("done", "failed")
            ),
            timeout=180,
            what="the plan",
        )
        moves = ok(c.get(f"{matching}/plans/{plan['plan_id']}/moves", headers=admin))["moves"]
        move = next(m for m in moves if m["to"] == f"{target}/{JABATAN}")
        rnd = ok(
            c.post(
                f"{matching}/rounds",
                headers=admin,
                json={"name": "Mutasi Uji Data Pribadi", "planned_tmt": str(today)},
            )
        )
        made = ok(
            c.post(
                f"{matching}/rounds/{rnd['round_id']}/proposals/from-plan",
                headers=admin,
                json={"plan_id": plan["plan_id"], "nips": [move["employee"]]},
            )
        )
        pid = made["results"][0]["proposal_id"]
        transition(c, matching, admin, pid, "submit", {})
        transition(c, matching, penilai, pid, "review", {"recommendation": "agree"})
        transition(c, matching, ppk, pid, "approve", {"reason": "sesuai kebutuhan"})
        transition(
            c,
            matching,
            admin,
            pid,
            "execute",
            {"sk_number": "821/077/BKPSDM/2026", "sk_date": str(today), "tmt": str(today)},
        )
        wait_until(
            lambda: (
                c.get(f"{matching}/proposals/{pid}", headers=admin).json()["state"]
                == "written_back"
            ),
            timeout=120,
            what="the write-back",
        )
        wait_until(
            lambda: (
                "mutasi.proposal_written_back"
                in {i["type"] for i in ledger_items(c, system.url("audit"), auditor)}
            ),
            timeout=90,
            what="the write-back in the ledger",
        )

        # 5. the exports
        exports = {
            f"ledger export ({fmt})": unzip_text(
                ok_bytes(
                    c.get(
                        f"{system.url('audit')}/ledger/export",
                        params={"format": fmt},
                        headers=auditor,
                    )
                )
            )
            for fmt in ("csv", "jsonl")
        }
        for role, extra in (("auditor", {}), ("operator", {"units": (unit, target)})):
            for fmt in ("csv", "xlsx"):
                r = c.get(
                    f"{pegawai}/export/pegawai",
                    params={"format": fmt},
                    headers=auth_headers(role, **extra),
                )
                exports[f"registry export as {role} ({fmt})"] = (
                    r.text if fmt == "csv" else xlsx_text(ok_bytes(r))
                )
        ledger = str(ledger_items(c, system.url("audit"), auditor))
        as_admin = c.get(f"{pegawai}/export/pegawai", params={"format": "csv"}, headers=admin).text

        # 6. what must not appear: everything the registry holds as personal, read back
        everyone = [*nips, *(p["nip"] for p in people), "197902142006041001", "198811052011012002"]
        employee_names: set[str] = set()
        needles: dict[str, set[str]] = {
            k: set() for k in ("NIK", "birth date", "phone", "address", "family name")
        }
        for nip in everyone:
            view = ok(c.get(f"{pegawai}/pegawai/{nip}", headers=admin))
            employee_names |= {view.get("name") or "", view.get("full_name") or ""}
            personal = view.get("personal") or {}
            needles["NIK"] |= {personal["nik"]} if personal.get("nik") else set()
            needles["birth date"] |= date_forms(personal.get("birth_date"))
            needles["phone"] |= {personal["phone"]} if personal.get("phone") else set()
            needles["address"] |= {personal["address"]} if personal.get("address") else set()
            family = ok(c.get(f"{pegawai}/pegawai/{nip}/keluarga", headers=admin))["items"]
            for member in family:
                needles["family name"].add(member["name"])
                needles["NIK"] |= {member["nik"]} if member.get("nik") else set()
                needles["birth date"] |= date_forms(member.get("birth_date"))
        needles["family name"] -= employee_names
        # guard: the scan looks for what was really put in
        assert "1871021907830004" in needles["NIK"] and "1805011402790007" in needles["NIK"]
        assert "Nurul Fadhilah Rahmawati" in needles["family name"]
        assert len(needles["NIK"]) >= 8 and len(needles["phone"]) >= 4, needles
        secrets = {CONSUMER_SECRET, SSO_PASSWORD, *fake.apim_tokens, *fake.sso_tokens}
        secrets |= {
            h["Authorization"].removeprefix("Bearer ") for h in (admin, auditor, penilai, ppk)
        }
        assert fake.apim_tokens and fake.sso_tokens  # the sync did use tokens
        needles["secret or token"] = secrets
        for kind in needles:
            needles[kind] = {n for n in needles[kind] if len(n) >= 6}

    system.stop_all()
    sinks: dict[str, str] = {
        f"log of {name}": (tmp_path / f"{name}.log").read_text(errors="replace")
        for name in ("pegawai", "formasi", "matching", "audit")
    }
    broker_log = tmp_path / "tansu.log"
    if broker_log.exists():
        sinks["broker log"] = broker_log.read_text(errors="replace")
    messages = consume_everything(system.bootstrap)
    assert sum(len(v) for v in messages.values()) > 50, {t: len(v) for t, v in messages.items()}
    for topic, blobs in messages.items():
        sinks[f"events on {topic}"] = "\n".join(b.decode("utf-8", errors="replace") for b in blobs)
    sinks["ledger entries (API)"] = ledger
    sinks.update(exports)
    empty = [k for k, v in sinks.items() if not v and not k.startswith("events on")]
    assert not empty, empty  # topics may be empty (a DLQ with nothing in it); the rest not

    # the scanner finds what is there: the admin's export (allowed to hold it) trips it
    assert pattern("NIK", "1871021907830004").search(as_admin)
    assert pattern("birth date", "19-07-1983").search(as_admin) or pattern(
        "birth date", "1983-07-19"
    ).search(as_admin)
    assert pattern("phone", "+62 812-7788-4411").search("tel 0812 7788 4411.")
    leaks = []
    for sink, text in sinks.items():
        for kind, values in needles.items():
            for value in values:
                found = pattern(kind, value).search(text)
                if found:
                    at = found.start()
                    leaks.append(f"{kind} {value!r} in {sink}: {text[max(at - 80, 0) : at + 40]!r}")
    assert not leaks, "personal data or secrets in clear:\n" + "\n".join(leaks[:40])


def pattern(kind: str, value: str) -> re.Pattern[str]:
    """A phone in any spacing (`0813 7712 0955`, `+62-812...`), anything else as written
    (case-insensitive), never inside a longer number."""
    if kind == "phone":
        digits = _digits(value)
        if digits.startswith("62"):
            digits = digits[2:]
        elif digits.startswith("0"):
            digits = digits[1:]
        body = r"[\s().-]*".join(digits)
        return re.compile(rf"(?<![\d+])(?:\+?62|0)?[\s().-]*{body}(?!\d)")
    edge = r"(?<!\d)" if value[:1].isdigit() else ""
    tail = r"(?!\d)" if value[-1:].isdigit() else ""
    return re.compile(edge + re.escape(value) + tail, re.IGNORECASE)


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def ok_bytes(r: httpx.Response) -> bytes:
    assert r.status_code == 200, f"{r.request.url}: {r.status_code} {r.text[:300]}"
    return r.content


def xlsx_text(data: bytes) -> str:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    rows = []
    for name in wb.sheet_names:
        rows += [" | ".join(str(v) for v in r) for r in wb.get_sheet_by_name(name).to_python()]
    return "\n".join(rows)
