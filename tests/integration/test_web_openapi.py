"""The JSON API against its own OpenAPI document: schemathesis generates requests in-process (WSGI).

Every response must be documented (status and schema), JSON, and never a 500; bounded examples per operation.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from ledger.custody.ledger import Ledger
from tests.integration._web import build


@pytest.mark.parametrize("operation", ["verify", "history", "inspect", "reportStolen", "ship", "receive"])
def test_api_conforms_to_openapi(ledger: Ledger, operation: str) -> None:
    web = build(ledger)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", web.app)
    op = schema.find_operation_by_id(operation)
    headers = web.bearer("olga" if operation in ("inspect", "reportStolen", "verify") else "tom")

    @given(case=op.as_strategy())
    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    def check(case: schemathesis.Case) -> None:
        response = case.call(headers=headers)
        assert response.status_code < 500, response.text
        content_type = response.headers.get("Content-Type") or response.headers.get("content-type") or [""]
        assert content_type[0].startswith("application/json"), response.headers
        # A code is a string to the schema but must also parse as a GS1/EPC code: a 400 for random text is right.
        case.validate_response(response, excluded_checks=[positive_data_acceptance])

    check()
