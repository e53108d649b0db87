"""`tatamutasi formasi ...`: demo data, the needs template and import, gap reports."""

import json
import os
from pathlib import Path
from typing import Annotated

import httpx
import typer

app = typer.Typer(help="Formasi: units, jabatan and needs.", no_args_is_help=True)

UrlOpt = Annotated[
    str, typer.Option("--url", envvar="TATAMUTASI_FORMASI_URL", help="Formasi service base URL")
]
TokenOpt = Annotated[
    str,
    typer.Option(
        "--token",
        envvar="TATAMUTASI_TOKEN",
        help="Bearer token (`tatamutasi token --role admin`)",
    ),
]


TRANSPORT: httpx.BaseTransport | None = None  # tests route requests to an in-process app


def _client(url: str, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=url,
        timeout=120,
        headers={"Authorization": f"Bearer {token}"},
        transport=TRANSPORT,
    )


def _fail(r: httpx.Response) -> None:
    if r.status_code >= 400:
        typer.echo(f"{r.status_code}: {r.text[:2000]}", err=True)
        raise typer.Exit(1)


@app.command("demo")
def demo(url: UrlOpt = "http://127.0.0.1:8002", token: TokenOpt = "") -> None:
    """Load the demo Pemda's units, jabatan and needs (idempotent)."""
    from tatamutasi_cli import demo_formasi

    typer.echo(demo_formasi.load({"formasi": url}, token, transport=TRANSPORT))


@app.command("template")
def template(
    out: Annotated[Path, typer.Argument(help="Where to write the .xlsx")] = Path(
        "template-kebutuhan.xlsx"
    ),
    url: UrlOpt = "http://127.0.0.1:8002",
    token: TokenOpt = "",
) -> None:
    """Download the Excel template for importing needs."""
    with _client(url, token) as c:
        r = c.get("/needs/template.xlsx")
    _fail(r)
    out.write_bytes(r.content)
    typer.echo(f"wrote {out}")


@app.command("import-needs")
def import_needs(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="The .xlsx")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check only")] = False,
    url: UrlOpt = "http://127.0.0.1:8002",
    token: TokenOpt = "",
) -> None:
    """Import needs from Excel: all or nothing, every row error listed."""
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    with _client(url, token) as c:
        r = c.post(
            "/needs/import",
            params={"dry_run": str(dry_run).lower()},
            files={"file": (file.name, file.read_bytes(), xlsx)},
        )
    body = r.json()
    for e in body.get("errors", []):
        where = f"row {e['row']} {e['field']}" if "row" in e else e.get("field", "")
        typer.echo(f"  {where}: {e['message_id']}", err=True)
    if r.status_code >= 400:
        typer.echo(body.get("detail", r.text[:500]), err=True)
        raise typer.Exit(1)
    typer.echo(
        f"{'dry run: ' if dry_run else ''}{body['rows']} rows, {body['needs']} needs, "
        f"{body['changed']} changed, {body['unchanged']} unchanged, "
        f"{len(body['errors'])} errors"
    )
    if body["errors"]:
        raise typer.Exit(1)


@app.command("summary")
def summary(
    url: UrlOpt = "http://127.0.0.1:8002",
    token: TokenOpt = "",
    as_json: Annotated[bool, typer.Option("--json")] = False,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="YYYY-MM-DD: as it was on that date")
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="YYYY-MM-DD: also what changed since then")
    ] = None,
) -> None:
    """The Pemda-wide gap summary."""
    params = {k: v for k, v in (("as_of", as_of), ("since", since)) if v}
    with _client(url, token) as c:
        r = c.get("/gaps/summary", params=params)
    _fail(r)
    body = r.json()
    if as_json:
        typer.echo(json.dumps(body, indent=1, ensure_ascii=False))
        return
    for line in body["headline"]:
        typer.echo(line)


@app.command("change")
def change(
    before: Annotated[str, typer.Option("--before", help="YYYY-MM-DD, e.g. before a round")],
    after: Annotated[str | None, typer.Option("--after", help="YYYY-MM-DD; default today")] = None,
    url: UrlOpt = "http://127.0.0.1:8002",
    token: TokenOpt = "",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Gaps per OPD on two dates side by side (a mutasi round's outcome)."""
    params = {"before": before, **({"after": after} if after else {})}
    with _client(url, token) as c:
        r = c.get("/gaps/change", params=params)
    _fail(r)
    body = r.json()
    if as_json:
        typer.echo(json.dumps(body, indent=1, ensure_ascii=False))
        return
    for line in body["headline"]:
        typer.echo(line)
    typer.echo(f"{'OPD':<40} {'kurang':>14} {'lebih':>14} {'terisi':>14}")
    for row in body["by_opd"]:
        b, a = row["before"], row["after"]
        typer.echo(
            f"{(row['name'] or row['key'])[:40]:<40} "
            f"{b['vacant']:>5} → {a['vacant']:<6} {b['over']:>5} → {a['over']:<6} "
            f"{b['filled']:>5} → {a['filled']:<6}"
        )


@app.command("export")
def export(
    out: Annotated[Path, typer.Argument(help="Where to write the .xlsx")] = Path(
        "analisis-kebutuhan.xlsx"
    ),
    opd: Annotated[str | None, typer.Option("--opd", help="Only this OPD")] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="YYYY-MM-DD: as it was on that date")
    ] = None,
    url: UrlOpt = "http://127.0.0.1:8002",
    token: TokenOpt = "",
) -> None:
    """The gap report as an Excel workbook for a BKD report."""
    params = {k: v for k, v in (("opd_id", opd), ("as_of", as_of)) if v}
    with _client(url, token) as c:
        r = c.get("/gaps/export.xlsx", params=params)
    _fail(r)
    out.write_bytes(r.content)
    typer.echo(f"wrote {out} ({os.path.getsize(out)} bytes)")
