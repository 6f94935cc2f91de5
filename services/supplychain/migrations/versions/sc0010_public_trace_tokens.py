"""public trace tokens: lots are traced publicly by a random token, and co-ops choose how households show

lot.public_token: 128 random bits, URL-safe, unique; every existing lot gets one here, so its
QR code and trace page can be printed again under the token (their old `/t/<code>` links stop
resolving for the public: codes are counted, `TH-<co-op>-<yyyymmdd>-<n>`, and could be walked).
known_coop.household_display: the co-op's choice (registry.coop_details_changed), "initials"
until the registry says otherwise.

Revision ID: sc0010_public_trace_tokens
Revises: sc0009_token_revocations
"""

import secrets
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = "sc0010_public_trace_tokens"
down_revision: Union[str, None] = "sc0009_token_revocations"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_CHUNK = 1000


def upgrade() -> None:
    with op.batch_alter_table("lot", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("public_token", sa.String(length=32), nullable=True))
    with op.batch_alter_table("known_coop", schema=None, recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column("household_display", sa.String(length=10), nullable=False, server_default="initials")
        )

    bind = op.get_bind()
    lot = sa.table("lot", sa.column("id", sa.Integer), sa.column("public_token", sa.String))
    ids = [lot_id for (lot_id,) in bind.execute(sa.select(lot.c.id).where(lot.c.public_token.is_(None))).all()]
    give = lot.update().where(lot.c.id == sa.bindparam("lot_id")).values(public_token=sa.bindparam("token"))
    for start in range(0, len(ids), _CHUNK):  # executemany: one round trip per chunk, not per lot
        bind.execute(give, [{"lot_id": i, "token": secrets.token_urlsafe(16)} for i in ids[start : start + _CHUNK]])
    op.create_index("ix_lot_public_token", "lot", ["public_token"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_lot_public_token", table_name="lot")
    with op.batch_alter_table("known_coop", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("household_display")
    with op.batch_alter_table("lot", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("public_token")
