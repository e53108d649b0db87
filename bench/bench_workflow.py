"""A round of 2,000 mutasi proposals taken from a plan to executed through the matching API
on PostgreSQL: wall time and per-transition p50/p99 (target p99 ≤ 100 ms per transition).

What it does: creates a PostgreSQL database, runs the matching migrations, feeds the
workforce read models through the service's own event handler (units, jabatan, formasi
needs, N employees, as the consumer would), stores a finished plan that moves every one of
them (the optimiser has its own benchmark), starts tansu and the matching service as a real
`uvicorn` process (outbox relay publishing), opens a round and then, with C concurrent
clients, takes each employee's move through POST /proposals (from the plan) → submit →
review → approve → execute, each with If-Match from the previous response. Latency is
measured at the client, per request; every transition re-checks eligibility and separation
of duties as in production. The database and broker are removed at the end."""

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from bench.core import (
    Benchmark,
    Result,
    Target,
    standalone,
)
from bench.harness import (
    PgDatabases,
    ServiceProcess,
    percentile,
    process_cpu_s,
    start_service,
    stop_services,
    wait_healthy,
)
from tatamutasi_platform import migrations
from tatamutasi_platform.auth import generate_keypair, issue_token
from tatamutasi_platform.broker import TansuBroker, free_port

OUT_DIR = Path(__file__).resolve().parent / "out"
ACTIONS = ("create", "submit", "review", "approve", "execute")
UNITS = 20
TARGET_P99_MS = 100.0


def say(msg: str) -> None:
    print(f"[workflow] {msg}", flush=True)


def add_arguments(group: argparse._ArgumentGroup) -> None:
    group.add_argument("--workflow-n", type=int, default=2000, help="proposals (default 2000)")
    group.add_argument(
        "--workflow-concurrency", type=int, default=4, help="concurrent clients (default 4)"
    )


def nip_of(i: int) -> str:
    """A NIP-shaped id (born 1 January 1970+, TMT January 2010, serial i)."""
    return f"{1970 + i // 1000:04d}0101" + "201001" + f"1{i % 1000:03d}"


def _events(n: int) -> list[tuple[str, dict[str, Any]]]:
    events: list[tuple[str, dict[str, Any]]] = []
    for u in range(UNITS):
        events.append(
            (
                "formasi.unit_changed",
                {
                    "unit_id": f"U{u:02d}",
                    "change": "created",
                    "valid_from": "2020-01-01",
                    "name": f"Unit {u:02d}",
                    "unit_type": "dinas",
                    "eselon_id": "22",
                },
            )
        )
    for jab, jenis in (("J-ADM", "pelaksana"), ("J-ANALIS", "pelaksana")):
        events.append(
            (
                "formasi.jabatan_changed",
                {
                    "jabatan_id": jab,
                    "change": "created",
                    "name": jab,
                    "jenis": jenis,
                    "level": "pelaksana",
                    "requirements": {},
                    "version": 1,
                },
            )
        )
        for u in range(UNITS):
            events.append(
                (
                    "formasi.need_set",
                    {
                        "unit_id": f"U{u:02d}",
                        "jabatan_id": jab,
                        "count": n // UNITS + 1,
                        "valid_from": "2020-01-01",
                    },
                )
            )
    for i in range(n):
        events.append(
            (
                "pegawai.registered",
                {
                    "nip": nip_of(i),
                    "name": f"Pegawai Bench {i}",
                    "unor_id": f"U{i % UNITS:02d}",
                    "jabatan_id": "J-ADM",
                    "kind": "PNS",
                    "sex": "M",
                    "tmt_jabatan": "2019-01-01",
                    "golongan_id": "32",
                    "education_level_id": "40",
                    "kedudukan_id": "01",
                    "tmt_pensiun": "2045-01-01",
                    "tmt_cpns": "2010-01-01",
                },
            )
        )
    return events


