"""The fault campaign at a small size, on both backends: SIGKILLs of supplychain, reporting and Redis
under concurrent idempotent writes, some of whose answers the clerks never read, lose nothing and
double nothing (see tests/e2e/fault_campaign.py).

The seed is printed and a failure shows it; `Plan(seed=...)` gives the same fault points and the same
writes per clerk again (how the clerks' writes interleave depends on timing).
"""

from __future__ import annotations

from htx.runner import SERVICES
from tests.e2e.fault_campaign import FAULT_KINDS, Plan, run_campaign

WRITES = 200
FAULTS_OF_EACH_KIND = 2


async def test_fault_campaign_loses_and_doubles_nothing(backend, database_url_factory, tmp_path):
    plan = Plan(writes=WRITES, clients=4, faults=dict.fromkeys(FAULT_KINDS, FAULTS_OF_EACH_KIND), backend=backend)
    databases = {name: await database_url_factory(name) for name in SERVICES}
    result = await run_campaign(plan, tmp_path, database_urls=databases)
    report = result.report()

    assert result.stats.writes >= WRITES, report
    assert result.faults_by_kind() == dict.fromkeys(FAULT_KINDS, FAULTS_OF_EACH_KIND), report
    assert result.stats.retries["ConnectError"], report  # the supplychain kills reached the clerks
    assert result.stats.replays, report  # some answers the clerks missed were given again, not redone
    # The services take writes while Redis is away: their events wait in the outboxes.
    assert all(fault.writes_during > 0 for fault in result.faults if fault.kind == "redis"), report
    assert result.comparison.mismatches == [], report
    assert (result.comparison.lost, result.comparison.duplicated) == (0, 0), report
    assert result.verify_ok and "no difference between the producers and the read model" in result.verify_output, report
    assert result.dead_letters == [], report
