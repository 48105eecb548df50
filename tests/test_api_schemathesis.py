"""A bounded schemathesis run against our own OpenAPI document (it runs in CI with the rest):
for inputs generated from the document — and inputs that break it — no server error, every
refusal in the one error format, every answer as the document describes it."""

import re
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api_support import _fresh_throttle_counts
from tests.conftest import District
from tests.test_documents_support import _default_templates, at_stage, issue
from tests.views_support import make_matters
from xinfang.api.errors import ERROR_SCHEMA
from xinfang.api.services import token_create

__all__ = ["_default_templates", "_fresh_throttle_counts"]

CJK = re.compile("[\u4e00-\u9fff]")  # every message a person reads is Chinese
EXAMPLES = 12  # per operation and mode: the whole run stays well under a minute
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def wsgi_app() -> Iterator[WSGIHandler]:
    # Django's test client does the same: a request's end must not close the test's connection
    # (and with it the transaction the test's data lives in).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_generated_requests_get_no_server_error_and_refusals_in_the_format(
    district: District, wsgi_app: WSGIHandler, settings: Any
) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"read": "100000/minute", "write": "100000/minute"},
    }
    make_matters(district)
    matter = at_stage(district, "accepted")
    document = issue(district, "officer", matter, "accept")
    registration = matter.registrations.get()
    known = {
        "/api/v1/matters/{id}": {"id": matter.pk, "person": registration.petitioner_id},
        "/api/v1/documents/{id}": {"id": document.pk},
        "/api/v1/registrations/{id}": {"id": registration.pk},
    }
    _, raw = token_create(actor=district.users["admin"], user=district.users["officer"], name="st")
    auth = {"Authorization": f"Token {raw}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", wsgi_app)
    seen: dict[str, set[int]] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 13
    for operation in operations:
        codes = seen.setdefault(operation.label, set())
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _run(operation, mode, auth, codes)
        # generated ids seldom name a stored object: once more with ones that do
        ids = next((v for k, v in known.items() if operation.path.startswith(k)), None)
        if ids is not None:
            wanted = {name: ids[name] for name in ids if "{" + name + "}" in operation.path}
            _run(operation, GenerationMode.POSITIVE, auth, codes, wanted)
    # the run reached the endpoints, not only their refusals
    answered = {label for label, codes in seen.items() if any(c < 300 for c in codes)}
    assert {
        "GET /api/v1/matters/",
        "GET /api/v1/matters/{id}/",
        "GET /api/v1/matters/{id}/timeline/",
        "GET /api/v1/documents/{id}/",
        "GET /api/v1/documents/{id}/docx",
        "GET /api/v1/registrations/{id}/",
        "POST /api/v1/matters/{id}/people/{person}/reveal/",
    } <= answered, seen


def _run(
    operation: Any,
    mode: GenerationMode,
    auth: dict[str, str],
    codes: set[int],
    path_parameters: dict[str, Any] | None = None,
) -> None:
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        response = case.call(headers=auth)
        codes.add(response.status_code)
        assert response.status_code < 500, (case.as_curl_command(), response.text)
        if response.status_code >= 400:
            body = response.json()
            jsonschema.validate(body, ERROR_SCHEMA)
            fields = body["error"].get("fields", {}).values()
            texts = [body["error"]["message"], *(text for texts in fields for text in texts)]
            assert all(CJK.search(text) for text in texts), (case.as_curl_command(), body)
        case.validate_response(response, checks=CHECKS, headers=auth)

    run()
