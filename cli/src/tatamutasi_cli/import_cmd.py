"""`tatamutasi import ...`"""

import typer

app = typer.Typer(help="Import data from Excel/CSV.", no_args_is_help=True)
