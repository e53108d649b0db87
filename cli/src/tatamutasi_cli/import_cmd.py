"""`tatamutasi import ...`: employees from Excel/CSV through the pegawai API (so every row
is validated and recorded exactly as a registration, with the acting user in its event)."""

from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
import xlsxwriter
from rich.console import Console

from tatamutasi_platform.auth import ensure_dev_keys, issue_token
from tatamutasi_platform.spreadsheets import neutralise

app = typer.Typer(help="Import data from Excel/CSV.", no_args_is_help=True)
console = Console(stderr=True)

Url = Annotated[
    str, typer.Option(envvar="TATAMUTASI_PEGAWAI_URL", help="Base URL of the pegawai service")
]
Token = Annotated[
    str | None,
    typer.Option(
        envvar="TATAMUTASI_TOKEN",
        help="Bearer token (default: a development admin token from the local key)",
    ),
]
DataDir = Annotated[
    Path, typer.Option(envvar="TATAMUTASI_DATA_DIR", help="Where the development keys live")
]


def _client(url: str, token: str | None, data_dir: Path) -> httpx.Client:
    if token is None:
        private, _ = ensure_dev_keys(data_dir / "keys")
        token = issue_token(private.read_bytes(), sub="cli-import", roles=["admin"], ttl_s=3600)
    return httpx.Client(base_url=url, timeout=600, headers={"Authorization": f"Bearer {token}"})


def write_error_workbook(errors: list[dict[str, Any]], path: Path) -> None:
    """Baris (row), Kolom (column), Alasan (reason, Indonesian), Reason (English)."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Kesalahan")
    bold = wb.add_format({"bold": True})
    for c, h in enumerate(("Baris", "Kolom", "Alasan", "Reason")):
        ws.write_string(0, c, h, bold)
    for r, e in enumerate(errors, start=1):
        ws.write_number(r, 0, e["row"])
        ws.write_string(r, 1, neutralise(e["column"]))
        ws.write_string(r, 2, neutralise(e["reason"]))  # reasons quote the cell as sent
        ws.write_string(r, 3, neutralise(e["reason_en"]))
    ws.set_column(1, 1, 20)
    ws.set_column(2, 3, 80)
    wb.close()


def import_file(
    client: httpx.Client,
    path: Path,
    *,
    dry_run: bool,
    partial: bool,
    errors_path: Path | None = None,
) -> int:
    """Upload `path`, print the report; returns the exit code (0 ok, 1 row errors, 2 file
    refused). Row errors are printed and, with --partial or --errors, written to a workbook."""
    with console.status(f"Mengunggah dan memeriksa {path.name} ..."):
        r = client.post(
            "/import/pegawai",
            params={"dry_run": str(dry_run).lower(), "partial": str(partial).lower()},
            files={"file": (path.name, path.read_bytes(), "application/octet-stream")},
        )
    body = r.json() if r.headers.get("content-type", "").endswith("json") else {}
    if "rows" not in body:
        console.print(f"[red]Berkas ditolak ({r.status_code}):[/red] {body.get('detail', r.text)}")
        return 2
    errors = body["errors"]
    for e in errors[:50]:
        console.print(f"  baris {e['row']}, kolom {e['column']}: {e['reason']}")
    if len(errors) > 50:
        console.print(f"  ... dan {len(errors) - 50} kesalahan lain")
    if errors and (partial or errors_path is not None):
        target = errors_path or path.with_name(f"{path.stem}-kesalahan.xlsx")
        write_error_workbook(errors, target)
        console.print(f"Daftar kesalahan: {target}")
    verb = "diperiksa (tanpa menyimpan)" if dry_run else "diimpor"
    typer.echo(
        f"{body['rows']} baris, {body['valid']} sah, {body['imported']} {verb}, "
        f"{len(errors)} kesalahan"
    )
    if errors and not partial and not dry_run:
        console.print("[red]Tidak ada yang disimpan (semua-atau-tidak-sama-sekali).[/red]")
    return 1 if errors else 0


@app.command("pegawai")
def pegawai(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help=".xlsx or .csv")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check only; write nothing")] = False,
    partial: Annotated[
        bool, typer.Option("--partial", help="Import valid rows; write an error workbook")
    ] = False,
    errors: Annotated[
        Path | None, typer.Option(help="Where to write the error workbook (.xlsx)")
    ] = None,
    url: Url = "http://127.0.0.1:8001",
    token: Token = None,
    data_dir: DataDir = Path("data"),
) -> None:
    """Import employees from the template (`tatamutasi import template`) or a CSV with the
    same headers. All-or-nothing unless --partial."""
    with _client(url, token, data_dir) as client:
        code = import_file(client, file, dry_run=dry_run, partial=partial, errors_path=errors)
    raise typer.Exit(code)


@app.command("template")
def template(
    out: Annotated[Path, typer.Argument(help="Where to save the .xlsx template")] = Path(
        "templat-impor-pegawai.xlsx"
    ),
    url: Url = "http://127.0.0.1:8001",
    token: Token = None,
    data_dir: DataDir = Path("data"),
) -> None:
    """Download the import template (columns, codes and explanations)."""
    with _client(url, token, data_dir) as client:
        r = client.get("/import/pegawai/template")
    if r.status_code != 200:
        console.print(f"[red]Gagal ({r.status_code}):[/red] {r.text[:300]}")
        raise typer.Exit(2)
    out.write_bytes(r.content)
    typer.echo(str(out))


@app.command("export")
def export(
    out: Annotated[Path, typer.Argument(help="pegawai.xlsx or pegawai.csv")],
    url: Url = "http://127.0.0.1:8001",
    token: Token = None,
    data_dir: DataDir = Path("data"),
) -> None:
    """Export the registry with the template's columns (.xlsx or .csv by extension)."""
    fmt = "csv" if out.suffix.lower() == ".csv" else "xlsx"
    with _client(url, token, data_dir) as client:
        r = client.get("/export/pegawai", params={"format": fmt})
    if r.status_code != 200:
        console.print(f"[red]Gagal ({r.status_code}):[/red] {r.text[:300]}")
        raise typer.Exit(2)
    out.write_bytes(r.content)
    typer.echo(str(out))
