"""`tatamutasi audit ...`"""

import typer

app = typer.Typer(help="Audit ledger: keys, offline verification, exports.", no_args_is_help=True)
