"""Yearly gradings over HTTP, on SQLite and PostgreSQL: Circular 01/2020 thresholds at their
edges, the not-graded rules (fed by the status history, or by an injected reader), one grading
per co-op and year, regrades as new revisions, versioned schemes, access."""

from __future__ import annotations

from datetime import date

from services.registry.quality import queries
from services.registry.quality.api import operating_history_reader
from services.registry.quality.grading_rules import Period
from tests.integration._registry_quality import PROVINCE, events_of, new_coop
from tests.support import bearer, running_app, wait_until


def scores(total: int) -> dict[str, int]:
    """Four criteria adding up to `total`."""
    finance = min(total, 40)
    governance = min(total - finance, 30)
    members = min(total - finance - governance, 20)
    return {
        "finance": finance,
        "governance": governance,
        "members": members,
        "community": total - finance - governance - members,
    }


async def test_thresholds_at_their_edges(registry_app_factory, redis, stream_prefix):
    app = await registry_app_factory()
    async with running_app(app) as client:
        coop = await new_coop(client, founded_on="2010-05-01")
        edges = {49: "yeu", 50: "trung_binh", 64: "trung_binh", 65: "kha", 79: "kha", 80: "tot"}
        for year, (total, grade) in zip(range(2018, 2024), edges.items()):
            graded = await client.post(
                f"/coops/{coop['id']}/gradings", headers=PROVINCE, json={"year": year, "scores": scores(total)}
            )
            assert graded.status_code == 201, graded.text
            assert (graded.json()["total_score"], graded.json()["grade"]) == (total, grade)
            assert graded.json()["scheme"] == "TT01-2020" and graded.json()["revision"] == 1

        published = await wait_until(
            lambda: _at_least(redis, stream_prefix, "registry.coop_graded", len(edges)), message="6 gradings"
        )
        assert [(e["total_score"], e["grade"]) for e in published] == list(edges.items())


async def _at_least(redis, stream_prefix, event_type, count):
    found = await events_of(redis, stream_prefix, event_type)
    return found if len(found) >= count else None


async def test_one_grading_per_year_regrade_is_a_new_revision(registry_app_factory, redis, stream_prefix):
    app = await registry_app_factory()
    async with running_app(app) as client:
        coop = await new_coop(client)
        url = f"/coops/{coop['id']}/gradings"
        missing = await client.post(url, headers=PROVINCE, json={"year": 2024})
        assert (missing.status_code, missing.json()["detail"]["code"]) == (422, "grading.scores_required")
        too_high = await client.post(
            url,
            headers=PROVINCE,
            json={"year": 2024, "scores": {"finance": 40, "governance": 30, "members": 20, "community": 11}},
        )
        assert too_high.json()["detail"]["code"] == "grading.total_too_high"
        unknown = await client.post(url, headers=PROVINCE, json={"year": 2024, "scheme": "TT99", "scores": scores(70)})
        assert unknown.json()["detail"]["code"] == "grading.scheme_unknown"
        unfinished = await client.post(
            url, headers=PROVINCE, json={"year": date.today().year + 1, "scores": scores(70)}
        )
        assert unfinished.json()["detail"]["code"] == "grading.year_not_finished"
        before = await client.post(url, headers=PROVINCE, json={"year": 2009, "scores": scores(70)})
        assert before.json()["detail"]["code"] == "grading.before_founding"

        first = await client.post(url, headers=PROVINCE, json={"year": 2024, "scores": scores(78)})
        assert first.status_code == 201 and first.json()["grade"] == "kha"
        duplicate = await client.post(url, headers=PROVINCE, json={"year": 2024, "scores": scores(81)})
        assert (duplicate.status_code, duplicate.json()["detail"]["code"]) == (409, "grading.duplicate")
        assert (
            await client.post(
                f"{url}/2023/regrades", headers=PROVINCE, json={"scores": scores(81), "reason": "nothing to correct"}
            )
        ).status_code == 404

        regrade = await client.post(
            f"{url}/2024/regrades",
            headers=PROVINCE,
            json={"scores": scores(81), "reason": "Bổ sung báo cáo tài chính đã kiểm toán"},
        )
        assert regrade.status_code == 201, regrade.text
        assert (regrade.json()["revision"], regrade.json()["grade"]) == (2, "tot")
        assert regrade.json()["supersedes_id"] == first.json()["id"]

        history = (await client.get(url, headers=bearer("coop", coop_id=coop["id"]))).json()
        assert [(g["year"], g["revision"], g["current"], g["grade"]) for g in history] == [
            (2024, 2, True, "tot"),
            (2024, 1, False, "kha"),
        ]
        assert history[0]["regrade_reason"] == "Bổ sung báo cáo tài chính đã kiểm toán"
        assert history[1]["scores"] == scores(78)

        published = await wait_until(
            lambda: _at_least(redis, stream_prefix, "registry.coop_graded", 2), message="grade and regrade"
        )
        assert [(e["revision"], e["grade"], e["supersedes_grading_id"]) for e in published] == [
            (1, "kha", None),
            (2, "tot", first.json()["id"]),
        ]


async def test_grading_access(registry_app_factory):
    app = await registry_app_factory()
    async with running_app(app) as client:
        coop = await new_coop(client)
        other = await new_coop(client, name="HTX Chè Hảo Đạt")
        url = f"/coops/{coop['id']}/gradings"
        body = {"year": 2024, "scores": scores(70)}
        assert (await client.post(url, json=body, headers=bearer("coop", coop_id=coop["id"]))).status_code == 403
        assert (await client.post(url, json=body)).status_code == 401
        assert (await client.post(url, json=body, headers=PROVINCE)).status_code == 201
        assert (await client.get(url)).status_code == 401
        assert (await client.get(url, headers=bearer("coop", coop_id=other["id"]))).status_code == 403
        assert (await client.get(url, headers=bearer("buyer", partner_id=3))).status_code == 403
        assert len((await client.get(url, headers=PROVINCE)).json()) == 1


