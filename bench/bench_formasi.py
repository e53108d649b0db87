"""Formasi benchmark (standalone): `.venv/bin/python -m bench.bench_formasi [--db-url URL]`.

A province-sized Pemda: 40 OPD, 3,000 units, 30,000 employees, 5,000 unit x jabatan need
rows. Measures (1) pegawai events applied to the bezetting read model through the real
idempotent consumer (batches of 1,000, each one transaction with the inbox), and (2) the
full gap report (per post / unit / OPD / jabatan / rumpun, vacant structural posts,
retiring, tenure, requirement checks) built from the read model, against a baseline of one
plain SQL GROUP BY over the same rows (which yields only need/filled per post).

Targets (issue 5): gap report <= 1 s; >= 5,000 placement events/s."""

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from tatamutasi_contracts import Topic, validate_event
from tatamutasi_formasi.adapters.orm import jabatan, needs, platform, units
from tatamutasi_formasi.service import gaps
from tatamutasi_formasi.service.bezetting import apply_events, on_event
from tatamutasi_formasi.service.common import dumps
from tatamutasi_formasi.settings import FormasiSettings
from tatamutasi_platform.consumer import Event, IdempotentConsumer
from tatamutasi_platform.db import create_engine
from tatamutasi_platform.metrics import Metrics
from tatamutasi_platform.migrations import upgrade

TODAY = date(2026, 11, 23)


def make_nip(i: int) -> str:
    birth = date(1965, 1, 1) + timedelta(days=i % 12000)
    return f"{birth:%Y%m%d}{2000 + i % 24:04d}{1 + i % 12:02d}{1 + i % 2}{1 + i % 999:03d}"


