"""`tatamutasi siasn ...`"""

import typer

app = typer.Typer(help="SIASN (BKN) synchronisation.", no_args_is_help=True)
