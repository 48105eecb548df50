"""API tokens: issued once, stored only as a hash, revoked; the command and the admin page."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from tests.conftest import PASSWORD, District
from xinfang.api.auth import user_for_key
from xinfang.api.models import ApiToken, key_hash
from xinfang.api.services import token_create, token_revoke
from xinfang.core.errors import InputError, PermissionRefusedError
from xinfang.core.models import AuditEvent


def test_a_key_is_stored_only_as_its_hash(district: District) -> None:
    admin, staff = district.users["admin"], district.users["housing_staff"]
    token, raw = token_create(actor=admin, user=staff, name="住建局系统")
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.key_hash == key_hash(raw) != raw
    assert raw not in str(ApiToken.objects.filter(pk=token.pk).values().get())
    assert raw.startswith(stored.prefix)
    assert user_for_key(raw) == staff
    assert user_for_key(raw + "x") is None
    assert user_for_key("") is None
    event = AuditEvent.objects.get(action="apitoken.create", object_id=str(token.pk))
    assert event.actor == admin
    assert raw not in str(event.data)


def test_revoked_token_and_inactive_account_authenticate_nobody(district: District) -> None:
    admin, staff = district.users["admin"], district.users["street_a_staff"]
    token, raw = token_create(actor=admin, user=staff, name="a")
    _, raw2 = token_create(actor=admin, user=staff, name="b")
    token_revoke(actor=admin, token=token)
    assert user_for_key(raw) is None
    assert user_for_key(raw2) == staff
    assert AuditEvent.objects.filter(action="apitoken.revoke", object_id=str(token.pk)).exists()
    staff.is_active = False
    staff.save()
    assert user_for_key(raw2) is None


def test_only_the_admin_issues_and_only_to_working_accounts(district: District) -> None:
    with pytest.raises(PermissionRefusedError):
        token_create(actor=district.users["officer"], user=district.users["officer"], name="x")
    with pytest.raises(InputError, match="系统管理员"):
        token_create(actor=district.users["admin"], user=district.users["admin"], name="x")
    with pytest.raises(InputError, match="名称"):
        token_create(actor=district.users["admin"], user=district.users["officer"], name="  ")
    assert not ApiToken.objects.exists()


def test_the_command_prints_the_key_once_lists_and_revokes(district: District) -> None:
    out, err = StringIO(), StringIO()
    call_command(
        "api_token", "create", "--user", "officer", "--name", "外网平台", stdout=out, stderr=err
    )
    raw = out.getvalue().strip()
    assert user_for_key(raw) == district.users["officer"]
    token = ApiToken.objects.get()
    listing = StringIO()
    call_command("api_token", "list", stdout=listing)
    assert token.prefix in listing.getvalue() and raw not in listing.getvalue()
    call_command("api_token", "revoke", str(token.pk), stdout=StringIO())
    assert user_for_key(raw) is None
    with pytest.raises(CommandError, match="已于"):
        call_command("api_token", "revoke", str(token.pk), stdout=StringIO())
    with pytest.raises(CommandError, match="没有用户名"):
        call_command("api_token", "create", "--user", "nobody", "--name", "x", stdout=StringIO())


def test_the_admin_page_shows_the_key_once(district: District) -> None:
    client = Client()
    assert client.login(username="admin", password=PASSWORD)
    response = client.post(
        "/manage/api/apitoken/add/",
        {"user": district.users["housing_staff"].pk, "name": "住建局系统"},
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    token = ApiToken.objects.get()
    page = response.content.decode()
    raw = page.split('id="api-key"', 1)[1].split(">", 1)[1].split("<", 1)[0]
    assert user_for_key(raw) == district.users["housing_staff"]
    # the token's own page never shows it again
    again = client.get(f"/manage/api/apitoken/{token.pk}/change/").content.decode()
    assert token.prefix in again and raw not in again
    assert AuditEvent.objects.filter(
        action="apitoken.create", actor=district.users["admin"]
    ).exists()
    # revocation through the list's action
    client.post(
        "/manage/api/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert user_for_key(raw) is None
