"""The 15-criteria grading (TT01-2020-15, ADR 0027) over HTTP, on SQLite and PostgreSQL: all 15
item scores recorded with the proposal they started from, a cap refused with a 422 that names the
item in the request's language, a proposed score changed only with its reason, the workings
published on `registry.coop_graded`, the old 4-group scheme still valid."""

from __future__ import annotations

from shared.grading_items import GRADING_ITEMS
from tests.integration._registry_quality import PROVINCE, events_of, new_coop
from tests.support import running_app, wait_until

URL = "/coops/{coop_id}/gradings"
# Every item at its maximum except two: 100 - 3 - 2 = 95.
SCORES = {item.code: item.maximum for item in GRADING_ITEMS} | {"capital": 4, "member_benefit": 8}
PROPOSAL = {
    "member_participation": {
        "points": 8,
        "rule": "member_participation.share_delivering",
        "evidence": {"members": 4, "delivering": 4},
    },
    "member_benefit": {
        "points": 10,
        "rule": "member_benefit.paid_share",
        "evidence": {"owed_vnd": 1_700_000, "paid_vnd": 1_700_000},
    },
}


async def test_fifteen_items_recorded_with_the_proposal_and_the_change_kept(registry_app_factory, redis, stream_prefix):
    app = await registry_app_factory()
    async with running_app(app) as client:
        coop = await new_coop(client)
        url = URL.format(coop_id=coop["id"])
        body = {"year": 2024, "scheme": "TT01-2020-15", "scores": SCORES, "proposal": PROPOSAL}

        unexplained = await client.post(url, headers=PROVINCE, json=body)
        assert unexplained.status_code == 422
        assert unexplained.json()["detail"]["code"] == "grading.change_without_note"
        assert "11 member_benefit (Lợi ích thành viên)" in unexplained.json()["detail"]["message"]

        over = await client.post(
            url, headers=PROVINCE | {"Accept-Language": "en"}, json=body | {"scores": SCORES | {"awards": 5}}
        )
        assert (over.status_code, over.json()["detail"]["code"]) == (422, "grading.score_range")
        assert over.json()["detail"]["message"] == "Score 15 awards (Khen thưởng trong năm) = 5 is outside 0..4."

        fourteen = {code: points for code, points in SCORES.items() if code != "funds"}
        short = await client.post(url, headers=PROVINCE, json=body | {"scores": fourteen})
        assert (short.status_code, short.json()["detail"]["code"]) == (422, "grading.scheme_criteria_of")
        assert "funds" in short.json()["detail"]["message"]
        old_groups = {"finance": 30, "governance": 25, "members": 15, "community": 9}
        mixed = await client.post(url, headers=PROVINCE, json=body | {"scores": old_groups})
        assert mixed.json()["detail"]["code"] == "grading.scheme_criteria_of"
        assert (await client.get(url, headers=PROVINCE)).json() == []  # nothing written by a refusal

        why = "Hai hộ được trả chậm quá 30 ngày theo biên bản đối chiếu công nợ"
        recorded = await client.post(url, headers=PROVINCE, json=body | {"notes": {"member_benefit": why}})
        assert recorded.status_code == 201, recorded.text
        grading = recorded.json()
        assert (grading["total_score"], grading["grade"], grading["scheme"]) == (95, "tot", "TT01-2020-15")
        assert grading["scores"] == SCORES and len(grading["scores"]) == 15
        assert grading["proposal"]["member_benefit"]["evidence"] == {"owed_vnd": 1_700_000, "paid_vnd": 1_700_000}
        assert grading["notes"] == {"member_benefit": why}

        regrade = {
            "scheme": "TT01-2020-15",
            "scores": SCORES | {"member_participation": 6},
            "proposal": PROPOSAL,
            "notes": {"member_benefit": why},
            "reason": "Danh sách thành viên giao sản phẩm được đối chiếu lại",
        }
        unexplained_regrade = await client.post(f"{url}/2024/regrades", headers=PROVINCE, json=regrade)
        assert unexplained_regrade.json()["detail"]["code"] == "grading.change_without_note"
        fewer = "Hai hộ giao qua tổ thu gom, không phải trực tiếp cho HTX"
        regrade["notes"] |= {"member_participation": fewer}
        regraded = await client.post(f"{url}/2024/regrades", headers=PROVINCE, json=regrade)
        assert regraded.status_code == 201, regraded.text
        assert (regraded.json()["revision"], regraded.json()["total_score"]) == (2, 93)
        history = (await client.get(url, headers=PROVINCE)).json()
        assert [(g["revision"], g["notes"].get("member_participation")) for g in history] == [(2, fewer), (1, None)]

        published, _ = await wait_until(
            lambda: _both(redis, stream_prefix), message="the grading and its regrade published"
        )
        assert published["scores"] == SCORES
        assert published["maxima"] == {item.code: item.maximum for item in GRADING_ITEMS}
        assert published["proposal"]["member_participation"]["points"] == 8
        assert published["notes"] == {"member_benefit": why}


async def test_the_four_group_scheme_still_grades_and_lists_with_the_fifteen(registry_app_factory):
    app = await registry_app_factory()
    async with running_app(app) as client:
        coop = await new_coop(client)
        old = {"finance": 30, "governance": 25, "members": 15, "community": 9}
        graded = await client.post(URL.format(coop_id=coop["id"]), headers=PROVINCE, json={"year": 2023, "scores": old})
        assert graded.status_code == 201, graded.text
        assert (graded.json()["scheme"], graded.json()["total_score"], graded.json()["proposal"]) == (
            "TT01-2020",
            79,
            {},
        )
        schemes = {s["code"]: s for s in (await client.get("/grading-schemes", headers=PROVINCE)).json()}
        fifteen = schemes["TT01-2020-15"]
        assert sum(fifteen["criteria_max"].values()) == 100 and len(fifteen["criteria_max"]) == 15
        assert fifteen["unconfirmed_maxima"] == [
            "member_participation",
            "member_benefit",
            "member_services",
            "communication_training",
            "community_impact",
            "awards",
        ]
        assert schemes["TT01-2020"]["unconfirmed_maxima"] == []


async def _both(redis, stream_prefix):
    found = await events_of(redis, stream_prefix, "registry.coop_graded")
    return found if len(found) == 2 else None