async def test_not_graded_under_12_months_or_suspended_over_3_months(registry_app_factory):
    app = await registry_app_factory()
    async with running_app(app) as client:

        async def grade(coop: dict, year: int = 2024) -> dict:
            response = await client.post(
                f"/coops/{coop['id']}/gradings", headers=PROVINCE, json={"year": year, "scores": scores(85)}
            )
            assert response.status_code == 201, response.text
            return response.json()

        whole_year = await new_coop(client, founded_on="2024-01-01")
        assert (await grade(whole_year))["grade"] == "tot"
        late = await new_coop(client, founded_on="2024-01-02")
        result = await grade(late)
        assert (result["grade"], result["not_graded_reason"], result["total_score"]) == (
            "not_graded",
            "operating_under_12_months",
            None,
        )
        assert (await grade(late, 2025))["grade"] == "tot"  # its first full year

        async def suspended(reactivated_on: str) -> dict:
            coop = await new_coop(client)
            for status, on in (("suspended", "2024-03-01"), ("active", reactivated_on)):
                changed = await client.post(
                    f"/coops/{coop['id']}/status",
                    headers=PROVINCE,
                    json={"status": status, "effective_on": on, "reason": "Quyết định của UBND"},
                )
                assert changed.status_code == 201, changed.text
            return coop

        ninety_days = await suspended("2024-05-30")  # suspended 1 March - 29 May: 90 days
        assert (await grade(ninety_days))["grade"] == "tot"
        ninety_one = await suspended("2024-05-31")
        result = await grade(ninety_one)
        assert (result["grade"], result["not_graded_reason"]) == ("not_graded", "suspended_over_3_months")
        assert (await grade(ninety_one, 2023))["grade"] == "tot"  # the suspension was in 2024 only


async def test_suspensions_come_from_a_reader_that_can_be_fed(registry_app_factory):
    app = await registry_app_factory()
    async with running_app(app) as client:
        coop = await new_coop(client)
        fed: dict[int, list[Period]] = {coop["id"]: [Period(date(2024, 7, 1), date(2024, 10, 15))]}

        async def reader(session, found, year):
            return queries.OperatingHistory(suspensions=fed.get(found.id, []))

        app.dependency_overrides[operating_history_reader] = lambda: reader
        result = (
            await client.post(
                f"/coops/{coop['id']}/gradings", headers=PROVINCE, json={"year": 2024, "scores": scores(90)}
            )
        ).json()
        assert result["not_graded_reason"] == "suspended_over_3_months"
        fed[coop["id"]] = [Period(date(2024, 7, 1), date(2024, 9, 28))]  # 90 days
        regraded = (
            await client.post(
                f"/coops/{coop['id']}/gradings/2024/regrades",
                headers=PROVINCE,
                json={"scores": scores(90), "reason": "Thời gian tạm ngừng được đính chính"},
            )
        ).json()
        assert (regraded["grade"], regraded["revision"]) == ("tot", 2)


async def test_a_new_scheme_is_a_new_version(registry_app_factory):
    app = await registry_app_factory()
    async with running_app(app) as client:
        coop = await new_coop(client)
        scheme = {
            "code": "TT-2030",
            "title": "Thông tư giả định 2030",
            "thresholds": [[85, "tot"], [70, "kha"], [55, "trung_binh"], [0, "yeu"]],
            "criteria_max": {"finance": 40, "governance": 20, "members": 20, "community": 20},
        }
        assert (
            await client.post("/grading-schemes", json=scheme, headers=bearer("coop", coop_id=1))
        ).status_code == 403
        bad = await client.post(
            "/grading-schemes", headers=PROVINCE, json={**scheme, "thresholds": [[70, "tot"], [85, "kha"], [0, "yeu"]]}
        )
        assert bad.json()["detail"]["code"] == "grading.scheme_thresholds"
        assert (await client.post("/grading-schemes", json=scheme, headers=PROVINCE)).status_code == 201
        again = await client.post("/grading-schemes", json=scheme, headers=PROVINCE)
        assert (again.status_code, again.json()["detail"]["code"]) == (409, "grading.scheme_exists")
        builtin = await client.post("/grading-schemes", json={**scheme, "code": "TT01-2020"}, headers=PROVINCE)
        assert builtin.status_code == 409
        listed = (await client.get("/grading-schemes")).json()
        assert [(s["code"], s["builtin"]) for s in listed] == [
            ("TT01-2020", True),
            ("TT01-2020-15", True),
            ("TT-2030", False),
        ]
        assert listed[0]["thresholds"] == [[80, "tot"], [65, "kha"], [50, "trung_binh"], [0, "yeu"]]

        url = f"/coops/{coop['id']}/gradings"
        capped = await client.post(
            url,
            headers=PROVINCE,
            json={
                "year": 2024,
                "scheme": "TT-2030",
                "scores": {"finance": 41, "governance": 20, "members": 20, "community": 0},
            },
        )
        assert capped.json()["detail"]["code"] == "grading.score_range"
        graded = await client.post(
            url,
            headers=PROVINCE,
            json={
                "year": 2024,
                "scheme": "TT-2030",
                "scores": {"finance": 40, "governance": 20, "members": 20, "community": 4},
            },
        )
        assert (graded.json()["grade"], graded.json()["scheme"]) == ("kha", "TT-2030")  # 84 is Tốt under TT01-2020
