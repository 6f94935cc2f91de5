"""The registry's stored draft commune code (Xã Phú Lạc 05794) becomes the official one (05788), both backends."""

from __future__ import annotations

import asyncio
from datetime import date

from alembic import command
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.registry.tables import Coop, Partner
from shared.db import create_engine
from shared.migrations import alembic_config, upgrade


async def test_draft_ward_codes_are_rewritten_to_the_official_ones(database_url_factory):
    url = await database_url_factory("registry")
    await asyncio.to_thread(command.downgrade, alembic_config("registry", url), "rg0010_accounts")
    engine = create_engine(url)
    try:
        async with AsyncSession(engine) as session:
            for code, ward in (("TN-1", "05794"), ("TN-2", "05488")):
                session.add(
                    Coop(
                        name=f"HTX {code}",
                        name_search=f"htx {code}",
                        form="hop_tac_xa",
                        registration_code=code,
                        registration_key=code.lower(),
                        ward_code=ward,
                        founded_on=date(2015, 6, 1),
                    )
                )
            session.add(Partner(name="Công ty Chè", name_search="cong ty che", kind="buyer", ward_code="05794"))
            await session.commit()
        await asyncio.to_thread(upgrade, "registry", url)
        async with AsyncSession(engine) as session:
            coops = (await session.exec(select(Coop.registration_code, Coop.ward_code, Coop.legacy_ward_code))).all()
            partners = (await session.exec(select(Partner.ward_code))).all()
    finally:
        await engine.dispose()
    assert sorted(coops) == [("TN-1", "05788", None), ("TN-2", "05488", None)]  # a draft code, not a legacy one
    assert partners == ["05788"]
