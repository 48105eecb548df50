"""Refusals are pages in Chinese in the product's frame, not the bare default ones."""

from django.test import Client

from tests.conftest import PASSWORD, District


def test_forbidden_and_missing_pages_speak_chinese(district: District) -> None:
    client = Client()
    assert client.login(username="admin", password=PASSWORD)
    forbidden = client.get("/intake/matters/")
    assert forbidden.status_code == 403
    assert "无权访问" in forbidden.content.decode() and "信访业务系统" in forbidden.content.decode()
    missing = client.get("/intake/matters/999999/")
    assert missing.status_code == 404
    assert "不在您的权限范围内" in missing.content.decode()
