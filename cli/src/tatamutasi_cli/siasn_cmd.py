"""`tatamutasi siasn ...`: sync employees from SIASN into the registry (through the pegawai
service), fetch snapshots to files, run the fake SIASN server.

Connection settings come from `PEGAWAI_SIASN_*` environment variables (see
`tatamutasi_pegawai.adapters.siasn.settings`); `--base-url` points every path at one
SIASN-compatible server (the fake, a local gateway)."""

import asyncio
import csv
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any

import structlog
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from tatamutasi_platform.spreadsheets import safe_cell

app = typer.Typer(help="SIASN (BKN) synchronisation.", no_args_is_help=True)

SNAPSHOT_SCHEMA = "tatamutasi.siasn.snapshot/1"
FAILURES_CSV = "failures.csv"
FAILURES_JSON = "failures.json"
UNOR_JSON = "ref-unor.json"


def _write_json(path: Path, data: Any) -> None:
    """Atomic write, readable by the owner only (snapshots hold personal data)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, indent=1, sort_keys=False)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _settings(base_url: str | None, concurrency: int | None) -> Any:
    from tatamutasi_pegawai.adapters.siasn import SiasnSettings

    overrides: dict[str, Any] = {}
    if concurrency is not None:
        overrides["max_concurrency"] = concurrency
    if base_url:
        return SiasnSettings.for_server(base_url, **overrides)
    return SiasnSettings(**overrides)


@app.command()
def fetch(
    nips: Annotated[
        Path, typer.Option("--nips", exists=True, dir_okay=False, help="CSV/XLSX with a nip column")
    ],
    out: Annotated[Path, typer.Option("--out", file_okay=False, help="Output directory")],
    refresh: Annotated[
        bool, typer.Option("--refresh", help="Fetch again NIPs already in --out")
    ] = False,
    concurrency: Annotated[
        int | None, typer.Option(min=1, max=1024, help="Requests in flight (default: settings)")
    ] = None,
    base_url: Annotated[
        str | None, typer.Option(help="One SIASN-compatible server for every path (e.g. fake)")
    ] = None,
    unor: Annotated[bool, typer.Option("--unor/--no-unor", help="Also save ref-unor")] = True,
    verbose: Annotated[bool, typer.Option("--verbose", help="Log every retry")] = False,
) -> None:
    """Fetch a SIASN snapshot for every NIP in a file: one JSON per NIP in --out, plus
    failures.csv/.json. Resumable: NIPs already fetched are skipped unless --refresh.
    Exit code 0 when every NIP was fetched, 2 when some failed, 1 when SIASN refused the
    credentials (the run stops; NIPs not attempted are listed in the failures report)."""
    from tatamutasi_pegawai.adapters.siasn.nip_list import NipFileError, read_nips

    console = Console(stderr=True)
    try:
        nip_list = read_nips(nips)
    except NipFileError as exc:
        console.print(f"[red]{exc.alasan}[/red] ({exc.reason})")
        raise typer.Exit(1) from None
    out.mkdir(parents=True, exist_ok=True)
    todo = [n for n in nip_list.nips if refresh or not (out / f"{n}.json").exists()]
    skipped = len(nip_list.nips) - len(todo)
    settings = _settings(base_url, concurrency)
    started = time.perf_counter()
    failures, fetched, unor_count, not_attempted = asyncio.run(
        _fetch_all(settings, todo, out, console, with_unor=unor, verbose=verbose)
    )
    elapsed = time.perf_counter() - started
    rows = [
        {"row": p.row, "nip": p.value, "kind": "invalid_nip", "resource": "", "reason": p.reason,
         "alasan": p.alasan}
        for p in nip_list.problems
    ] + [
        {"row": "", "nip": f.nip, "kind": f.kind, "resource": f.resource or "",
         "reason": f.reason, "alasan": f.alasan}
        for f in failures
    ] + [
        {"row": "", "nip": n, "kind": "not_attempted", "resource": "",
         "reason": "not attempted: SIASN refused the credentials",
         "alasan": "tidak dicoba: SIASN menolak kredensial"}
        for n in not_attempted
    ]  # fmt: skip
    _write_failures(out, rows)
    console.print(
        f"SIASN: {fetched} diambil / fetched, {skipped} dilewati / skipped (sudah ada), "
        f"{len(rows)} gagal / failed, {nip_list.duplicates} duplikat; "
        f"{elapsed:.1f} s" + (f"; ref-unor: {unor_count} unor" if unor_count is not None else "")
    )
    if not_attempted:
        console.print(
            f"[red]Dihentikan: SIASN menolak kredensial; {len(not_attempted)} NIP belum dicoba. "
            "Perbaiki token lalu jalankan ulang (NIP yang sudah diambil dilewati).[/red]\n"
            f"Stopped: SIASN refused the credentials; {len(not_attempted)} NIPs not attempted."
        )
    if rows:
        console.print(f"Laporan kegagalan / failures report: {out / FAILURES_CSV}")
        raise typer.Exit(1 if not_attempted else 2)


def _write_failures(out: Path, rows: list[dict[str, Any]]) -> None:
    fields = ["row", "nip", "kind", "resource", "reason", "alasan"]
    with (out / FAILURES_CSV).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows({k: safe_cell(v) for k, v in r.items()} for r in rows)
    _write_json(out / FAILURES_JSON, {"failures": rows})


async def _fetch_all(
    settings: Any,
    nips: list[str],
    out: Path,
    console: Console,
    *,
    with_unor: bool,
    verbose: bool,
) -> tuple[list[Any], int, int | None, list[str]]:
    from tatamutasi_pegawai.adapters.siasn import SiasnClient, SiasnError, SiasnFailure

    failures: list[Any] = []
    fetched = 0
    unor_count: int | None = None
    progress = Progress(
        TextColumn("[bold]SIASN[/bold]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("gagal/failed: {task.fields[failed]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
        disable=not nips,
    )
    logger = structlog.wrap_logger(
        structlog.PrintLogger(sys.stderr),
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.INFO if verbose else logging.WARNING
        ),
        processors=[structlog.processors.add_log_level, structlog.dev.ConsoleRenderer()],
    )
    async with SiasnClient(settings, logger=logger) as siasn:
        if with_unor:
            try:
                unors = await siasn.ref_unor()
                _write_json(
                    out / UNOR_JSON,
                    {"schema": "tatamutasi.siasn.ref-unor/1", "unor": [_plain(u) for u in unors]},
                )
                unor_count = len(unors)
            except SiasnError as exc:
                console.print(f"[yellow]ref-unor: {exc.alasan}[/yellow]")
        with progress:
            task = progress.add_task("fetch", total=len(nips), failed=0)

            def done(result: Any) -> None:
                nonlocal fetched
                if isinstance(result, SiasnFailure):
                    failures.append(result)
                    progress.update(task, advance=1, failed=len(failures))
                    return
                _write_json(
                    out / f"{result.nip}.json", {"schema": SNAPSHOT_SCHEMA, **result.to_dict()}
                )
                fetched += 1
                progress.update(task, advance=1)

            not_attempted = await siasn.snapshots(nips, on_result=done)
        if siasn.stats["retries"] or siasn.stats["reauth"]:
            console.print(
                f"Percobaan ulang / retries: {siasn.stats['retries']}, "
                f"autentikasi ulang / re-authentications: {siasn.stats['reauth']}"
            )
    return failures, fetched, unor_count, not_attempted


def _plain(record: Any) -> Any:
    from tatamutasi_pegawai.adapters.siasn.records import to_jsonable

    return to_jsonable(record)


@app.command()
def sync(
    nips: Annotated[
        Path | None,
        typer.Option("--nips", exists=True, dir_okay=False, help="CSV/XLSX with a nip column"),
    ] = None,
    resume: Annotated[
        str | None, typer.Option(help="Resume this job id (after a crash, a restart or a stop)")
    ] = None,
    unor: Annotated[
        bool, typer.Option("--unor/--no-unor", help="Also read ref-unor (handed to formasi)")
    ] = True,
    failures: Annotated[
        Path | None, typer.Option(help="Write the NIPs that failed to this CSV")
    ] = None,
    detach: Annotated[
        bool, typer.Option("--detach", help="Start the job and return; follow it later")
    ] = False,
    url: Annotated[
        str, typer.Option(envvar="TATAMUTASI_PEGAWAI_URL", help="The pegawai service")
    ] = "http://127.0.0.1:8001",
    token: Annotated[
        str | None,
        typer.Option(envvar="TATAMUTASI_TOKEN", help="Bearer token (default: dev admin token)"),
    ] = None,
    data_dir: Annotated[
        Path, typer.Option(envvar="TATAMUTASI_DATA_DIR", help="Where the development keys live")
    ] = Path("data"),
) -> None:
    """Sync employees from SIASN into the registry: the pegawai service runs it as a
    background job (progress: done/total/failed, ETA) and writes only what changed. The
    service reaches SIASN with its PEGAWAI_SIASN_* settings. Exit code 0 when every NIP
    synced, 2 when some failed (listed, and written to --failures), 1 when the job stopped
    (resume it with --resume JOB)."""
    from tatamutasi_cli.import_cmd import _client
    from tatamutasi_pegawai.adapters.siasn.nip_list import NipFileError, read_nips

    console = Console(stderr=True)
    if (nips is None) == (resume is None):
        console.print("[red]Berikan --nips FILE atau --resume JOB (salah satu).[/red]")
        raise typer.Exit(2)
    with _client(url, token, data_dir) as client:
        if nips is not None:
            try:
                found = read_nips(nips)
            except NipFileError as exc:
                console.print(f"[red]{exc.alasan}[/red] ({exc.reason})")
                raise typer.Exit(1) from None
            for p in found.problems[:20]:
                console.print(f"  baris {p.row}: {p.value!r}: {p.alasan}")
            if not found.nips:
                console.print("[red]Tidak ada NIP yang sah di berkas ini.[/red]")
                raise typer.Exit(1)
            r = client.post("/siasn/sync", json={"nips": list(found.nips), "unor": unor})
        else:
            r = client.post(f"/siasn/sync/{resume}/resume")
        if r.status_code != 202:
            body = _problem(r)
            console.print(f"[red]Ditolak ({r.status_code}):[/red] {body}")
            raise typer.Exit(1)
        job = r.json()
        console.print(f"Pekerjaan sinkronisasi / sync job: {job['id']} ({job['total']} NIP)")
        if detach:
            typer.echo(job["id"])
            return
        job = _follow(client, job, console)
        typer.echo(
            f"SIASN sync {job['id']}: {job['status']}; {job['done']} selesai/done "
            f"({job['changed']} berubah/changed, {job['unchanged']} tetap/unchanged), "
            f"{job['failed']} gagal/failed, {job['pending']} belum/pending"
            + (f"; ref-unor: {job['unor_status']}" if job.get("unor_status") else "")
        )
        rows = _job_failures(client, job["id"]) if job["failed"] else []
        for f in rows[:20]:
            console.print(f"  {f['nip']}: [{f['kind']}] {f['alasan']}")
        if rows and failures is not None:
            with failures.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.DictWriter(
                    handle, fieldnames=["nip", "kind", "resource", "reason", "alasan"]
                )
                writer.writeheader()
                writer.writerows({k: safe_cell(f.get(k)) for k in writer.fieldnames} for f in rows)
            console.print(f"Laporan kegagalan / failures report: {failures}")
    if job["status"] != "completed":
        if job.get("message"):
            console.print(f"[red]{job['message']}[/red]")
        console.print(f"Lanjutkan / resume: tatamutasi siasn sync --resume {job['id']}")
        raise typer.Exit(1)
    if job["failed"]:
        raise typer.Exit(2)


def _problem(r: Any) -> str:
    try:
        body = r.json()
    except ValueError:
        return str(r.text[:300])
    return str(body.get("detail") or body)[:500]


def _follow(client: Any, job: dict[str, Any], console: Console) -> dict[str, Any]:
    """Poll the job until it is no longer queued or running, with a progress bar."""
    progress = Progress(
        TextColumn("[bold]SIASN sync[/bold]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("gagal/failed: {task.fields[failed]}"),
        TimeElapsedColumn(),
        TextColumn("ETA {task.fields[eta]}"),
        console=console,
    )
    with progress:
        task = progress.add_task("sync", total=job["total"], failed=0, eta="-")
        while True:
            progress.update(
                task,
                completed=job["done"] + job["failed"],
                failed=job["failed"],
                eta=f"{job['eta_s']:.0f} s" if job.get("eta_s") is not None else "-",
            )
            if job["status"] not in ("queued", "running"):
                return job
            time.sleep(1)
            r = client.get(f"/siasn/sync/{job['id']}")
            if r.status_code == 200:
                job = r.json()


def _job_failures(client: Any, job_id: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 1000}
        if cursor:
            params["cursor"] = cursor
        page = client.get(f"/siasn/sync/{job_id}/failures", params=params).json()
        rows.extend(page["items"])
        cursor = page.get("next_cursor")
        if not cursor:
            return rows


@app.command("fake-server")
def fake_server(
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8250,
    host: str = "127.0.0.1",
    seed: int = 1,
    employees: Annotated[int, typer.Option(min=0, max=1_000_000)] = 100,
    latency_ms: Annotated[float, typer.Option(min=0)] = 0.0,
    error_rate: Annotated[float, typer.Option(min=0, max=1)] = 0.0,
    throttle_rate: Annotated[float, typer.Option(min=0, max=1)] = 0.0,
    retry_after_s: Annotated[int, typer.Option(min=0)] = 1,
    apim_token_ttl_s: Annotated[int, typer.Option(min=1)] = 300,
    sso_token_ttl_s: Annotated[int, typer.Option(min=1)] = 600,
    save_reject: bool = False,
    nips_out: Annotated[
        Path | None, typer.Option(help="Write the fake's NIPs to this CSV (a nip column)")
    ] = None,
) -> None:
    """Run a fake SIASN (synthetic data) following DOMAIN.md §1, with fault switches
    (change them later with PUT /admin/faults)."""
    import uvicorn

    from tatamutasi_pegawai.siasn_fake import FakeSiasn, Faults, create_app
    from tatamutasi_pegawai.siasn_fake import app as fake_app

    faults = Faults(
        latency_ms=latency_ms,
        error_rate=error_rate,
        throttle_rate=throttle_rate,
        retry_after_s=retry_after_s,
        apim_token_ttl_s=apim_token_ttl_s,
        sso_token_ttl_s=sso_token_ttl_s,
        save_reject=save_reject,
    )
    fake = FakeSiasn(seed=seed, employees=employees, faults=faults)
    if nips_out is not None:
        with nips_out.open("w", newline="", encoding="utf-8") as handle:
            handle.write("nip\n" + "".join(f"{n}\n" for n in fake.data.nips))
    base = f"http://{host}:{port}"
    typer.echo(
        f"Fake SIASN (data sintetis): {base}  ({employees} pegawai, seed {seed})\n"
        f"Client settings:\n"
        f"  export PEGAWAI_SIASN_APIM_TOKEN_URL={base}/oauth2/token\n"
        f"  export PEGAWAI_SIASN_SSO_TOKEN_URL={base}"
        "/auth/realms/public-siasn/protocol/openid-connect/token\n"
        f"  export PEGAWAI_SIASN_API_BASE_URL={base}/apisiasn/1.0\n"
        f"  export PEGAWAI_SIASN_REFERENSI_BASE_URL={base}/referensi_siasn/1\n"
        f"  export PEGAWAI_SIASN_CONSUMER_KEY={fake_app.CONSUMER_KEY}\n"
        f"  export PEGAWAI_SIASN_CONSUMER_SECRET={fake_app.CONSUMER_SECRET}\n"
        f"  export PEGAWAI_SIASN_SSO_CLIENT_ID={fake_app.SSO_CLIENT_ID}\n"
        f"  export PEGAWAI_SIASN_SSO_USERNAME={fake_app.SSO_USERNAME}\n"
        f"  export PEGAWAI_SIASN_SSO_PASSWORD={fake_app.SSO_PASSWORD}\n"
        f"  export PEGAWAI_SIASN_INSTANSI_ID={fake.data.instansi_id}\n"
        f"  export PEGAWAI_SIASN_SATUAN_KERJA_ID={fake.data.satuan_kerja_id}\n"
        f"Admin: GET/PUT {base}/admin/faults, POST {base}/admin/expire-tokens, "
        f"GET {base}/admin/nips, {base}/admin/saves, {base}/admin/stats"
    )
    sys.stdout.flush()
    uvicorn.run(create_app(fake), host=host, port=port, log_level="warning", access_log=False)