def _plan_result(n: int) -> dict[str, Any]:
    moves, explained, employees = [], [], []
    for i in range(n):
        frm, to = f"U{i % UNITS:02d}/J-ADM", f"U{(i + 1) % UNITS:02d}/J-ANALIS"
        moves.append(
            {
                "employee": nip_of(i),
                "from": frm,
                "to": to,
                "score": 700,
                "stay_score": 600,
                "gain": 100,
            }
        )
        explained.append(
            {
                "employee": nip_of(i),
                "from": frm,
                "to": to,
                "score": 700,
                "stay_score": 600,
                "alternatives": [],
            }
        )
        employees.append(
            {
                "employee": nip_of(i),
                "decision": "move",
                "reason_code": "moved",
                "reason": {"en": f"moves to {to}", "id": f"dimutasi ke {to}"},
            }
        )
    return {"moves": moves, "explanations": {"moves": explained, "employees": employees}}


async def _seed(url: str, n: int) -> None:
    """Units, jabatan and formasi needs go through the service's own event handler (a few
    dozen events); the N employees are bulk-loaded: each profile document is built by the
    same change function the handler applies to `pegawai.registered`, then all rows go in
    with one multi-row statement per table (the handler's one-upsert-per-event took 111 s
    for 2,000 employees)."""
    import uuid

    from tatamutasi_contracts import EVENT_TYPES
    from tatamutasi_contracts.envelope import Envelope
    from tatamutasi_contracts.pegawai import PegawaiRegistered
    from tatamutasi_matching.adapters.orm import employee_profile, plan, workforce
    from tatamutasi_matching.service import talent
    from tatamutasi_matching.service.read_models import on_event
    from tatamutasi_platform.consumer import Event
    from tatamutasi_platform.db import create_engine

    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            events = _events(n)
            for seq, (event_type, data) in enumerate(events, start=1):
                if event_type == "pegawai.registered":
                    continue
                spec = EVENT_TYPES[event_type]
                payload = spec.model.model_validate(data)
                envelope = Envelope.model_validate(
                    {
                        "specversion": "1.0",
                        "id": str(uuid.uuid4()),
                        "source": "/bench",
                        "type": event_type,
                        "time": "2026-01-01T00:00:00.000000Z",
                        "subject": "x",
                        "datacontenttype": "application/json",
                        "sequence": seq,
                        "actor": "bench",
                        "data": payload.model_dump(mode="json"),
                    }
                )
                await on_event(conn, Event(envelope, payload, b"", spec.topic.value, 0, seq))
            profiles, people = [], []
            for event_type, data in events:
                if event_type != "pegawai.registered":
                    continue
                p = PegawaiRegistered.model_validate(data)
                doc: dict[str, Any] = {"nip": p.nip}
                talent._registered(p)(doc)
                profiles.append(
                    {"nip": p.nip, "unor_id": p.unor_id, "doc": json.dumps(doc, sort_keys=True)}
                )
                people.append(
                    {
                        "nip": p.nip,
                        "name": p.name,
                        "unor_id": p.unor_id,
                        "jabatan_id": p.jabatan_id,
                        "last_event_time": "2026-01-01T00:00:00.000000Z",
                    }
                )
            for k in range(0, len(profiles), 1000):
                await conn.execute(employee_profile.insert(), profiles[k : k + 1000])
                await conn.execute(workforce.insert(), people[k : k + 1000])
            result = json.dumps(_plan_result(n))
            await conn.execute(
                plan.insert().values(
                    plan_id="bench-plan",
                    status="done",
                    progress=100,
                    mode="optimal",
                    request="{}",
                    created_by="bench",
                    created_at="2026-01-01T00:00:00+00:00",
                    result_sha256="b" * 64,
                    moves=n,
                    result=result,
                )
            )
    finally:
        await engine.dispose()


