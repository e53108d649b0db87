"""`tatamutasi audit ...`: checkpoint keys and offline verification of the ledger.

This module imports only the audit service's pure ledger package (and the contracts): an
auditor's verifier must not depend on the service's storage or application code."""

import io
import json
import os
import zipfile
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer

from tatamutasi_audit.ledger.export import (
    ENTRY_FILES,
    MANIFEST,
    ExportInvalid,
    ExportReport,
    verify_export,
)
from tatamutasi_audit.ledger.note import NoteError, Signer, Verifier
from tatamutasi_audit.ledger.verifier import Fetch, LogReport, VerificationFailed, verify_log

app = typer.Typer(help="Audit ledger: keys, offline verification, exports.", no_args_is_help=True)

EXIT_FAILED = 1
EXIT_ALARM = 3


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)


@app.command()
def keygen(
    name: Annotated[
        str, typer.Option(help="Log origin and key name, e.g. tatamutasi.example/pemda-lampung")
    ],
    out: Annotated[Path, typer.Option(help="Folder for signing.key (0600) and signing.vkey")],
) -> None:
    """Make a checkpoint signing key (C2SP signed-note, Ed25519). Set AUDIT_SIGNING_KEY_FILE
    to the .key file and AUDIT_LOG_ORIGIN to NAME; publish the .vkey to auditors."""
    try:
        signer = Signer.generate(name)
    except NoteError as exc:
        raise typer.BadParameter(str(exc), param_hint="--name") from None
    out.mkdir(parents=True, exist_ok=True)
    key, vkey = out / "signing.key", out / "signing.vkey"
    if key.exists() or vkey.exists():
        typer.echo(f"refusing to overwrite {key} or {vkey}", err=True)
        raise typer.Exit(EXIT_FAILED)
    _write_private(key, signer.encode() + "\n")
    vkey.write_text(signer.verifier().encode() + "\n", encoding="utf-8")
    typer.echo(f"private key: {key} (keep it secret)")
    typer.echo(f"verifier key: {vkey}")
    typer.echo(signer.verifier().encode())


def http_fetch(client: httpx.Client) -> Fetch:
    """A tlog-tiles fetch over HTTP; any non-200 answer fails verification."""

    def fetch(path: str) -> bytes:
        try:
            r = client.get("/" + path)
        except httpx.HTTPError as exc:
            raise VerificationFailed(f"GET /{path}: {exc}") from None
        if r.status_code != 200:
            raise VerificationFailed(f"GET /{path} answered {r.status_code}: {r.text[:200]}")
        return r.content

    return fetch


def _load_vkey(vkey: str) -> Verifier:
    path = Path(vkey)
    text = path.read_text(encoding="utf-8") if path.is_file() else vkey
    try:
        return Verifier.parse(text.strip())
    except NoteError as exc:
        raise typer.BadParameter(str(exc), param_hint="--vkey") from None


def _read_state(path: Path | None) -> dict[str, Any] | None:
    if path is None or not path.exists():
        return None
    try:
        state: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise typer.BadParameter(f"unreadable state file: {exc}", param_hint="--state") from None
    return state


