"""One service's OpenAPI document, fuzzed: every operation, a bounded number of generated requests each.

For each operation schemathesis makes valid (positive) and invalid (negative) requests from the
document, and variations of the writes the services took while the platform was seeded (`_replays`:
generated bodies rarely pass the services' rules). Hypothesis picks, per request, who sends it
(`Platform.callers`: anonymous, province, a co-op, another co-op, a buyer) and whether path, query
and body values whose names the platform knows are replaced by values that name real rows
(`Platform.known`), so requests get past the 404 into the code behind it. Each answer must be:

- no server error (5xx, or an exception out of the app),
- a status code the operation documents,
- of a content type documented for that status, matching the documented schema and headers.

Generation is derandomised (the same requests on every run, so CI is reproducible) and not shrunk:
a finding is reported with the request that found it, as a curl command. `HTX_FUZZ_EXAMPLES` sets
the requests per operation (default `DEFAULT_EXAMPLES`).
"""

from __future__ import annotations

import copy
import os
import re
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import hypothesis
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.schemas import APIOperation, BaseSchema
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.fuzz._platform import Platform

DEFAULT_EXAMPLES = 15
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


def examples_per_operation() -> int:
    return int(os.environ.get("HTX_FUZZ_EXAMPLES", DEFAULT_EXAMPLES))


@dataclass
class Finding:
    operation: str
    kind: str
    detail: str
    request: str
    seen: int = 1

    def __str__(self) -> str:
        return f"{self.operation}: {self.kind} (seen {self.seen}x)\n{self.detail.strip()}\n  {self.request}"


@dataclass
class Campaign:
    service: str
    operations: list[str] = field(default_factory=list)
    requests: int = 0
    cpu_seconds: float = 0.0  # of the whole process (the apps run in it) while the campaign ran
    statuses: Counter[int] = field(default_factory=Counter)
    succeeded: Counter[str] = field(default_factory=Counter)  # 2xx answers by operation
    findings: dict[tuple[str, str], Finding] = field(default_factory=dict)

    def found(self, operation: str, kind: str, detail: str, request: str) -> None:
        key = (operation, kind)
        if key in self.findings:
            self.findings[key].seen += 1
        else:
            self.findings[key] = Finding(operation, kind, detail, request)

    def summary(self) -> str:
        statuses = ", ".join(f"{code}: {n}" for code, n in sorted(self.statuses.items()))
        return (
            f"{self.service}: {len(self.operations)} operations, {self.requests} requests, "
            f"{len(self.findings)} findings; statuses {statuses}; "
            f"{len(self.succeeded)} operations answered 2xx at least once; {self.cpu_seconds:.1f} s CPU"
        )

    def never_succeeded(self) -> list[str]:
        return [label for label in self.operations if label not in self.succeeded]

    def report(self) -> str:
        return "\n\n".join([self.summary(), *map(str, self.findings.values())])


def load(document: dict[str, Any]) -> BaseSchema:
    """The document as schemathesis reads it. Tuples (`prefixItems`, OpenAPI 3.1) become arrays of
    either item: schemathesis 4.32 rewrites them to draft-4 `items: [...]` and then cannot compile the
    response validator under draft 2020-12 (`GradingSchemePublic.thresholds`)."""
    return schemathesis.openapi.from_dict(_tuples_as_arrays(copy.deepcopy(document)))


def _tuples_as_arrays(node: Any) -> Any:
    if isinstance(node, dict):
        if "prefixItems" in node and "items" not in node:
            node["items"] = {"anyOf": node.pop("prefixItems")}
        for value in node.values():
            _tuples_as_arrays(value)
    elif isinstance(node, list):
        for value in node:
            _tuples_as_arrays(value)
    return node


def fuzz(service: str, schema: BaseSchema, platform: Platform, examples: int) -> Campaign:
    campaign = Campaign(service)
    started = time.process_time()
    for result in schema.get_all_operations():
        operation = result.ok()
        campaign.operations.append(operation.label)
        _fuzz_operation(service, operation, platform, examples, campaign)
    campaign.cpu_seconds = time.process_time() - started
    return campaign


