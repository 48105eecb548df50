"""/manage/ is Chinese whatever the browser asks for: no English words of Django's admin on any
page of the administrator's site, for a browser that sends Accept-Language: en-US."""

import re

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from tests.conftest import PASSWORD, District
from xinfang.core.admin_site import admin_site

# the admin's own English, as it shows on buttons, links and headings
ENGLISH = re.compile(
    r">\s*(Save|Add|Change|Delete|Log out|Filter|Search|History|View site|Home|Welcome|"
    r"Select .* to change|Save and add another|Save and continue editing|Go|Action)\b"
    r"|value=\"(Save|Go|Search|Delete)"
)


def _pages() -> list[str]:
    pages = [reverse("admin:index")]
    for model in admin_site._registry:
        meta = model._meta
        for view in ("changelist", "add"):
            try:
                pages.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}"))
            except NoReverseMatch:
                continue
    return pages


@pytest.mark.parametrize("language", ["en-US,en;q=0.9", "en", "fr-FR"])
def test_manage_pages_are_chinese_for_an_english_browser(district: District, language: str) -> None:
    client = Client(headers={"Accept-Language": language})
    assert client.login(username=district.users["admin"].username, password=PASSWORD)
    pages = _pages()
    assert len(pages) > 10  # the organisation tree, users, categories, holiday years, templates …
    for page in pages:
        response = client.get(page)
        if response.status_code == 403:  # an add page the site does not offer
            continue
        assert response.status_code == 200, page
        html = response.content.decode()
        assert 'lang="zh-hans"' in html, page
        found = ENGLISH.search(html)
        assert found is None, (page, found.group(0) if found else "")
    # the site's own chrome, in Chinese
    index = client.get(reverse("admin:index")).content.decode()
    assert "注销" in index or "退出" in index
