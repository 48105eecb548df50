"""Shared fixtures: a small district with one user per role, and a few matters in it."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import LazySettings
from django.test.client import ClientMixin
from django_otp import DEVICE_ID_SESSION_KEY

from tests.two_factor_support import phone_app
from xinfang.accounts.models import Role, User
from xinfang.core.permissions import requires_second_factor
from xinfang.intake.choices import Channel, Purpose
from xinfang.intake.models import Category, Matter
from xinfang.intake.services import PersonInput, RegistrationInput, registration_create
from xinfang.organisation.models import OrgUnit, UnitKind
from xinfang.organisation.services import unit_create
from xinfang.workflow.calendar import invalidate_calendar
from xinfang.workflow.entry import recording_history

# the `chromium` fixture of the browser tests
pytest_plugins = ("tests.browser_support",)

TZ = ZoneInfo("Asia/Shanghai")
PASSWORD = "test-pass-123"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: LazySettings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _test_logins_pass_the_second_factor(monkeypatch: pytest.MonkeyPatch) -> None:
    # client.force_login() and client.login() stand for a whole sign-in: for a role that must give
    # a second factor, the session is marked as confirmed by the user's phone app exactly as
    # django-otp's login() marks it after a right code — the check itself stays on (a device
    # reset or a session without the mark is still sent to verify). The real flow (the password
    # form, enrolment, codes, throttle, reset) is tested in test_trust_two_factor.py, which turns
    # this off; the browser walks go through it with a code computed from the secret.
    original = ClientMixin._login

    def _login(self: ClientMixin, user: User, backend: str | None = None) -> None:
        original(self, user, backend)
        if requires_second_factor(user):
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = phone_app(user).persistent_id
            session.save()

    monkeypatch.setattr(ClientMixin, "_login", _login)


@pytest.fixture(autouse=True)
def _fresh_working_calendar() -> Iterator[None]:
    # a rolled-back test must not leave a holiday year it entered in this process's cache
    invalidate_calendar()
    yield
    invalidate_calendar()


@pytest.fixture(autouse=True)
def _recording_history() -> Iterator[None]:
    # The suite's matters live on fixed past dates (2025-08-01 ...): their steps are history, as
    # the demo's are (xinfang.workflow.entry.recording_history). The backdating window does not
    # bind here (every other date rule does); each event says `history: tests`. The window and
    # its approvals are tested in test_trust_dates.py, which overrides this fixture.
    with recording_history("tests"):
        yield


@dataclass
class District:
    city: OrgUnit
    district: OrgUnit
    street_a: OrgUnit
    street_b: OrgUnit
    village_a: OrgUnit
    housing: OrgUnit  # 区住建局
    discipline: OrgUnit  # 区纪委监委
    users: dict[str, User]


def make_user(username: str, role: str, unit: OrgUnit) -> User:
    return User.objects.create_user(
        username=username, password=PASSWORD, role=role, org_unit=unit, display_name=username
    )


def ensure_default_categories() -> None:
    """A transactional test's flush removes what migrations loaded; put the default tree back."""
    from xinfang.intake.default_categories import DEFAULT_CATEGORIES

    if Category.objects.exists():
        return
    for order, (parent_name, children) in enumerate(DEFAULT_CATEGORIES):
        parent = Category.objects.create(name=parent_name, path=parent_name, sort_order=order * 100)
        for sub, child in enumerate(children, start=1):
            Category.objects.create(
                name=child,
                parent=parent,
                path=f"{parent_name}/{child}",
                sort_order=order * 100 + sub,
            )


def ensure_default_templates() -> None:
    """Likewise the document templates of migration 0002: every step with a document needs one."""
    from xinfang.documents.default_templates import DEFAULT_TEMPLATES
    from xinfang.documents.models import DocumentTemplate

    for kind, (title, body, footer) in DEFAULT_TEMPLATES.items():
        DocumentTemplate.objects.get_or_create(
            kind=kind, unit=None, defaults={"title": title, "body": body, "footer": footer}
        )


@pytest.fixture
def district(db: None) -> District:
    ensure_default_categories()
    ensure_default_templates()
    city = unit_create(code="3201", name="示范市", kind=UnitKind.CITY)
    district = unit_create(code="320101", name="示范区", kind=UnitKind.DISTRICT, parent=city)
    street_a = unit_create(code="32010101", name="东风街道", kind=UnitKind.STREET, parent=district)
    street_b = unit_create(code="32010102", name="西湖街道", kind=UnitKind.STREET, parent=district)
    village_a = unit_create(
        code="3201010101", name="东风社区", kind=UnitKind.VILLAGE, parent=street_a
    )
    housing = unit_create(
        code="32010190", name="区住房和城乡建设局", kind=UnitKind.DEPARTMENT, parent=district
    )
    discipline = unit_create(
        code="32010191",
        name="区纪委监委",
        kind=UnitKind.DEPARTMENT,
        parent=district,
        is_discipline_organ=True,
    )
    users = {
        "registrar": make_user("registrar", Role.REGISTRAR, district),
        "officer": make_user("officer", Role.OFFICER, district),
        "leader": make_user("leader", Role.LEADER, district),
        "supervisor": make_user("supervisor", Role.SUPERVISOR, district),
        "admin": make_user("admin", Role.ADMIN, district),
        "street_a_staff": make_user("street_a_staff", Role.UNIT_STAFF, street_a),
        "street_b_staff": make_user("street_b_staff", Role.UNIT_STAFF, street_b),
        "housing_staff": make_user("housing_staff", Role.UNIT_STAFF, housing),
        "discipline_staff": make_user("discipline_staff", Role.UNIT_STAFF, discipline),
    }
    return District(city, district, street_a, street_b, village_a, housing, discipline, users)


def register(
    district: District,
    *,
    locality: OrgUnit | None,
    responsible: OrgUnit | None = None,
    purpose: str = Purpose.REQUEST,
    channel: str = Channel.VISIT,
    name: str = "王小明",
    id_number: str = "",
    phone: str = "13800138000",
    when: datetime | None = None,
    matter: Matter | None = None,
    content: str = "反映小区物业管理问题",
    category: str = "物业管理",
) -> Matter:
    registration = registration_create(
        actor=district.users["registrar"],
        data=RegistrationInput(
            channel=channel,
            received_at=when or datetime(2026, 3, 2, 9, 30, tzinfo=TZ),
            content=content,
            category=Category.objects.get(name=category),
            purpose=purpose,
            locality=locality,
            responsible_unit=responsible,
            petitioner=PersonInput(name=name, id_number=id_number, phone=phone),
        ),
        matter=matter,
    )
    return registration.matter
