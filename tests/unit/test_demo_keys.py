"""The demo loader's idempotency keys: one per write, the same on every run, and a lost answer retried once."""

from __future__ import annotations

import re

import httpx

from htx import demo
from shared import idempotency
from tests.unit.test_cli import FakeServices, _lot_codes


class KeyedServices(FakeServices):
    """The fake services, answering a repeated `Idempotency-Key` as shared.idempotency does.

    `lose_answer_of`: paths whose first keyed write is done but answered with a timeout, as when
    the connection drops after the service committed.
    """

    def __init__(self, *, lose_answer_of: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.lose_answer_of = set(lose_answer_of)
        self.answers: dict[str, httpx.Response] = {}
        self.keys: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        key = request.headers.get(idempotency.HEADER)
        if request.method != "POST":
            return super().__call__(request)
        assert key is not None, f"a demo write without a key: {request.url.path}"
        self.keys.append(key)
        if key in self.answers:
            first = self.answers[key]
            return httpx.Response(
                first.status_code, content=first.content, headers={idempotency.REPLAYED_HEADER: "true"}
            )
        answer = super().__call__(request)
        answer.read()
        if 200 <= answer.status_code < 300:
            self.answers[key] = answer
        pattern = re.sub(r"/\d+(?=/|$)", "/{id}", request.url.path)
        if pattern in self.lose_answer_of:
            self.lose_answer_of.remove(pattern)
            raise httpx.ReadTimeout("the answer was lost", request=request)
        return answer


def _load(fake: FakeServices) -> demo.DemoReport:
    with httpx.Client(transport=httpx.MockTransport(fake)) as client:
        return demo.load_demo("http://registry", "http://supplychain", "tok", client=client)


def test_the_loader_speaks_the_services_headers():
    assert (demo.IDEMPOTENCY_KEY, demo.REPLAYED) == (idempotency.HEADER, idempotency.REPLAYED_HEADER)


def test_every_write_has_its_own_key_and_the_same_one_on_every_run():
    first, second = KeyedServices(), KeyedServices()
    _load(first)
    _load(second)
    assert first.keys == second.keys  # the same ids on both, so the same bodies and keys
    assert len(set(first.keys)) == len(first.keys) == len(first.writes)
    assert all(re.fullmatch(r"htx-demo:[a-z]+:[\x21-\x7e]+", key) and len(key) <= 255 for key in first.keys)


def test_a_write_whose_answer_was_lost_is_retried_under_its_key_and_made_once():
    lost = ("/coops", "/coops/{id}/members", "/batch", "/shipments", "/receipts", "/sales")
    fake = KeyedServices(lose_answer_of=lost)
    report = _load(fake)
    assert not fake.lose_answer_of  # each of them lost its answer once
    assert len(fake.keys) == len(set(fake.keys)) + len(lost)  # each retried once, with the same key
    assert [len(fake.members[coop_id]) for coop_id in sorted(fake.members)] == [len(c.members) for c in demo.DATASET]
    assert len(fake.coops) == len(demo.DATASET) and fake.lots == set(_lot_codes())
    assert len(fake.shipments) == 1 and fake.shipments[0]["invoice_numbers"] == ["C26TTH-0000112"]
    # The retries' replays are this run's own writes: counted as added, once.
    assert report.coops_created == [coop.name for coop in demo.DATASET]
    assert report.members == sum(len(coop.members) for coop in demo.DATASET)
    assert (report.lots, report.shipments, report.receipts) == (len(_lot_codes()), 1, 1)
