"""`tatamutasi plan ...`"""

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(help="Optimiser: solve plan instances.", no_args_is_help=True)


class Mode(StrEnum):
    optimal = "optimal"
    stable = "stable"


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


@app.command()
def solve(
    instance: Annotated[
        Path, typer.Argument(help="Instance JSON (format tatamutasi.plan-instance/v1)")
    ],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the result here (default: stdout)")
    ] = None,
    mode: Annotated[Mode, typer.Option(help="optimal (max total score) or stable (DA)")] = (
        Mode.optimal
    ),
) -> None:
    """Solve a whole-Pemda assignment instance and write the plan (assignment, objective,
    unmet constraints, fairness, explanations, provenance) as canonical JSON.

    Exit codes: 0 plan complete; 2 bad instance (the field is named); 3 a plan was written
    but some constraints (priority posts, move cap) could not be met — see `unmet`."""
    from tatamutasi_matching.domain.instance import InstanceError
    from tatamutasi_matching.domain.optimiser import dump_result
    from tatamutasi_matching.domain.optimiser import solve as solve_instance

    try:
        raw = json.loads(instance.read_bytes(), parse_constant=_reject_constant)
    except OSError as exc:
        typer.echo(f"error: cannot read {instance}: {exc.strerror}", err=True)
        raise typer.Exit(2) from exc
    except ValueError as exc:
        typer.echo(f"error: {instance} is not valid JSON: {exc}", err=True)
        raise typer.Exit(2) from exc
    try:
        result = solve_instance(raw, mode.value)
    except InstanceError as exc:
        typer.echo(f"error: {exc.field}: {exc.message_en} / {exc.message_id}", err=True)
        raise typer.Exit(2) from exc
    data = dump_result(result)
    if out is None:
        typer.echo(data.decode(), nl=False)
    else:
        out.write_bytes(data)
        typer.echo(
            f"{result['mode']} plan: objective {result['objective']} "
            f"(staying: {result['baseline_objective']}), {result['moves_count']} move(s) "
            f"of {result['employees']} employee(s) → {out}",
            err=True,
        )
    for u in result["unmet"]:
        where = u.get("post") or u["constraint"]
        typer.echo(f"unmet {u['constraint']} {where}: {u['reason']['en']}", err=True)
    if result["unmet"]:
        raise typer.Exit(3)
