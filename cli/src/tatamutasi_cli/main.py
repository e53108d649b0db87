"""The `tatamutasi` command."""

import os
from pathlib import Path
from typing import Annotated

import typer

from tatamutasi_cli import audit_cmd, formasi_cmd, import_cmd, plan_cmd, siasn_cmd
from tatamutasi_cli.services import BY_NAME, SERVICES
from tatamutasi_platform.auth import ROLES, ensure_dev_keys, issue_token

app = typer.Typer(
    help="TataMutasi: plan, govern and prove mutasi ASN.",
    no_args_is_help=True,
    add_completion=False,
)

app.add_typer(audit_cmd.app, name="audit")
app.add_typer(siasn_cmd.app, name="siasn")
app.add_typer(import_cmd.app, name="import")
app.add_typer(plan_cmd.app, name="plan")
app.add_typer(formasi_cmd.app, name="formasi")

DataDir = Annotated[
    Path, typer.Option(envvar="TATAMUTASI_DATA_DIR", help="Where SQLite files, keys and logs live")
]


@app.command()
def token(
    role: Annotated[
        list[str],
        typer.Option("--role", "-r", help=f"One of {', '.join(ROLES)}; repeat for several"),
    ],
    sub: Annotated[str | None, typer.Option(help="Subject: a NIP for pegawai, a user id")] = None,
    units: Annotated[
        list[str] | None,
        typer.Option("--units", "-u", help="Unit ids (operator scope); repeat or comma-separate"),
    ] = None,
    name: Annotated[str | None, typer.Option(help="Display name")] = None,
    nip: Annotated[
        str | None, typer.Option(help="The holder's NIP, for separation-of-duties checks")
    ] = None,
    ttl: Annotated[int, typer.Option(help="Lifetime in seconds")] = 8 * 3600,
    data_dir: DataDir = Path("data"),
) -> None:
    """Print a development JWT signed with the local key (created by `tatamutasi run`)."""
    bad = [r for r in role if r not in ROLES]
    if bad:
        raise typer.BadParameter(
            f"unknown role(s) {bad}; choose from {', '.join(ROLES)}", param_hint="--role"
        )
    private, _ = ensure_dev_keys(data_dir / "keys")
    unit_list = [u for chunk in (units or []) for u in chunk.split(",") if u]
    typer.echo(
        issue_token(
            private.read_bytes(),
            sub=sub or f"dev-{role[0]}",
            roles=role,
            units=unit_list,
            name=name,
            nip=nip,
            ttl_s=ttl,
        )
    )


@app.command()
def run(
    data_dir: DataDir = Path("data"),
    broker_port: Annotated[int, typer.Option(envvar="TATAMUTASI_BROKER_PORT")] = 19092,
    pegawai_port: Annotated[int, typer.Option(envvar="TATAMUTASI_PEGAWAI_PORT")] = 8001,
    formasi_port: Annotated[int, typer.Option(envvar="TATAMUTASI_FORMASI_PORT")] = 8002,
    matching_port: Annotated[int, typer.Option(envvar="TATAMUTASI_MATCHING_PORT")] = 8003,
    audit_port: Annotated[int, typer.Option(envvar="TATAMUTASI_AUDIT_PORT")] = 8004,
    demo: Annotated[bool, typer.Option(help="Load the demo Pemda on first run")] = True,
    kafka_bootstrap: Annotated[
        str | None,
        typer.Option(
            envvar="TATAMUTASI_KAFKA_BOOTSTRAP", help="Use this broker instead of starting tansu"
        ),
    ] = None,
) -> None:
    """Start the broker and the four services with a demo Pemda; Ctrl-C stops them."""
    from tatamutasi_cli.runner import RunConfig
    from tatamutasi_cli.runner import run as run_all

    cfg = RunConfig(
        data_dir=data_dir.resolve(),
        broker_port=broker_port,
        load_demo=demo,
        ports={
            "pegawai": pegawai_port,
            "formasi": formasi_port,
            "matching": matching_port,
            "audit": audit_port,
        },
        kafka_bootstrap=kafka_bootstrap,
    )
    raise typer.Exit(run_all(cfg, echo=typer.echo))


@app.command()
def web(
    port: Annotated[int, typer.Option(envvar="TATAMUTASI_WEB_PORT")] = 8000,
    data_dir: DataDir = Path("data"),
) -> None:
    """Serve only the web console (services' URLs from TATAMUTASI_WEB_*_URL)."""
    os.environ["TATAMUTASI_WEB_PORT"] = str(port)
    os.environ["TATAMUTASI_WEB_DATA_DIR"] = str(data_dir.resolve())
    from tatamutasi_web.__main__ import main as serve

    serve()


@app.command()
def migrate(
    service: Annotated[list[str] | None, typer.Option(help="Service(s); default all")] = None,
) -> None:
    """Apply Alembic migrations, with each service's own `<PREFIX>_DATABASE_URL`."""
    from tatamutasi_platform.migrations import upgrade

    names = service or [s.name for s in SERVICES]
    for n in names:
        if n not in BY_NAME:
            raise typer.BadParameter(f"unknown service {n!r}", param_hint="--service")
        entry = BY_NAME[n]
        url = os.environ.get(f"{entry.prefix}_DATABASE_URL", f"sqlite:///./data/{entry.name}.db")
        upgrade(entry.package, url, entry.name)
        typer.echo(f"{n}: migrated")


@app.command()
def broker(
    port: Annotated[int, typer.Option(envvar="TATAMUTASI_BROKER_PORT")] = 19092,
) -> None:
    """Run only the development broker (tansu) with TataMutasi's topics; Ctrl-C stops it."""
    import signal
    import time

    from tatamutasi_platform.broker import TansuBroker

    b = TansuBroker(port).start()
    typer.echo(f"tansu listening on {b.bootstrap} with topics created")
    stop = False

    def _stop(*_: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        while not stop and b.running:
            time.sleep(0.3)
    finally:
        b.stop()


@app.command()
def contracts(
    check: Annotated[bool, typer.Option(help="Fail if checked-in files differ")] = False,
    out: Annotated[Path, typer.Option(help="The contracts folder")] = Path("contracts"),
) -> None:
    """Generate JSON Schemas, AsyncAPI and OpenAPI documents into contracts/."""
    from tatamutasi_cli.contracts_gen import generate_all, write_or_check

    drift = write_or_check(generate_all(), out, check=check)
    if check and drift:
        typer.echo(
            "Contracts drifted from the code; run `make contracts`:\n  " + "\n  ".join(drift),
            err=True,
        )
        raise typer.Exit(1)
    typer.echo("contracts up to date" if check else f"wrote contracts to {out}")


if __name__ == "__main__":
    app()