def _write_state(path: Path, verifier: Verifier, report: LogReport) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(
        json.dumps(
            {
                "vkey": verifier.encode(),
                "size": report.checkpoint.size,
                "checkpoint": report.note,
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    tmp.replace(path)


def run_verify(
    client: httpx.Client,
    verifier: Verifier,
    *,
    state: Path | None = None,
    event_ids: list[str] | None = None,
    origin: str | None = None,
) -> LogReport:
    """Verify the log behind `client` (base URL and auth set); remember the checkpoint in
    `state` when it verifies. Raises VerificationFailed."""
    remembered = _read_state(state)
    previous = remembered.get("checkpoint") if remembered else None
    report = verify_log(
        http_fetch(client),
        verifier,
        origin=origin,
        previous_note=previous,
        event_ids=event_ids or [],
    )
    if state is not None:
        _write_state(state, verifier, report)
    return report


def _verify_export(folder: Path, verifier: Verifier, origin: str | None) -> None:
    try:
        report: ExportReport = verify_export(folder, verifier, origin=origin)
    except ExportInvalid as exc:
        typer.echo(f"FAILED: {exc}", err=True)
        raise typer.Exit(EXIT_FAILED) from None
    cp = report.checkpoint
    span = f"indexes {report.first_index}..{report.last_index}" if report.count else "no entries"
    typer.echo(
        f"OK: {report.count} {report.entries_format.upper()} entries ({span}) are in "
        f"{cp.origin} of size {cp.size}, unchanged, in order"
    )
    if report.query:
        typer.echo("query: " + ", ".join(f"{k}={v}" for k, v in sorted(report.query.items())))
    if not report.complete:
        typer.echo("note: more entries matched the query than this export holds")


@app.command()
def verify(
    vkey: Annotated[str, typer.Option(help="Verifier key, or a file holding it")],
    url: Annotated[
        str | None, typer.Option(help="Base URL of the audit service (tlog-tiles root)")
    ] = None,
    export: Annotated[
        Path | None,
        typer.Option(
            "--export",
            help="Verify an export folder (manifest.json + entries) instead of a URL",
            exists=True,
            file_okay=False,
        ),
    ] = None,
    state: Annotated[
        Path | None,
        typer.Option(help="Remembers the last verified checkpoint; a fork is an alarm"),
    ] = None,
    event_id: Annotated[
        list[str] | None, typer.Option("--event-id", help="Prove this event is in the log")
    ] = None,
    origin: Annotated[
        str | None, typer.Option(help="Expected origin (default: the key's name)")
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(envvar="TATAMUTASI_TOKEN", help="Bearer token (auditor or integration)"),
    ] = None,
) -> None:
    """Verify the whole ledger with only its verifier key: checkpoint signature, every entry
    against the signed root, every hash tile, consistency with the checkpoint seen last time,
    and inclusion of the given events. Exit 0: verified; 1: failed; 3: ALARM (fork, rewrite
    or truncation since the remembered checkpoint). With --export DIR: verify an export
    offline (signature, every line against the signed root)."""
    if (url is None) == (export is None):
        raise typer.BadParameter("give exactly one of --url or --export", param_hint="--url")
    verifier = _load_vkey(vkey)
    if export is not None:
        _verify_export(export, verifier, origin)
        return
    assert url is not None
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=30) as client:
        try:
            report = run_verify(client, verifier, state=state, event_ids=event_id, origin=origin)
        except VerificationFailed as exc:
            typer.echo(f"FAILED: {exc}", err=True)
            raise typer.Exit(EXIT_ALARM if exc.alarm else EXIT_FAILED) from None
    cp = report.checkpoint
    typer.echo(f"OK: {cp.origin} size {cp.size}, {report.tiles_checked} hash tiles checked")
    if report.previous_size is not None:
        typer.echo(f"consistent with the remembered checkpoint of size {report.previous_size}")
    for event, index in sorted(report.included.items(), key=lambda kv: kv[1]):
        typer.echo(f"included: {event} at index {index}")


SAFE_NAMES = {MANIFEST, *ENTRY_FILES.values()}


def unpack_export(data: bytes, out: Path) -> list[Path]:
    """Write the files of an export zip into `out` (only the names an export has)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ValueError("the answer is not a zip archive") from None
    written = []
    out.mkdir(parents=True, exist_ok=True)
    with archive:
        for name in archive.namelist():
            if name not in SAFE_NAMES:
                raise ValueError(f"unexpected file {name!r} in the export")
            path = out / name
            path.write_bytes(archive.read(name))
            written.append(path)
    return written


@app.command("export")
def export_cmd(
    url: Annotated[str, typer.Option(help="Base URL of the audit service")],
    out: Annotated[Path, typer.Option(help="Folder to write manifest.json and the entries to")],
    format: Annotated[str, typer.Option(help="jsonl or csv")] = "jsonl",
    query: Annotated[
        list[str] | None,
        typer.Option(
            "--query",
            "-q",
            help="Filter as NAME=VALUE (type, source, nip, pseudonym, actor, subject, unit, "
            "round, flag, proposal, time_from, time_to, after, before, limit); repeatable",
        ),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(envvar="TATAMUTASI_TOKEN", help="Bearer token (auditor or integration)"),
    ] = None,
) -> None:
    """Download an export of the ledger (entries and a manifest proving each of them); check
    it later with `tatamutasi audit verify --export OUT --vkey KEY`."""
    params: dict[str, str] = {"format": format}
    for item in query or []:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise typer.BadParameter(f"{item!r}: expected NAME=VALUE", param_hint="--query")
        params[name] = value
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=300) as client:
        try:
            r = client.get("/ledger/export", params=params)
        except httpx.HTTPError as exc:
            typer.echo(f"FAILED: GET /ledger/export: {exc}", err=True)
            raise typer.Exit(EXIT_FAILED) from None
    if r.status_code != 200:
        typer.echo(f"FAILED: GET /ledger/export answered {r.status_code}: {r.text[:500]}", err=True)
        raise typer.Exit(EXIT_FAILED)
    try:
        files = unpack_export(r.content, out)
    except ValueError as exc:
        typer.echo(f"FAILED: {exc}", err=True)
        raise typer.Exit(EXIT_FAILED) from None
    for path in files:
        typer.echo(f"wrote {path}")
