"""`python -m htx`: the same as the `htx` console script."""

from htx.cli import app

app(prog_name="htx")
