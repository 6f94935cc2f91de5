"""registration key: co-ops' registration codes compared without case, Unicode forms or invisible characters

Adds coop.registration_key (shared.text.identity_key of the code, frozen below as this revision
applies it) with a unique index. Existing codes that already collide under it are reported and the
upgrade stops: which of two registrations is the real one is the province's decision, not ours.

Revision ID: rg0007_registration_key
Revises: rg0006_idempotency
"""

import unicodedata
from collections import defaultdict
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = "rg0007_registration_key"
down_revision: Union[str, None] = "rg0006_idempotency"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _key(code: str) -> str:
    text = unicodedata.normalize("NFKC", code)
    kept = ("-" if unicodedata.category(ch) == "Pd" or ch == "\u2212" else ch for ch in text)
    return "".join(ch for ch in kept if unicodedata.category(ch) != "Cf").strip().casefold()


def upgrade() -> None:
    with op.batch_alter_table("coop", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("registration_key", sa.String(length=50), nullable=True))
    bind = op.get_bind()
    coop = sa.table(
        "coop",
        sa.column("id", sa.Integer),
        sa.column("registration_code", sa.String),
        sa.column("registration_key", sa.String),
    )
    by_key: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for coop_id, code in bind.execute(sa.select(coop.c.id, coop.c.registration_code)).all():
        by_key[_key(code)].append((coop_id, code))
    clashes = {key: rows for key, rows in by_key.items() if len(rows) > 1}
    if clashes:
        listed = "; ".join(", ".join(f"{code!r} (id {coop_id})" for coop_id, code in rows) for rows in clashes.values())
        raise RuntimeError(f"registration codes that name the same co-op; merge or correct them first: {listed}")
    for key, [(coop_id, _)] in by_key.items():
        bind.execute(coop.update().where(coop.c.id == coop_id).values(registration_key=key))
    op.create_index("ix_coop_registration_key", "coop", ["registration_key"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_coop_registration_key", table_name="coop")
    with op.batch_alter_table("coop", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("registration_key")
