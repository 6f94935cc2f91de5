"""Alembic, one migration history per service, for SQLite and PostgreSQL alike.

Each service keeps `migrations/` beside its code; its `env.py` calls `run_env` with the
tables the service owns (shared outbox/inbox included). The app never calls `create_all`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, Table
from sqlalchemy.engine import Connection

from shared.db import create_engine, is_sqlite

SERVICES_DIR = Path(__file__).resolve().parent.parent / "services"


def alembic_config(service: str, database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SERVICES_DIR / service / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["database_url"] = database_url
    return config


def upgrade(service: str, database_url: str, revision: str = "heads") -> None:
    """Bring a service's database to `revision`. Synchronous: from async code use a thread."""
    command.upgrade(alembic_config(service, database_url), revision)


async def upgrade_async(service: str, database_url: str) -> None:
    await asyncio.to_thread(upgrade, service, database_url)


def service_metadata(tables: Iterable[Table]) -> MetaData:
    """A MetaData holding only one service's tables, so autogenerate sees nothing else."""
    metadata = MetaData()
    for table in tables:
        table.to_metadata(metadata)
    return metadata


def run_env(tables: Iterable[Table]) -> None:
    """Body of every service's `env.py`."""
    metadata = service_metadata(tables)
    url = context.config.attributes.get("database_url") or context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database URL: pass one through alembic_config() or sqlalchemy.url")
    render_as_batch = is_sqlite(url)  # SQLite alters tables by copying them

    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True, render_as_batch=render_as_batch)
        with context.begin_transaction():
            context.run_migrations()
        return

    def migrate(connection: Connection) -> None:
        context.configure(
            connection=connection, target_metadata=metadata, render_as_batch=render_as_batch, compare_type=True
        )
        with context.begin_transaction():
            context.run_migrations()

    async def run() -> None:
        engine = create_engine(url)
        async with engine.begin() as connection:
            await connection.run_sync(migrate)
        await engine.dispose()

    asyncio.run(run())


def create_idempotency_record_table(op: Any) -> None:
    """`idempotency_record` (shared.idempotency) as every service first created it.

    Frozen: the three services' first migrations of it call this, so a later change to the model
    is a new migration in each service, never an edit here.
    """
    import sqlalchemy as sa
    from sqlmodel.sql.sqltypes import AutoString as text
    from sqlmodel.sql.sqltypes import UTCDateTime

    op.create_table(
        "idempotency_record",
        sa.Column("caller", text(length=300), nullable=False),
        sa.Column("key", text(length=255), nullable=False),
        sa.Column("fingerprint", text(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("headers_json", sa.Text(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("caller", "key"),
    )
    op.create_index("ix_idempotency_record_created_at", "idempotency_record", ["created_at"], unique=False)


def create_token_revocation_table(op: Any) -> None:
    """`token_revocation` (shared.revocation) as every service first created it. Frozen, like the above."""
    import sqlalchemy as sa
    from sqlmodel.sql.sqltypes import AutoString as text
    from sqlmodel.sql.sqltypes import UTCDateTime

    op.create_table(
        "token_revocation",
        sa.Column("token_id", text(length=64), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_by", text(length=300), nullable=False),
        sa.PrimaryKeyConstraint("token_id"),
    )
    op.create_index("ix_token_revocation_expires_at", "token_revocation", ["expires_at"], unique=False)


def drop_token_revocation_table(op: Any) -> None:
    op.drop_index("ix_token_revocation_expires_at", table_name="token_revocation")
    op.drop_table("token_revocation")


def create_event_archive_table(op: Any) -> None:
    """`event_archive` (shared.messaging.outbox.ArchivedEntry) as both producers first created it. Frozen."""
    import sqlalchemy as sa
    from sqlmodel.sql.sqltypes import AutoString as text

    op.create_table(
        "event_archive",
        sa.Column("stream", text(length=200), nullable=False),
        sa.Column("entry_ms", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("entry_seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["outbox_id"], ["outbox.id"]),
        sa.PrimaryKeyConstraint("stream", "entry_ms", "entry_seq"),
        sa.UniqueConstraint("outbox_id"),
    )
