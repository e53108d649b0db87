"""`tatamutasi plan ...`"""

import typer

app = typer.Typer(help="Optimiser: solve plan instances.", no_args_is_help=True)
