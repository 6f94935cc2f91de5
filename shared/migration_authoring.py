"""Developers' helper: autogenerate a service's next migration against a scratch SQLite.

python -m shared.migration_authoring registry "add plots"
"""

from __future__ import annotations

import sys
import tempfile

from alembic import command

from shared.migrations import alembic_config


def main() -> None:
    service, message = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite+aiosqlite:///{scratch}/scratch.db"
        config = alembic_config(service, url)
        command.upgrade(config, "head")
        command.revision(config, message=message, autogenerate=True)


if __name__ == "__main__":
    main()
