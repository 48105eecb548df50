"""Every intake page and endpoint, for every role and for anonymous: status and secrecy."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.conftest import District
from tests.views_support import (
    ACCUSATION_TEXT,
    ID_A,
    ID_ACCUSER,
    PHONE_A,
    ROLES,
    VISIBLE,
    Matters,
    attachment_dir,  # noqa: F401
    client_for,
    make_matters,
)
from xinfang.core.models import AuditEvent
from xinfang.intake.attachments import attachment_add
from xinfang.intake.models import Attachment

WHO = (*ROLES, "anonymous")
REGISTERING = {"registrar", "officer"}
VIEWING = set(ROLES) - {"admin"}
PETITIONER_PAGES = {"registrar", "officer", "leader", "supervisor"}
REVEALING = VIEWING - {"leader", "supervisor"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def matters(district: District) -> Matters:
    return make_matters(district)


@pytest.fixture
def attachment(district: District, matters: Matters, request: pytest.FixtureRequest) -> Attachment:
    request.getfixturevalue("attachment_dir")
    registration = matters.street_a.registrations.get()
    return attachment_add(
        actor=district.users["registrar"],
        registration=registration,
        upload=SimpleUploadedFile("来信.pdf", PDF, content_type="application/pdf"),
    )


def login_redirect(response) -> bool:  # type: ignore[no-untyped-def]
    return response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize("who", WHO)
def test_register_page(district: District, who: str) -> None:
    client = client_for(district, who)
    for method in ("get", "post"):
        response = getattr(client, method)(reverse("intake:register"))
        if who == "anonymous":
            assert login_redirect(response)
        elif who in REGISTERING:
            assert response.status_code == 200
            assert "信访登记" in response.content.decode()
        else:
            assert response.status_code == 403, (who, method)


@pytest.mark.parametrize("who", WHO)
def test_person_lookup(district: District, matters: Matters, who: str) -> None:
    response = client_for(district, who).post(
        reverse("intake:person_lookup"), {"petitioner_id_number": ID_A}
    )
    if who == "anonymous":
        assert login_redirect(response)
    elif who in REGISTERING:
        html = response.content.decode()
        assert response.status_code == 200
        assert matters.street_a.number in html
        assert ID_A not in html  # the ID number is shown masked
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("who", WHO)
def test_matter_list(district: District, matters: Matters, who: str) -> None:
    response = client_for(district, who).get(reverse("intake:matter_list"))
    if who == "anonymous":
        assert login_redirect(response)
        return
    if who not in VIEWING:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    html = response.content.decode()
    for key, matter in matters.all().items():
        assert (matter.number in html) == (key in VISIBLE[who]), (who, key)
    if "accusation" not in VISIBLE[who]:
        assert "孙八" not in html
    assert ID_A not in html and ID_ACCUSER not in html and PHONE_A not in html


@pytest.mark.parametrize("who", WHO)
def test_matter_detail(district: District, matters: Matters, who: str) -> None:
    client = client_for(district, who)
    for key, matter in matters.all().items():
        response = client.get(reverse("intake:matter_detail", args=[matter.pk]))
        if who == "anonymous":
            assert login_redirect(response)
        elif key in VISIBLE[who]:
            assert response.status_code == 200, (who, key)
            html = response.content.decode()
            assert matter.number in html
            assert ID_A not in html and ID_ACCUSER not in html and PHONE_A not in html
            assert ("hx-post" in html) == (who in REVEALING), (who, key)
        else:
            assert response.status_code == 404, (who, key)
            assert ACCUSATION_TEXT not in response.content.decode()


def test_unknown_matter_is_404(district: District) -> None:
    response = client_for(district, "registrar").get(reverse("intake:matter_detail", args=[999]))
    assert response.status_code == 404


@pytest.mark.parametrize("who", WHO)
def test_petitioner_page(district: District, matters: Matters, who: str) -> None:
    client = client_for(district, who)
    for key, matter in matters.all().items():
        assert matter.petitioner is not None
        response = client.get(reverse("intake:petitioner_detail", args=[matter.petitioner.pk]))
        if who == "anonymous":
            assert login_redirect(response)
        elif who not in PETITIONER_PAGES:
            assert response.status_code == 403, (who, key)
        elif key not in VISIBLE[who]:
            # A person whose only matter one may not see (here: the accuser) is not shown at all.
            assert response.status_code == 404, (who, key)
        else:
            assert response.status_code == 200, (who, key)
            html = response.content.decode()
            assert matter.number in html
            assert ID_A not in html and ID_ACCUSER not in html


@pytest.mark.parametrize("who", WHO)
def test_reveal(district: District, matters: Matters, who: str) -> None:
    client = client_for(district, who)
    for key, matter in matters.all().items():
        assert matter.petitioner is not None
        url = reverse("intake:reveal", args=[matter.pk, matter.petitioner.pk])
        before = AuditEvent.objects.filter(action="personal_data.reveal").count()
        response = client.post(url)
        html = response.content.decode()
        logged = AuditEvent.objects.filter(action="personal_data.reveal").count() - before
        if who == "anonymous":
            assert login_redirect(response)
        elif key not in VISIBLE[who]:
            assert response.status_code == 404, (who, key)
        elif who not in REVEALING:
            assert response.status_code == 403, (who, key)
        else:
            assert response.status_code == 200, (who, key)
            assert matter.petitioner.phone in html
            assert logged == 1
            continue
        assert logged == 0, (who, key)
        assert matter.petitioner.phone not in html
        if matter.petitioner.id_number:
            assert matter.petitioner.id_number not in html


@pytest.mark.parametrize("who", WHO)
def test_attachment_download(district: District, attachment: Attachment, who: str) -> None:
    response = client_for(district, who).get(
        reverse("intake:attachment_download", args=[attachment.pk])
    )
    if who == "anonymous":
        assert login_redirect(response)
    elif "street_a" in VISIBLE[who]:
        assert response.status_code == 200, who
        assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
        assert "attachment" in response["Content-Disposition"]
    else:
        assert response.status_code == 404, who


def test_reveal_refuses_get_and_strangers(district: District, matters: Matters) -> None:
    client = client_for(district, "registrar")
    assert matters.street_a.petitioner is not None and matters.street_b.petitioner is not None
    url = reverse("intake:reveal", args=[matters.street_a.pk, matters.street_a.petitioner.pk])
    assert client.get(url).status_code == 405
    # A person who is not in the matter cannot be revealed through it.
    stranger = reverse("intake:reveal", args=[matters.street_a.pk, matters.street_b.petitioner.pk])
    response = client.post(stranger)
    assert response.status_code == 403
    assert matters.street_b.petitioner.phone not in response.content.decode()
    assert not AuditEvent.objects.filter(action="personal_data.reveal").exists()


@pytest.mark.parametrize("who", ROLES)
def test_home_offers_each_role_its_way_in(district: District, who: str) -> None:
    html = client_for(district, who).get("/").content.decode()
    # the admin's only door is 系统管理; nobody else is shown it
    assert ('href="/manage/"' in html) == (who == "admin")
    assert "暂无可用的业务功能" not in html


@pytest.mark.parametrize("who", ROLES)
def test_statistics_are_offered_only_to_bureau_roles(district: District, who: str) -> None:
    client = client_for(district, who)
    offered = 'href="/analytics/"' in client.get("/").content.decode()
    bureau = who in {"registrar", "officer", "leader", "supervisor"}
    assert offered == bureau
    assert (client.get("/analytics/").status_code == 200) == bureau
