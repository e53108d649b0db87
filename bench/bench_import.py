"""Employee import benchmark: 100,000 employees from CSV and from .xlsx into PostgreSQL
through the real import path (read the file, check every row like a registration, write the
rows, histories and `pegawai.registered` events), against a plain `COPY` of the same
employee rows (pegawai + personal data) into an empty database, in the same run.

Each run gets its own fresh database (migrated to head). Phases: `read` = parse the file
into cells; `check+write` = row conversion, validation, duplicate checks and the bulk write;
`total` = both plus the commit. The file is generated (synthetic data: valid NIPs matching
birth dates, TMT and sex; 10 % PPPK with roman golongan).

Standalone: `.venv/bin/python -m bench.bench_import [--import-rows 100000] [--no-write]`."""

import argparse
import asyncio
import csv
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.core import (
    Benchmark,
    Result,
    Target,
    standalone,
)

DEFAULT_ROWS = 100_000
TARGET_CSV_S = 30.0
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def generate(n: int) -> list[dict[str, Any]]:
    """`n` synthetic employees (template columns by field name)."""
    rows: list[dict[str, Any]] = []
    start = date(1966, 1, 1)
    units = [f"BENCH-OPD-{k:02d}" for k in range(40)]
    for i in range(n):
        serial = i % 999 + 1
        birth = start + timedelta(days=(i // 999) * 97 % 12000)
        sex = 1 + (i % 2)
        pppk = i % 10 == 9
        year = birth.year + 22 + i % 8
        if pppk:
            nip = f"{birth:%Y%m%d}{year:04d}21{sex}{serial:03d}"
            tmt = date(year, 3, 1)
            golongan = ("V", "VII", "IX", "X")[i % 4]
        else:
            month = 1 + i % 12
            nip = f"{birth:%Y%m%d}{year:04d}{month:02d}{sex}{serial:03d}"
            tmt = date(year, month, 1)
            golongan = ("31", "32", "33", "34", "41")[i % 5]
        rows.append(
            {
                "nip": nip,
                "name": f"PEGAWAI SINTETIS {i:06d}",
                "gelar_belakang": "S.E." if i % 3 == 0 else "",
                "sex": "L" if sex == 1 else "P",
                "personal.birth_place": "Bandar Lampung",
                "personal.birth_date": birth.isoformat(),
                "personal.nik": f"1871{i:012d}",
                "agama_id": "1",
                "kedudukan_id": "01",
                "tmt_cpns": tmt.isoformat(),
                "unor_id": units[i % len(units)],
                "jabatan_id": f"BENCH-J-{i % 120:03d}",
                "jabatan_name": "Analis Sintetis",
                "jenis_jabatan": "2",
                "tmt_jabatan": "2023-01-02",
                "golongan_id": golongan,
                "tmt_golongan": "2022-04-01",
                "education_level_id": "40",
                "education_field": "S-1 Manajemen",
                "education_year": str(2000 + i % 20),
            }
        )
    return rows


def write_files(rows: list[dict[str, Any]], folder: Path) -> tuple[Path, Path]:
    import xlsxwriter

    from tatamutasi_pegawai.adapters.tabular import BY_FIELD

    fields = list(rows[0])
    headers = [BY_FIELD[f].header for f in fields]
    csv_path = folder / "pegawai.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        writer.writerows([r[f] for f in fields] for r in rows)
    xlsx_path = folder / "pegawai.xlsx"
    wb = xlsxwriter.Workbook(str(xlsx_path), {"constant_memory": True})
    ws = wb.add_worksheet("Pegawai")
    ws.write_row(0, 0, headers)
    for r, row in enumerate(rows, start=1):
        for c, f in enumerate(fields):
            ws.write_string(r, c, row[f])
    wb.close()
    return csv_path, xlsx_path


async def _admin(sql: str, admin_dsn: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def fresh_database(admin_dsn: str) -> tuple[str, str]:
    from tatamutasi_platform import migrations

    name = f"tm_bench_import_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"', admin_dsn))
    url = admin_dsn.rpartition("/")[0] + "/" + name
    migrations.upgrade("tatamutasi_pegawai", url, "pegawai")
    return name, url


def drop_database(name: str, admin_dsn: str) -> None:
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', admin_dsn))


async def timed_import(url: str, path: Path) -> dict[str, float]:
    from tatamutasi_pegawai.adapters import tabular
    from tatamutasi_pegawai.adapters.orm import platform
    from tatamutasi_pegawai.api.transfer import _validate
    from tatamutasi_pegawai.domain.reference import BUILTIN
    from tatamutasi_pegawai.service import importer
    from tatamutasi_platform.db import create_engine
    from tatamutasi_platform.outbox import Actor
    from tatamutasi_platform.runtime import Transaction

    engine = create_engine(url, pool_size=2)
    try:
        c0 = time.process_time()
        t0 = time.perf_counter()
        sheet = tabular.read_table(path.read_bytes(), path.name)
        t1 = time.perf_counter()
        async with engine.begin() as conn:
            tx = Transaction(conn, platform, Actor("bench-import", "admin"))
            report = await importer.run_import(
                tx, sheet, BUILTIN, _validate, partial=False, dry_run=False
            )
            if report.errors:
                raise RuntimeError(f"benchmark rows refused: {report.errors[:3]}")
            t2 = time.perf_counter()
        t3 = time.perf_counter()
        cpu = time.process_time() - c0
    finally:
        await engine.dispose()
    return {
        "read": t1 - t0,
        "check_write": t2 - t1,
        "commit": t3 - t2,
        "total": t3 - t0,
        "cpu": cpu,
        "imported": float(report.imported),
    }


async def timed_copy(url: str, rows: list[dict[str, Any]]) -> float:
    """The baseline: the same employees straight into `pegawai` and `pegawai_personal` with
    COPY (values already typed; no checks, no histories, no events)."""
    import asyncpg

    now = datetime.now(UTC)
    people = []
    personal = []
    for r in rows:
        people.append(
            (
                r["nip"],
                "PPPK" if r["nip"][12] == "2" and r["nip"][13] != "0" else "PNS",
                r["name"],
                r["unor_id"],
                r["jabatan_id"],
                1,
                now,
                "bench",
                now,
                "bench",
                r["sex"] == "L" and "M" or "F",
                "01",
                True,
                date.fromisoformat(r["tmt_cpns"]),
                r["golongan_id"],
                r["education_level_id"],
            )
        )
        personal.append(
            (
                r["nip"],
                r["personal.nik"],
                "Bandar Lampung",
                date.fromisoformat(r["personal.birth_date"]),
            )
        )
    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn)
    try:
        t0 = time.perf_counter()
        async with conn.transaction():
            await conn.copy_records_to_table(
                "pegawai",
                records=people,
                columns=[
                    "nip",
                    "kind",
                    "name",
                    "unor_id",
                    "jabatan_id",
                    "version",
                    "created_at",
                    "created_by",
                    "updated_at",
                    "updated_by",
                    "sex",
                    "kedudukan_id",
                    "active",
                    "tmt_cpns",
                    "golongan_id",
                    "education_level_id",
                ],
            )
            await conn.copy_records_to_table(
                "pegawai_personal",
                records=personal,
                columns=["nip", "nik", "birth_place", "birth_date"],
            )
        return time.perf_counter() - t0
    finally:
        await conn.close()


def add_arguments(group: argparse._ArgumentGroup) -> None:
    group.add_argument("--import-rows", type=int, default=DEFAULT_ROWS, help="employees")
    group.add_argument("--import-pg", default=PG_ADMIN, help="PostgreSQL admin DSN")
    group.add_argument("--import-skip-xlsx", action="store_true", help="CSV only")


def run(args: argparse.Namespace) -> Result:
    n = args.import_rows
    rows = generate(n)
    figures: list[tuple[str, str, str]] = []
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        csv_path, xlsx_path = write_files(rows, Path(tmp))
        formats = [("csv", csv_path)] + ([] if args.import_skip_xlsx else [("xlsx", xlsx_path)])
        for label, path in formats:
            name, url = fresh_database(args.import_pg)
            try:
                results[label] = asyncio.run(timed_import(url, path))
            finally:
                drop_database(name, args.import_pg)
        name, url = fresh_database(args.import_pg)
        try:
            baseline = asyncio.run(timed_copy(url, rows))
        finally:
            drop_database(name, args.import_pg)
        sizes = {label: path.stat().st_size / 1e6 for label, path in formats}
    for label, r in results.items():
        figures += [
            (
                f"{label}: import total",
                f"{r['total']:.1f} s",
                f"{n:,} rows ({sizes[label]:.1f} MB) read, checked and written, committed",
            ),
            (f"{label}: read", f"{r['read']:.1f} s", "file → cells"),
            (
                f"{label}: check + write",
                f"{r['check_write']:.1f} s",
                "conversion, validation, duplicate checks, bulk write (COPY) of rows, "
                "histories and events",
            ),
            (
                f"{label}: client CPU",
                f"{r['cpu']:.1f} s",
                "CPU seconds of the importing process (independent of other load on the "
                "machine; PostgreSQL's own work is not included)",
            ),
            (f"{label}: rows/s", f"{n / r['total']:,.0f}", "end to end"),
            (
                f"{label}: ratio to COPY",
                f"{r['total'] / baseline:.1f}×",
                "import total / plain COPY of the same employee rows",
            ),
        ]
    figures.append(
        (
            "baseline: plain COPY",
            f"{baseline:.2f} s",
            "pegawai + pegawai_personal rows, typed, no checks, no histories, no events",
        )
    )
    csv_total = results["csv"]["total"]
    scaled = n == DEFAULT_ROWS
    targets = [
        Target(
            "CSV import of 100,000 employees on PostgreSQL",
            f"≤ {TARGET_CSV_S:.0f} s",
            f"{csv_total:.1f} s" + ("" if scaled else f" for {n:,} rows"),
            csv_total <= TARGET_CSV_S if scaled else None,
        )
    ]
    if "xlsx" in results:
        targets.append(
            Target(
                ".xlsx import (report only)", "reported", f"{results['xlsx']['total']:.1f} s", True
            )
        )
    notes = [
        "Wall times depend on the load of the machine (see the load average above): the "
        "ratio to COPY, measured in the same run, and the client CPU are the comparable "
        "figures.",
        "Each import writes per employee: the pegawai row, personal data, first jabatan, "
        "golongan, pendidikan and status history rows and one `pegawai.registered` outbox "
        "row (6 rows); the baseline writes 2 rows per employee and checks nothing.",
        "All-or-nothing: the whole file is one transaction; a bad row writes nothing.",
    ]
    if not scaled:
        notes.append(f"Run at {n:,} rows, not the target size of {DEFAULT_ROWS:,}.")
    return Result(
        figures=figures,
        targets=targets,
        settings={"rows": str(n), "database": "PostgreSQL (fresh database per run)"},
        notes=notes,
    )


BENCHMARK = Benchmark(
    name="import",
    title="Employee import (CSV, .xlsx) vs plain COPY",
    description=__doc__.split("\n\n")[0],
    add_arguments=add_arguments,
    run=run,
)


def main(argv: list[str] | None = None) -> int:
    return standalone("import", argv)


if __name__ == "__main__":
    sys.exit(main())
