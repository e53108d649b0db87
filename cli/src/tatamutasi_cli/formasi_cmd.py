"""`tatamutasi formasi ...`"""

import typer

app = typer.Typer(help="Formasi: units, jabatan and needs.", no_args_is_help=True)
