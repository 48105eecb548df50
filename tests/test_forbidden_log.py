"""A refusal (403) is an everyday answer, not a fault: the log gets one line naming the address,
never a traceback (they buried the real errors)."""

import logging

import pytest
from django.test import Client

from tests.conftest import PASSWORD, District


def test_a_403_logs_one_line_without_a_traceback(
    district: District, caplog: pytest.LogCaptureFixture
) -> None:
    client = Client()
    assert client.login(username=district.users["street_a_staff"].username, password=PASSWORD)
    with caplog.at_level(logging.WARNING):
        response = client.get("/analytics/")
    assert response.status_code == 403
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.getMessage() == "Forbidden (Permission denied): /analytics/"
    assert record.exc_info is None and not record.exc_text
    assert "Traceback" not in caplog.text


def test_a_500_still_logs_its_traceback(caplog: pytest.LogCaptureFixture) -> None:
    """The filter is for refusals only: a real error keeps everything a developer needs."""
    logger = logging.getLogger("django.request")
    try:
        raise RuntimeError("boom")
    except RuntimeError as exc:
        with caplog.at_level(logging.ERROR):
            logger.error("Internal Server Error: /x", exc_info=exc, extra={"status_code": 500})
    assert "Traceback" in caplog.text and "boom" in caplog.text