def build_units(n_opd: int, n_units: int) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    rows = [_unit("ROOT", "Pemerintah Provinsi (BENCH)", "pemda", None, now)]
    opd_ids = [f"OPD-{i:02d}" for i in range(n_opd)]
    for oid in opd_ids:
        rows.append(_unit(oid, f"Dinas {oid}", "dinas", "ROOT", now))
    per_opd = (n_units - 1 - n_opd) // n_opd
    for oid in opd_ids:
        bidang = [f"{oid}-B{j}" for j in range(max(per_opd // 5, 1))]
        for b in bidang:
            rows.append(_unit(b, f"Bidang {b}", "bidang", oid, now))
        k = 0
        while len([r for r in rows if r["unit_id"].startswith(oid + "-")]) < per_opd:
            parent = bidang[k % len(bidang)]
            rows.append(_unit(f"{parent}-S{k}", f"Seksi {k}", "seksi", parent, now))
            k += 1
    return rows


def _unit(uid: str, name: str, kind: str, parent: str | None, now: datetime) -> dict[str, Any]:
    return {
        "unit_id": uid,
        "valid_from": date(2020, 1, 1),
        "valid_to": None,
        "name": name,
        "parent_id": parent,
        "unit_type": kind,
        "eselon_id": None,
        "head_jabatan_name": None,
        "induk_id": None,
        "instansi_id": None,
        "closed": False,
        "successor_id": None,
        "predecessor_ids": "[]",
        "change": "created",
        "origin": "api",
        "version": 1,
        "created_at": now,
        "created_by": "bench",
    }


def build_jabatan(n: int) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    rows = []
    for i in range(n):
        kind = ("struktural", "fungsional", "pelaksana")[i % 3]
        req = (
            {"education": [{"min_level_id": "40", "fields": ["Ekonomi", "Hukum"]}]} if i % 2 else {}
        )
        rows.append(
            {
                "jabatan_id": f"J{i:03d}",
                "name": f"Jabatan {i}",
                "jenis": kind,
                "level": {"struktural": "administrator", "fungsional": "fungsional"}.get(
                    kind, "pelaksana"
                ),
                "eselon_id": "32" if kind == "struktural" else None,
                "jf_jenjang": "MU" if kind == "fungsional" else None,
                "bkn_ref_id": None,
                "kelas_jabatan": 8,
                "rumpun": f"Rumpun {i % 12}",
                "min_golongan_id": "33" if kind != "pelaksana" else None,
                "max_golongan_id": "41" if kind != "pelaksana" else None,
                "unit_types": "[]",
                "requirements": dumps({**req, "managerial_level": None}),
                "version": 1,
                "created_at": now,
                "created_by": "bench",
                "updated_at": now,
                "updated_by": "bench",
            }
        )
    return rows


def build_needs(
    unit_ids: list[str], jab_ids: list[str], n: int, rng: random.Random
) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    seen: set[tuple[str, str]] = set()
    rows: list[dict[str, Any]] = []
    while len(rows) < n:
        post = (rng.choice(unit_ids), rng.choice(jab_ids))
        if post in seen:
            continue
        seen.add(post)
        rows.append(
            {
                "unit_id": post[0],
                "jabatan_id": post[1],
                "valid_from": date(2026, 1, 1),
                "valid_to": None,
                "count": rng.randint(1, 12),
                "abk_result": None,
                "effective_hours": None,
                "basis": "{}",
                "source_document": "bench",
                "decision_number": None,
                "decision_date": None,
                "origin": "import",
                "created_at": now,
                "created_by": "bench",
            }
        )
    return rows


def event(seq: int, type_: str, data: dict[str, Any]) -> Event:
    env = {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "/tatamutasi/pegawai",
        "type": type_,
        "time": "2026-11-20T08:00:00Z",
        "subject": data["nip"],
        "datacontenttype": "application/json",
        "sequence": seq,
        "actor": "bench",
        "data": data,
    }
    envelope, payload = validate_event(env)
    return Event(envelope, payload, b"", Topic.PEGAWAI.value, 0, seq)


def build_events(
    n_emp: int, n_moves: int, posts: list[tuple[str, str]], rng: random.Random
) -> tuple[list[Event], list[Event]]:
    seq = 0
    registered = []
    nips = [make_nip(i) for i in range(n_emp)]
    for nip in nips:
        seq += 1
        u, j = rng.choice(posts)
        registered.append(
            event(
                seq,
                "pegawai.registered",
                {
                    "nip": nip,
                    "name": f"Pegawai {nip[-4:]}",
                    "unor_id": u,
                    "jabatan_id": j,
                    "golongan_id": rng.choice(["31", "32", "33", "34", "41"]),
                    "education_level_id": rng.choice(["30", "40", "45"]),
                    "education_field": rng.choice(["S-1 Ekonomi", "S-1 Hukum", "S-1 Teknik Sipil"]),
                    "tmt_jabatan": (
                        date(2016, 1, 1) + timedelta(days=rng.randint(0, 3600))
                    ).isoformat(),
                    "tmt_pensiun": (
                        date(2026, 1, 1) + timedelta(days=rng.randint(0, 9000))
                    ).isoformat(),
                },
            )
        )
    moves = []
    for _ in range(n_moves):
        seq += 1
        u, j = rng.choice(posts)
        moves.append(
            event(
                seq,
                "pegawai.placement_changed",
                {
                    "nip": rng.choice(nips),
                    "previous": None,
                    "current": {"unor_id": u, "jabatan_id": j, "tmt": "2026-11-01"},
                    "reason": "mutasi",
                },
            )
        )
    return registered, moves


async def run(args: argparse.Namespace) -> dict[str, float]:
    rng = random.Random(args.seed)
    await asyncio.to_thread(upgrade, "tatamutasi_formasi", args.db_url, "formasi")
    engine = create_engine(args.db_url)
    settings = FormasiSettings(database_url=args.db_url, environment="test")
    unit_rows = build_units(args.opd, args.units)
    jab_rows = build_jabatan(args.jabatan)
    need_rows = build_needs(
        [u["unit_id"] for u in unit_rows[1:]], [j["jabatan_id"] for j in jab_rows], args.needs, rng
    )
    async with engine.begin() as conn:
        for table, rows in ((units, unit_rows), (jabatan, jab_rows), (needs, need_rows)):
            for i in range(0, len(rows), 1000):
                await conn.execute(table.insert(), rows[i : i + 1000])
    posts = [(n["unit_id"], n["jabatan_id"]) for n in need_rows]
    registered, moves = build_events(args.employees, args.moves, posts, rng)
    consumer = IdempotentConsumer(
        name="formasi-bezetting",
        topics=[],
        settings=settings,
        engine=engine,
        tables=platform,
        bus=None,
        metrics=Metrics(),
        handler=on_event,
        batch_handler=apply_events,  # type: ignore[arg-type]
    )
    figures: dict[str, float] = {}
    for label, evs in (("registered", registered), ("placement_changed", moves)):
        t0, c0 = time.perf_counter(), time.process_time()
        for i in range(0, len(evs), args.batch):
            refused = await consumer.apply(evs[i : i + args.batch])
            assert not refused, refused[:1]
        figures[f"{label}_per_s"] = len(evs) / (time.perf_counter() - t0)
        figures[f"{label}_per_cpu_s"] = len(evs) / (time.process_time() - c0)
    t0 = time.perf_counter()
    for i in range(0, len(moves), args.batch):
        await consumer.apply(moves[i : i + args.batch])
    figures["redelivery_per_s"] = len(moves) / (time.perf_counter() - t0)
    # the read-model handler alone (no inbox): fresh moves with newer sequences
    last = moves[-1].envelope.sequence if moves else len(registered)
    more = [
        event(last + k, "pegawai.placement_changed", e.payload.model_dump(mode="json"))
        for k, e in enumerate(moves, start=1)
    ]
    t0 = time.perf_counter()
    for i in range(0, len(more), args.batch):
        async with engine.begin() as conn:
            await apply_events(conn, more[i : i + args.batch])
    figures["handler_only_per_s"] = len(more) / (time.perf_counter() - t0)

    report_times, baseline_times, report_cpu = [], [], []
    report = None
    for _ in range(args.repeat):
        async with engine.connect() as conn:
            t0, c0 = time.perf_counter(), time.process_time()
            report = await gaps.build(conn, TODAY, gaps.Filters())
            report_times.append(time.perf_counter() - t0)
            report_cpu.append(time.process_time() - c0)
            t0 = time.perf_counter()
            rows = (
                await conn.execute(
                    sa.text(
                        "SELECT n.unit_id, n.jabatan_id, n.count, COUNT(h.nip) AS filled "
                        "FROM needs n LEFT JOIN holders h ON h.unor_id = n.unit_id "
                        "AND h.jabatan_id = n.jabatan_id AND h.active "
                        "WHERE n.valid_to IS NULL GROUP BY n.unit_id, n.jabatan_id, n.count"
                    )
                )
            ).all()
            baseline_times.append(time.perf_counter() - t0)
    assert report is not None
    figures["report_s"] = statistics.median(report_times)
    figures["report_cpu_s"] = statistics.median(report_cpu)
    figures["baseline_s"] = statistics.median(baseline_times)
    figures["baseline_rows"] = len(rows)
    figures["report_posts"] = len(report.posts)
    figures["filled"] = report.totals.filled
    figures["need"] = report.totals.need
    figures["vacant_structural"] = len(report.vacant_structural)
    figures["not_meeting"] = len(report.not_meeting)
    await engine.dispose()
    return figures


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m bench.bench_formasi", description=__doc__.splitlines()[0]
    )
    p.add_argument("--db-url", default=None, help="Default: a fresh SQLite file in a temp dir")
    p.add_argument("--opd", type=int, default=40)
    p.add_argument("--units", type=int, default=3000)
    p.add_argument("--jabatan", type=int, default=300)
    p.add_argument("--needs", type=int, default=5000)
    p.add_argument("--employees", type=int, default=30000)
    p.add_argument("--moves", type=int, default=10000)
    p.add_argument("--batch", type=int, default=1000, help="Events per consumer batch")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--seed", type=int, default=5)
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        if args.db_url is None:
            args.db_url = f"sqlite:///{Path(tmp) / 'formasi-bench.db'}"
        f = asyncio.run(run(args))
    backend = args.db_url.split(":", 1)[0]
    ok_report = f["report_s"] <= 1.0
    ok_events = f["placement_changed_per_s"] >= 5000
    print(
        f"## bench_formasi ({backend}; {args.opd} OPD, {args.units} units, "
        f"{args.employees} pegawai, {args.needs} need rows)"
    )
    print("| figure | value |\n|---|---:|")
    print(f"| pegawai.registered applied | {f['registered_per_s']:,.0f} events/s |")
    print(f"| pegawai.placement_changed applied | {f['placement_changed_per_s']:,.0f} events/s |")
    print(f"| load average at end | {' '.join(Path('/proc/loadavg').read_text().split()[:3])} |")
    print(
        f"| placement_changed, bezetting handler alone (no inbox) | "
        f"{f['handler_only_per_s']:,.0f} events/s |"
    )
    print(f"| redelivered batch (inbox drops) | {f['redelivery_per_s']:,.0f} events/s |")
    print(
        f"| placement_changed per CPU-second of this process | "
        f"{f['placement_changed_per_cpu_s']:,.0f} events/s |"
    )
    print(f"| gap report (median of {args.repeat}) | {f['report_s'] * 1000:,.0f} ms |")
    print(f"| gap report CPU time (median) | {f['report_cpu_s'] * 1000:,.0f} ms |")
    print(
        f"| baseline SQL GROUP BY (median) | {f['baseline_s'] * 1000:,.0f} ms "
        f"({f['baseline_rows']:,.0f} rows) |"
    )
    print(f"| report/baseline | {f['report_s'] / f['baseline_s']:.1f}x |")
    print(
        f"| report content | {f['report_posts']:,.0f} posts, need {f['need']:,.0f}, filled "
        f"{f['filled']:,.0f}, {f['vacant_structural']:,.0f} vacant structural, "
        f"{f['not_meeting']:,.0f} not meeting requirements |"
    )
    print(
        f"\nTargets: gap report <= 1 s: {'met' if ok_report else 'NOT met'}; "
        f">= 5,000 placement events/s: {'met' if ok_events else 'NOT met'}"
    )
    return 0 if ok_report and ok_events else 1


if __name__ == "__main__":
    sys.exit(main())
