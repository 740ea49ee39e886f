"""Requests generated from the OpenAPI schema (schemathesis) never meet a server error, and every
200 answer matches its documented response model."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.web.conftest import Live

pytestmark = pytest.mark.browser  # the workspace is built by the upload through the page

EXAMPLES = 12


def test_no_server_error(live: Live, uploaded: list[list[str]]) -> None:
    schema = schemathesis.openapi.from_url(f"{live.url}/api/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 6
    statuses: dict[int, int] = {}

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: Any) -> None:
            response = case.call(timeout=120)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            assert response.status_code < 500, (case.path, case.query, response.text[:300])
            if response.status_code == 200:
                case.validate_response(response, checks=(response_schema_conformance,))

        check()
    assert statuses.get(200), statuses