class Driver:
    def __init__(self, base: str, private_pem: bytes, round_id: str) -> None:
        self.base = base
        self.round_id = round_id
        tok = {
            "admin": issue_token(private_pem, sub="bench-admin", roles=["admin"]),
            "penilai": issue_token(
                private_pem, sub="bench-penilai", roles=["penilai"], nip="196901012000011099"
            ),
            "ppk": issue_token(private_pem, sub="bench-ppk", roles=["ppk"]),
        }
        self.h = {k: {"Authorization": f"Bearer {v}"} for k, v in tok.items()}
        self.latency: dict[str, list[float]] = {a: [] for a in ACTIONS}
        self.failures: list[str] = []

    def one(self, client: httpx.Client, i: int) -> None:
        nip = nip_of(i)
        body = {
            "nip": nip,
            "plan_id": "bench-plan",
            "round_id": self.round_id,
            "planned_tmt": "2027-01-04",
        }
        steps: list[tuple[str, str, dict[str, Any]]] = [
            ("submit", "admin", {}),
            ("review", "penilai", {"recommendation": "agree"}),
            ("approve", "ppk", {"reason": "ok"}),
            (
                "execute",
                "admin",
                {"sk_number": "800/1/2026", "sk_date": "2026-11-20", "tmt": "2027-01-04"},
            ),
        ]
        t0 = time.perf_counter()
        r = client.post(
            "/proposals", json=body, headers={**self.h["admin"], "Idempotency-Key": f"bench-{i}"}
        )
        self.latency["create"].append(time.perf_counter() - t0)
        if r.status_code != 201:
            self.failures.append(f"create {nip}: {r.status_code} {r.text[:200]}")
            return
        pid, etag = r.json()["proposal_id"], r.headers["etag"]
        for action, who, payload in steps:
            t0 = time.perf_counter()
            r = client.post(
                f"/proposals/{pid}/{action}",
                json=payload,
                headers={**self.h[who], "If-Match": etag},
            )
            self.latency[action].append(time.perf_counter() - t0)
            if r.status_code != 200:
                self.failures.append(f"{action} {nip}: {r.status_code} {r.text[:200]}")
                return
            etag = r.headers["etag"]


def run(args: argparse.Namespace) -> Result:
    n, conc = args.workflow_n, args.workflow_concurrency
    out = OUT_DIR / "workflow"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    dbs = PgDatabases()
    broker: TansuBroker | None = None
    services: list[ServiceProcess] = []
    try:
        say("creating the database and running migrations ...")
        url = dbs.create("matching")
        migrations.upgrade("tatamutasi_matching", url, "matching")
        say(f"feeding read models ({n} employees) and storing a plan that moves all ...")
        t_seed = time.monotonic()
        asyncio.run(_seed(url, n))
        seed_s = time.monotonic() - t_seed
        broker = TansuBroker(log_file=out / "tansu.log").start()
        private_pem, public_pem = generate_keypair()
        (out / "public.pem").write_bytes(public_pem)
        env = {
            "MATCHING_DATABASE_URL": url,
            "MATCHING_KAFKA_BOOTSTRAP": broker.bootstrap,
            "MATCHING_AUTH_PUBLIC_KEY_FILE": str(out / "public.pem"),
            "MATCHING_ENVIRONMENT": "test",
            "MATCHING_LOG_LEVEL": "WARNING",
            "MATCHING_MIGRATE_ON_START": "false",
            "MATCHING_DATA_DIR": str(out),
        }
        svc = start_service(
            "matching",
            "tatamutasi_matching.app:create_app",
            free_port(),
            env,
            "MATCHING",
            out / "matching.log",
            cwd=out,
        )
        services.append(svc)
        wait_healthy(svc, timeout=600)  # a loaded 2-core machine imports slowly
        driver = Driver(svc.url, private_pem, "")
        with httpx.Client(base_url=svc.url, timeout=60) as c:
            r = c.post("/rounds", json={"name": "Bench Januari 2027"}, headers=driver.h["admin"])
            r.raise_for_status()
            driver.round_id = r.json()["round_id"]
            say("warming up (plan parse, pools) ...")
            warm = c.get("/proposals?limit=1", headers=driver.h["admin"])
            warm.raise_for_status()
        say(f"driving {n} proposals through 5 transitions with {conc} clients ...")
        clients = [httpx.Client(base_url=svc.url, timeout=60) for _ in range(conc)]
        cpu0 = process_cpu_s(svc.pid) or 0.0
        t0 = time.monotonic()
        try:
            with ThreadPoolExecutor(conc) as pool:
                list(pool.map(lambda i: driver.one(clients[i % conc], i), range(n)))
        finally:
            for c in clients:
                c.close()
        wall = time.monotonic() - t0
        service_cpu = (process_cpu_s(svc.pid) or 0.0) - cpu0
        load_end = " ".join(f"{x:.2f}" for x in os.getloadavg())
        with httpx.Client(base_url=svc.url, timeout=60) as c:
            view = c.get(f"/rounds/{driver.round_id}", headers=driver.h["admin"]).json()
        executed = view["proposals"]["by_state"].get("executed", 0)
    finally:
        stop_services(services)
        if broker is not None:
            broker.stop()
        dbs.drop_all()
    return _result(driver, n, conc, wall, executed, seed_s, service_cpu, load_end)


