"""GS1 key forms: events captured before get the identifier rows a capture now writes

A GS1 key (SGTIN, LGTIN, SSCC) named by an event has, besides its row as captured, the rows of
`services.supplychain.digital_link.index_forms` (its EPC URN, or its canonical Digital Link where
no URN can be computed), so queries match it in either form. This adds those rows
for the events already stored; the schema does not change.

Revision ID: sc0015_gs1_key_forms
Revises: sc0014_lot_gtin
"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

from services.supplychain import digital_link

revision: str = "sc0015_gs1_key_forms"
down_revision: Union[str, None] = "sc0014_lot_gtin"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_CHUNK = 1000
_identifier = sa.table(
    "epcis_event_identifier",
    sa.column("event_pk", sa.Integer),
    sa.column("field", sa.String),
    sa.column("value", sa.String),
)
# What could be a GS1 key in either form; the exact test is digital_link's.
_CANDIDATES = sa.or_(
    _identifier.c.value.like("urn:epc:id:sgtin:%"),
    _identifier.c.value.like("urn:epc:class:lgtin:%"),
    _identifier.c.value.like("urn:epc:id:sscc:%"),
    _identifier.c.value.like("http%/01/%"),
    _identifier.c.value.like("http%/00/%"),
)


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.select(_identifier.c.event_pk, _identifier.c.field, _identifier.c.value).where(_CANDIDATES))
    stored = [tuple(row) for row in rows.all()]
    have = set(stored)
    missing: dict[tuple[int, str, str], None] = {}
    for event_pk, field, value in stored:
        for form in digital_link.index_forms(value):
            if (event_pk, field, form) not in have:
                missing[(event_pk, field, form)] = None
    rows_to_add = [{"event_pk": pk, "field": field, "value": value} for pk, field, value in missing]
    for start in range(0, len(rows_to_add), _CHUNK):  # executemany: one round trip per chunk
        bind.execute(_identifier.insert(), rows_to_add[start : start + _CHUNK])


def downgrade() -> None:
    """The added rows are not told apart from captured ones; they only widen matches, so they stay."""