def _fuzz_operation(
    service: str, operation: APIOperation, platform: Platform, examples: int, campaign: Campaign
) -> None:
    strategies = [operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)]
    replays = _replays(operation, platform)
    if replays is not None:
        strategies.append(replays)
    generated = st.one_of(strategies)

    @hypothesis.settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @given(case=generated, data=st.data())
    def run(case: Any, data: st.DataObject) -> None:
        _aim_at_known_rows(case, platform.known, data)
        caller = data.draw(st.sampled_from(sorted(platform.callers)))
        headers = {key: value for key, value in (case.headers or {}).items() if key.lower() != "authorization"}
        case.headers = {**headers, **platform.callers[caller]} if caller != "anonymous" else dict(case.headers or {})
        campaign.requests += 1
        try:
            response = platform.send_case(service, case)
        except Exception as error:  # the app raised: a 500 to the client, with its traceback here
            campaign.statuses[500] += 1
            detail = "".join(traceback.format_exception(error)[-12:])
            campaign.found(operation.label, f"exception {type(error).__name__}", detail, _curl(case))
            return
        campaign.statuses[response.status_code] += 1
        if response.status_code < 300:
            campaign.succeeded[operation.label] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as group:
            for failure in group.exceptions:
                detail = f"{caller}: {response.status_code} {response.text[:400]}\n{failure.message[:800]}"
                campaign.found(operation.label, failure.title, detail, _curl(case))
        except Exception as error:  # the check itself could not run (e.g. a schema it cannot compile)
            campaign.found(operation.label, f"check error {type(error).__name__}", str(error)[:800], _curl(case))

    run()


def _replays(operation: APIOperation, platform: Platform) -> st.SearchStrategy[Any] | None:
    """Writes of this operation that the services took while seeding, as cases to vary (with a fresh
    Idempotency-Key each): generated bodies rarely pass the services' rules, these do."""
    template = re.compile("^" + re.sub(r"\\{(\w+)\\}", r"(?P<\1>[^/]+)", re.escape(operation.path)) + "$")
    matches = [
        (match.groupdict(), accepted.body)
        for accepted in platform.accepted
        if accepted.method == operation.method.upper() and (match := template.match(accepted.path))
    ]
    if not matches:
        return None
    keys = iter(range(10**9))

    def case(sample: tuple[dict[str, str], Any]) -> Any:
        parameters, body = sample
        headers = {"Idempotency-Key": f"fuzz-{next(keys)}"} if "idempotency-key" in _header_names(operation) else {}
        return operation.Case(
            path_parameters=dict(parameters), body=copy.deepcopy(body), media_type="application/json", headers=headers
        )

    return st.sampled_from(matches).map(case)


def _header_names(operation: APIOperation) -> set[str]:
    return {parameter.name.lower() for parameter in operation.headers}


def _aim_at_known_rows(case: Any, known: dict[str, list[Any]], data: st.DataObject) -> None:
    """In three requests of four, most path, query and body values whose name the platform knows are
    replaced by values that name real rows (or dates and quantities the services take), so that some
    writes pass their rules and reach the database; the rest go as generated."""
    if data.draw(st.integers(0, 3)) == 0:
        return
    for container in (case.path_parameters, case.query):
        if isinstance(container, dict):
            _replace_in(container, known, data, depth=3)
    if isinstance(case.body, dict | list):
        _replace_in(case.body, known, data, depth=0)


def _replace_in(value: dict | list, known: dict[str, list[Any]], data: st.DataObject, depth: int) -> None:
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in list(items):
        if isinstance(item, dict | list):
            if depth < 3:
                _replace_in(item, known, data, depth + 1)
            continue
        values = known.get(key) if isinstance(key, str) else None
        if values is None and isinstance(key, str) and key.endswith("_on"):
            values = known["date"]
        if values and data.draw(st.integers(0, 3)) > 0:
            value[key] = data.draw(st.sampled_from(values))  # type: ignore[index]


def _curl(case: Any) -> str:
    try:
        return case.as_curl_command()
    except Exception:  # a request curl cannot express (e.g. bytes that are not text)
        return f"{case.method} {case.formatted_path} query={case.query!r}"