def _result(
    driver: Driver,
    n: int,
    conc: int,
    wall: float,
    executed: int,
    seed_s: float,
    cpu: float,
    load_end: str = "?",
) -> Result:
    figures = [
        ("proposals executed", f"{executed:,} / {n:,}", "plan → executed through the API"),
        ("wall time", f"{wall:.1f} s", f"5 requests per proposal, {conc} concurrent clients"),
        ("requests/s", f"{5 * n / wall:.0f}", "all transitions together"),
        (
            "service CPU per request",
            f"{1000 * cpu / (5 * n):.1f} ms",
            "matching process CPU time / requests (moves little with other load)",
        ),
    ]
    rows = [
        "| transition | n | p50 ms | p99 ms | max ms | mean ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    targets = [Target("all proposals executed", f"{n}", f"{executed}", executed == n)]
    for action in ACTIONS:
        ms = [v * 1000 for v in driver.latency[action]]
        if not ms:
            continue
        p50, p99 = percentile(ms, 50), percentile(ms, 99)
        rows.append(
            f"| {action} | {len(ms)} | {p50:.1f} | {p99:.1f} | {max(ms):.1f} | "
            f"{statistics.fmean(ms):.1f} |"
        )
        figures.append((f"{action} p50 / p99", f"{p50:.1f} / {p99:.1f} ms", "client-side"))
        targets.append(
            Target(
                f"{action} p99", f"≤ {TARGET_P99_MS:.0f} ms", f"{p99:.1f} ms", p99 <= TARGET_P99_MS
            )
        )
    notes = [
        "Every transition re-checks eligibility (12 rules, waivers) and separation of duties "
        "(kinship look-up), checks If-Match and writes state, history and the outbox event "
        "in one transaction; `execute` also snapshots names and units for the SK.",
        "The plan is stored ready-made (moves for every employee; the optimiser has its own "
        "benchmark); units, jabatan and needs go through the service's own event handler, the "
        f"{n} employee profiles are bulk-loaded ({seed_s:.1f} s; one event at a time "
        "through the handler took 111 s for 2,000).",
        f"Load average at the end of the run: {load_end}; CPU per request is the matching "
        "process's own (outbox relay included), so it moves less with the load than latency.",
        "The machine is shared (2 cores, other engineers' test runs), so latencies are noisy; "
        "the client, PostgreSQL, tansu and the service share the same cores.",
    ]
    if driver.failures:
        notes.append(f"{len(driver.failures)} failures, first: {driver.failures[0]}")
    return Result(
        figures=figures,
        targets=targets,
        settings={
            "proposals": str(n),
            "concurrency": str(conc),
            "database": "PostgreSQL",
            "service": "1 uvicorn worker",
        },
        notes=notes,
        extra_markdown="\n".join(rows),
    )


BENCHMARK = Benchmark(
    name="workflow",
    title="Mutasi workflow: 2,000 proposals plan → executed through the API",
    description=__doc__.split("\n\n")[0],
    add_arguments=add_arguments,
    run=run,
)


def main(argv: list[str] | None = None) -> int:
    return standalone("workflow", argv)


if __name__ == "__main__":
    sys.exit(main())
