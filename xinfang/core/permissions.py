"""The one permission question — `may(actor, action, obj)` — and the matching queryset scopes.

Every view, API endpoint, export and command asks here; nothing else decides who sees what.
The product acting by itself (the clock scan, imports, the CLI without --user, migrations, the demo
loader) is the explicit actor `SYSTEM`, allowed only `SYSTEM_ACTIONS`; `None` is nobody and may
nothing.
"""

from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final, TypeAlias, TypeGuard

from django.db.models import Q, QuerySet
from django.http import Http404

from xinfang.accounts.models import Role

if TYPE_CHECKING:
    from xinfang.accounts.models import User
    from xinfang.casework.models import (
        BatchItem,
        DecisionItem,
        HandedDownBatch,
        JointBody,
        Meeting,
    )
    from xinfang.disputes.models import Dispute
    from xinfang.intake.models import Matter
    from xinfang.leaders.models import Leader, Package, ReceptionSession
    from xinfang.organisation.models import OrgUnit


class Action(StrEnum):
    REGISTER = "register"
    VIEW_MATTER = "view_matter"
    VIEW_PETITIONER = "view_petitioner"
    REVEAL_PERSONAL_DATA = "reveal_personal_data"
    UPLOAD_ATTACHMENT = "upload_attachment"
    VIEW_ATTACHMENT = "view_attachment"
    IMPORT_LEDGER = "import_ledger"
    EXPORT_LEDGER = "export_ledger"
    MANAGE_ORGANISATION = "manage_organisation"
    MANAGE_USERS = "manage_users"
    MANAGE_CATEGORIES = "manage_categories"
    VIEW_AUDIT = "view_audit"
    # the counted figures of a node (统计分析); they include accusations, so never a handling unit
    VIEW_STATISTICS = "view_statistics"
    # leader work (xinfang.leaders): plan, publish and hold receptions; open and follow packages
    VIEW_LEADER_WORK = "view_leader_work"
    PLAN_RECEPTIONS = "plan_receptions"
    RECORD_RECEPTION = "record_reception"
    OPEN_PACKAGE = "open_package"
    WRITE_PACKAGE_PROGRESS = "write_package_progress"
    # joint meetings and batches handed down (xinfang.casework): the bureau plans them,
    # 督查 and leaders read them, a handling unit sees its own items
    PLAN_CASEWORK = "plan_casework"
    VIEW_CASEWORK = "view_casework"
    # hearings (xinfang.hearings): hold one and record it; reading it is VIEW_MATTER
    HOLD_HEARING = "hold_hearing"
    # disputes (xinfang.disputes): see a unit's disputes; record, mediate, settle, report them
    VIEW_DISPUTES = "view_disputes"
    RECORD_DISPUTE = "record_dispute"
    # merge matters of the history that are one matter (xinfang.workflow.merges), and undo it
    MERGE_MATTERS = "merge_matters"


BUREAU_ROLES = frozenset({Role.REGISTRAR, Role.OFFICER, Role.LEADER, Role.SUPERVISOR})
INTAKE_ROLES = frozenset({Role.REGISTRAR, Role.OFFICER})

# What each role may do at all; whether it may do it to one object is decided below.
ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    Role.REGISTRAR: frozenset(
        {
            Action.VIEW_CASEWORK,
            Action.REGISTER,
            Action.VIEW_MATTER,
            Action.VIEW_PETITIONER,
            Action.REVEAL_PERSONAL_DATA,
            Action.UPLOAD_ATTACHMENT,
            Action.VIEW_ATTACHMENT,
            Action.VIEW_STATISTICS,
            Action.VIEW_LEADER_WORK,
            Action.RECORD_RECEPTION,
        }
    ),
    Role.OFFICER: frozenset(
        {
            Action.PLAN_CASEWORK,
            Action.VIEW_CASEWORK,
            Action.REGISTER,
            Action.VIEW_MATTER,
            Action.VIEW_PETITIONER,
            Action.REVEAL_PERSONAL_DATA,
            Action.UPLOAD_ATTACHMENT,
            Action.VIEW_ATTACHMENT,
            Action.IMPORT_LEDGER,
            Action.EXPORT_LEDGER,
            Action.MERGE_MATTERS,
            Action.VIEW_AUDIT,
            Action.VIEW_STATISTICS,
            Action.VIEW_LEADER_WORK,
            Action.PLAN_RECEPTIONS,
            Action.RECORD_RECEPTION,
            Action.OPEN_PACKAGE,
            Action.WRITE_PACKAGE_PROGRESS,
            Action.VIEW_DISPUTES,
            Action.RECORD_DISPUTE,
            Action.HOLD_HEARING,
        }
    ),
    # A handling unit needs the petitioner's contact to handle what is assigned to it.
    # (and, as a package's 责任人, its monthly progress note)
    Role.UNIT_STAFF: frozenset(
        {
            Action.VIEW_CASEWORK,
            Action.VIEW_MATTER,
            Action.REVEAL_PERSONAL_DATA,
            Action.VIEW_ATTACHMENT,
            Action.WRITE_PACKAGE_PROGRESS,
            Action.VIEW_DISPUTES,
            Action.RECORD_DISPUTE,
            Action.HOLD_HEARING,
        }
    ),
    Role.LEADER: frozenset(
        {
            Action.VIEW_CASEWORK,
            Action.VIEW_MATTER,
            Action.VIEW_ATTACHMENT,
            Action.VIEW_PETITIONER,
            Action.VIEW_STATISTICS,
            Action.VIEW_LEADER_WORK,
            Action.OPEN_PACKAGE,
            Action.WRITE_PACKAGE_PROGRESS,
            Action.VIEW_DISPUTES,
        }
    ),
    Role.SUPERVISOR: frozenset(
        {
            Action.VIEW_CASEWORK,
            Action.VIEW_MATTER,
            Action.VIEW_ATTACHMENT,
            Action.VIEW_PETITIONER,
            Action.VIEW_AUDIT,
            Action.VIEW_STATISTICS,
            Action.VIEW_LEADER_WORK,
            Action.VIEW_DISPUTES,
        }
    ),
    Role.ADMIN: frozenset(
        {
            Action.MANAGE_ORGANISATION,
            Action.MANAGE_USERS,
            Action.MANAGE_CATEGORIES,
            Action.IMPORT_LEDGER,
            Action.VIEW_AUDIT,
        }
    ),
}


# --- who may take which step, act or document: role by role -----------------------------------
# (xinfang.workflow.transitions names each step's states, supervision_rules each act's label and
# documents.kinds each kind; who may take them is decided here and nowhere else.)

_BUREAU = frozenset({Role.OFFICER})
_HEADS = frozenset({Role.OFFICER, Role.LEADER})
_UNIT = frozenset({Role.UNIT_STAFF})
_HANDLER = frozenset({Role.UNIT_STAFF, Role.OFFICER})
_DESK = frozenset({Role.REGISTRAR, Role.OFFICER})
_WATCH = frozenset({Role.OFFICER, Role.SUPERVISOR})

# The steps of a matter (workflow.transitions.Step) and the acts of supervision
# (workflow.supervision_rules.Act), by name.
STEP_ROLES: dict[str, frozenset[str]] = {
    # the bureau routes
    "accept": _BUREAU,
    "decline": _BUREAU,
    "forward": _BUREAU,
    "assign": _BUREAU,
    "legal_channel": _BUREAU,
    # the handling unit (the bureau's officer only for a matter it accepted itself)
    "receive": _UNIT,
    "return": _UNIT,
    "record_handling": _HANDLER,
    "request_extension": _HANDLER,
    "decide_extension": _HEADS,
    "reply": _HANDLER,
    # the petitioner's side, recorded by staff
    "deliver_reply": _DESK,
    "evaluate": _DESK,
    "request_review": _DESK,
    "decide_review": _BUREAU,
    "deliver_review": _DESK,
    "decline_review": _BUREAU,
    "withdraw_review": _DESK,
    "request_rereview": _DESK,
    "start_hearing": _BUREAU,
    "end_hearing": _BUREAU,
    "decide_rereview": _BUREAU,
    "finalise": _BUREAU,
    # supervision (督办、批示、化解) and the approval of a step dated before the backdating window
    "supervision_raise": _WATCH,
    "supervision_close": _WATCH,
    "instruction_add": frozenset({Role.LEADER}),
    "resolve": _HEADS,
    "backdate_approve": frozenset({Role.SUPERVISOR}),
}

# Who may issue each kind of document (documents.kinds.DocumentKind) at all; the handler kinds
# are further limited to the matter's handler (`assignment_reach`).
ISSUER_ROLES: dict[str, frozenset[str]] = {
    "accept": _BUREAU,
    "decline": _BUREAU,
    "forward": _BUREAU,
    "assign": _BUREAU,
    "extension": _HANDLER,
    "reply": _HANDLER,
    "review": _BUREAU,
    "rereview": _BUREAU,
    "supervision": _WATCH,
}

# 抽查扣分 of a unit's 季考评: supervisors (within their own area) and administrators.
SPOT_CHECK_RECORDERS = frozenset({Role.SUPERVISOR, Role.ADMIN})


def may_record_spot_checks(actor: "Actor | None") -> bool:
    """Whether this person records 抽查扣分 at all (SPOT_CHECK_RECORDERS)."""
    return _person(actor) and actor.role in SPOT_CHECK_RECORDERS


def may_record_spot_check_for(actor: "Actor | None", unit: "OrgUnit") -> bool:
    """抽查扣分 of `unit`: an administrator for any unit, a supervisor within their own area."""
    if not _person(actor) or not may_record_spot_checks(actor):
        return False
    return actor.role == Role.ADMIN or reaches_unit(actor, unit)


def refuse_unless_role(role: str, roles: frozenset[str], label: str) -> None:
    """A refusal naming the roles that may take the step called `label`, unless `role` is one."""
    if role not in roles:
        from xinfang.core.errors import PermissionRefusedError

        names = "、".join(Role(r).label for r in sorted(roles))
        raise PermissionRefusedError(f"「{label}」只能由{names}办理")


def role_may_take(role: str, act: str) -> bool:
    """Whether `role` may take the step or act named `act` at all (STEP_ROLES)."""
    return role in STEP_ROLES[act]


def may_take(actor: "Actor | None", act: str) -> bool:
    """Whether this person may take the step or act `act` at all (its form, its button, its API
    call); whether on one matter is the service's reach check (`assignment_reach`)."""
    if not _person(actor):
        return False
    return act in STEP_ROLES and role_may_take(actor.role, act)


def may_issue(actor: "Actor | None", kind: str) -> bool:
    """Whether this person may issue documents of `kind` at all (ISSUER_ROLES)."""
    return _person(actor) and actor.role in ISSUER_ROLES.get(kind, frozenset())


def is_handling_unit(actor: "Actor | None") -> "TypeGuard[User]":
    """Whether the actor acts as a handling unit (承办单位): on what is assigned to its own unit
    only, and reading only the items addressed to it."""
    return _person(actor) and actor.role == Role.UNIT_STAFF


# 热点 reaching the alert figure are notified to the bureau's staff who follow and supervise.
HOTSPOT_RECIPIENT_ROLES = frozenset({Role.OFFICER, Role.SUPERVISOR})


def hotspot_recipients() -> "QuerySet[User]":
    """Who is told of a hotspot: the active 经办人 and 督查 placed in a unit (each is told of
    the hotspots of their own area, as hotspot_matters lets them see it)."""
    from xinfang.accounts.models import User

    return User.objects.filter(
        is_active=True, role__in=HOTSPOT_RECIPIENT_ROLES, org_unit__isnull=False
    ).select_related("org_unit")


def enters_admin_site(user: Any) -> bool:
    """The administrator's site: the admin role only."""
    return bool(getattr(user, "is_active", False) and getattr(user, "role", None) == Role.ADMIN)


def may_hold_api_key(user: "User") -> bool:
    """Who may call the API with a key: an active staff account — never the administrator (who
    manages, and has no matters to read)."""
    return bool(user.is_active and user.role != Role.ADMIN)


def _person(actor: "Actor | None") -> "TypeGuard[User]":
    from xinfang.accounts.models import User

    return isinstance(actor, User) and actor.is_authenticated


# --- the unit-reach rule: may this actor act for / see this unit ------------------------------


def reaches_unit(actor: "Actor | None", unit: "OrgUnit | None") -> bool:
    """Whether `unit` lies in the actor's area: its own unit or one below it. The system reaches
    every unit; nobody, and an account without a unit, none."""
    if actor is None or unit is None:
        return False
    if isinstance(actor, SystemActor):
        return True
    own = actor.org_unit
    return own is not None and unit.is_within(own)


class Reach(StrEnum):
    """What `assignment_reach` found: the caller words the refusal for its step or document."""

    OK = "ok"
    NOT_ASSIGNED = "not_assigned"  # a handling unit, the matter not assigned to it
    HANDLED_ELSEWHERE = "handled_elsewhere"  # the bureau, a handler's step on an assigned matter


def assignment_reach(
    actor: "Actor | None", assigned_unit_id: int | None, *, handler_only: bool
) -> Reach:
    """May the actor take a step (or issue a document) on a matter whose active assignment is to
    the unit `assigned_unit_id` (None: not assigned): a handling unit only when assigned to its
    own unit itself (a village does not sign for its street); the
    bureau not a step only the handler takes (`handler_only`) once a unit handles the matter.
    Whether the actor sees the matter at all is `visible_matters`."""
    if is_handling_unit(actor):
        mine = assigned_unit_id is not None and assigned_unit_id == actor.org_unit_id
        return Reach.OK if mine else Reach.NOT_ASSIGNED
    if handler_only and assigned_unit_id is not None:
        return Reach.HANDLED_ELSEWHERE
    return Reach.OK


class SystemActor:
    """The product acting by itself, never a person: it has no role and no unit, and the audit
    rows it writes name no user. There is one, `SYSTEM`."""

    is_authenticated: Final = False  # so nothing stores it as a user (created_by, audit actor)
    is_active: Final = True
    role: Final = "system"
    org_unit: "OrgUnit | None" = None
    org_unit_id: int | None = None
    pk: None = None

    def __repr__(self) -> str:
        return "SYSTEM"

    def __str__(self) -> str:
        return "系统"


SYSTEM: Final = SystemActor()

# Who acts: a signed-in user, or the product itself.
Actor: TypeAlias = "User | SystemActor"

# Everything the product does by itself, and nothing more: the console's ledger and
# organisation imports and exports (full data, as the file is the bureau's own), its accounts and
# tokens (create-admin, api_token, the demo logins), the clock scan's reading and its automatic
# steps, the demo loader's registrations, receptions, packages, hearings and disputes, and the
# console's merges of the history's matters (propose-merges / apply-merges / unmerge).
SYSTEM_ACTIONS: frozenset[Action] = frozenset(
    {
        Action.REGISTER,
        Action.VIEW_MATTER,
        Action.VIEW_PETITIONER,
        Action.REVEAL_PERSONAL_DATA,
        Action.UPLOAD_ATTACHMENT,
        Action.VIEW_ATTACHMENT,
        Action.IMPORT_LEDGER,
        Action.EXPORT_LEDGER,
        Action.MANAGE_ORGANISATION,
        Action.MANAGE_USERS,
        Action.MANAGE_CATEGORIES,
        Action.VIEW_AUDIT,
        Action.VIEW_STATISTICS,
        Action.VIEW_LEADER_WORK,
        Action.PLAN_RECEPTIONS,
        Action.RECORD_RECEPTION,
        Action.OPEN_PACKAGE,
        Action.WRITE_PACKAGE_PROGRESS,
        Action.PLAN_CASEWORK,
        Action.VIEW_CASEWORK,
        Action.HOLD_HEARING,
        Action.VIEW_DISPUTES,
        Action.RECORD_DISPUTE,
        Action.MERGE_MATTERS,
    }
)


# Who must confirm a login with a second factor (TOTP): whoever may see a petitioner's numbers in
# full (on screen or in the ledger file) or manage accounts, units and categories — the roles whose
# guessed or stolen password would cost the most. 领导 and 督查 read masked data and are not asked.
SECOND_FACTOR_ACTIONS: frozenset[Action] = frozenset(
    {
        Action.REVEAL_PERSONAL_DATA,
        Action.EXPORT_LEDGER,
        Action.MANAGE_ORGANISATION,
        Action.MANAGE_USERS,
        Action.MANAGE_CATEGORIES,
    }
)


def requires_second_factor(user: "Actor | None") -> bool:
    """Whether this login must be confirmed by a TOTP code (or a recovery code) before any staff
    page opens: a role holding a SECOND_FACTOR_ACTIONS action, or a superuser; nobody when the
    setting XINFANG_TWO_FACTOR is `off` (the demo)."""
    from django.conf import settings

    if user is None or isinstance(user, SystemActor) or not user.is_authenticated:
        return False
    if settings.XINFANG_TWO_FACTOR == "off":
        return False
    role_actions = ROLE_ACTIONS.get(user.role, frozenset())
    return bool(user.is_superuser or role_actions & SECOND_FACTOR_ACTIONS)


def user_of(actor: "Actor | None") -> "User | None":
    """The user to store as who did it (created_by, the audit row's actor): none for the system."""
    from xinfang.accounts.models import User

    return actor if isinstance(actor, User) and actor.is_authenticated else None


def may(actor: "Actor | None", action: Action, obj: Any = None) -> bool:
    if actor is None:
        return False  # nobody: a caller that forgot to say who acts is refused, never waved on
    if isinstance(actor, SystemActor):
        return action in SYSTEM_ACTIONS
    if not actor.is_authenticated or not actor.is_active:
        return False
    if action not in ROLE_ACTIONS.get(actor.role, frozenset()):
        return False
    if obj is None:
        return True
    return visible_matters(actor).filter(pk=_matter_of(obj).pk).exists()


def sees_accusations(actor: "Actor | None") -> bool:
    """Whether 检举控告 reach this reader at all — in lists and in statistics alike: the bureau's
    intake (which routes them) and the system; 领导 and 督查 read their area without them."""
    if actor is None:
        return False
    return isinstance(actor, SystemActor) or actor.role in INTAKE_ROLES


def visible_matters(actor: "Actor | None") -> "QuerySet[Matter]":
    """The matters `actor` may see: the same rule as may(actor, VIEW_MATTER, matter)."""
    from xinfang.intake.choices import Purpose
    from xinfang.intake.models import Matter
    from xinfang.organisation.selectors import holds_unlocated, subtree_ids

    matters = Matter.objects.all()
    if actor is None:
        return matters.none()
    if isinstance(actor, SystemActor):
        return matters
    if not actor.is_authenticated or Action.VIEW_MATTER not in ROLE_ACTIONS.get(
        actor.role, frozenset()
    ):
        return matters.none()
    if actor.org_unit is None:
        return matters.none()
    ids = subtree_ids(actor.org_unit)
    if actor.role in INTAKE_ROLES:
        # The bureau's intake routes everything in its area, accusations included; a matter with
        # no locality belongs to the root of the tree (contract B), so only that root's bureau.
        scope = Q(locality_id__in=ids)
        if holds_unlocated(actor.org_unit):
            scope |= Q(locality__isnull=True)
        return matters.filter(scope)
    if actor.role in BUREAU_ROLES:
        # Leaders and supervisors read their area, but accusation material goes only to the
        # discipline organs: a unit's head is among those an accusation may accuse.
        return matters.filter(Q(locality_id__in=ids) & ~Q(purpose=Purpose.ACCUSATION))
    # Handling units: what is theirs by responsibility or by locality (属地) — but accusation
    # material goes only to discipline organs, and never to the unit it accuses.
    own = Q(responsible_unit_id__in=ids) | Q(locality_id__in=ids)
    scope = own & ~Q(purpose=Purpose.ACCUSATION)
    if actor.org_unit.is_discipline_organ:
        scope |= Q(purpose=Purpose.ACCUSATION, responsible_unit_id__in=ids)
    return matters.filter(scope)


def hotspot_matters(actor: "Actor | None") -> "QuerySet[Matter]":
    """The matters a reader's 热点 are found among (dashboard, 简报, their notification): what
    they may see, for those who read the figures (统计分析) — so never a handling unit — and
    without 检举控告 for whoever does not see accusations (领导, 督查)."""
    from xinfang.intake.choices import Purpose
    from xinfang.intake.models import Matter

    if not isinstance(actor, SystemActor) and not may(actor, Action.VIEW_STATISTICS):
        return Matter.objects.none()
    matters = visible_matters(actor)
    if not sees_accusations(actor):
        matters = matters.exclude(purpose=Purpose.ACCUSATION)
    return matters


def get_matter_for(actor: "Actor | None", pk: int, action: Action = Action.VIEW_MATTER) -> "Matter":
    """The matter, or 404 for anyone who may not see it (no hint that it exists)."""
    if not may(actor, action):
        raise Http404
    from xinfang.intake.models import Matter

    try:
        return visible_matters(actor).get(pk=int(pk))
    except (Matter.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def _matter_of(obj: Any) -> "Matter":
    from xinfang.intake.models import Attachment, Matter, Registration

    if isinstance(obj, Matter):
        return obj
    if isinstance(obj, Registration):
        return obj.matter
    if isinstance(obj, Attachment):
        return obj.registration.matter
    raise TypeError(f"may() does not know how to place a {type(obj).__name__} in a matter")


def visible_sessions(actor: "Actor | None") -> "QuerySet[ReceptionSession]":
    """Reception sessions: the bureau's area (organised by a unit in it, or with a leader of it);
    a leader only the sessions they sit in."""
    from xinfang.leaders.models import ReceptionSession
    from xinfang.organisation.selectors import subtree_ids

    sessions = ReceptionSession.objects.all()
    if actor is None:
        return sessions.none()
    if isinstance(actor, SystemActor):
        return sessions
    if not may(actor, Action.VIEW_LEADER_WORK) or actor.org_unit is None:
        return sessions.none()
    if actor.role == Role.LEADER:
        return sessions.filter(leaders__user=actor).distinct()
    ids = subtree_ids(actor.org_unit)
    return sessions.filter(Q(unit_id__in=ids) | Q(leaders__unit_id__in=ids)).distinct()


def pickable_leaders(actor: "Actor | None") -> "QuerySet[Leader]":
    """The leaders one may name (a session's, a package's 包案领导): the active Leader rows of the
    actor's area, its active units; a leader only themself."""
    from xinfang.leaders.models import Leader
    from xinfang.organisation.selectors import subtree

    leaders = Leader.objects.filter(active=True).select_related("unit")
    if actor is None or isinstance(actor, SystemActor) or actor.org_unit is None:
        return leaders.none()
    if actor.role == Role.LEADER:
        return leaders.filter(user=actor)
    return leaders.filter(unit__in=subtree(actor.org_unit).filter(active=True))


def visible_packages(actor: "Actor | None") -> "QuerySet[Package]":
    """Packages: a leader their own; the bureau those of its area's leaders or units; a handling
    unit those it is 责任单位 of (never one holding an accusation it may not see)."""
    from xinfang.leaders.models import Package
    from xinfang.organisation.selectors import subtree_ids

    packages = Package.objects.all()
    if actor is None:
        return packages.none()
    if isinstance(actor, SystemActor):
        return packages
    if actor.org_unit is None or not (
        may(actor, Action.VIEW_LEADER_WORK) or may(actor, Action.WRITE_PACKAGE_PROGRESS)
    ):
        return packages.none()
    from xinfang.intake.choices import Purpose
    from xinfang.intake.models import Matter

    # 检举控告 reach no reader who may not see them, a package about one included — not even
    # the leader who holds it; the discipline organ an accusation is sent to does see its package
    hidden = (
        Package.objects.filter(
            items__matter__purpose=Purpose.ACCUSATION,
            items__matter__in=Matter.objects.exclude(pk__in=visible_matters(actor)),
        )
        if not sees_accusations(actor)
        else Package.objects.none()
    )
    if actor.role == Role.LEADER:
        return packages.filter(leader__user=actor).exclude(pk__in=hidden)
    ids = subtree_ids(actor.org_unit)
    if actor.role == Role.UNIT_STAFF:
        return packages.filter(responsible_unit_id__in=ids).exclude(pk__in=hidden)
    scope = Q(leader__unit_id__in=ids) | Q(responsible_unit_id__in=ids)
    return packages.filter(scope).exclude(pk__in=hidden).distinct()


def visible_disputes(actor: "Actor | None") -> "QuerySet[Dispute]":
    """Disputes: those whose place or current 责任单位 lies in the actor's unit's area."""
    from xinfang.disputes.models import Dispute
    from xinfang.organisation.selectors import subtree_ids

    disputes = Dispute.objects.all()
    if actor is None:
        return disputes.none()
    if isinstance(actor, SystemActor):
        return disputes
    if not may(actor, Action.VIEW_DISPUTES) or actor.org_unit is None:
        return disputes.none()
    ids = subtree_ids(actor.org_unit)
    return disputes.filter(Q(place_id__in=ids) | Q(owner_unit_id__in=ids))


def may_act_on_dispute(actor: "Actor | None", dispute: "Dispute") -> bool:
    """Record, mediate, settle: the unit holding the dispute now, or a unit above it."""
    if actor is None:
        return False
    if isinstance(actor, SystemActor):
        return may(actor, Action.RECORD_DISPUTE)
    if not may(actor, Action.RECORD_DISPUTE):
        return False
    return reaches_unit(actor, dispute.owner_unit)


def may_hold_hearing(actor: "Actor | None", matter: "Matter", stage: str) -> bool:
    """Hold and record a hearing (听证) of `stage` on `matter`, issue its documents: the bureau's
    经办人 on a matter it may see; a handling unit only in 办理, on a matter assigned to it.
    Everyone who may see the matter reads its hearings (督查 included)."""
    if actor is None:
        return False
    if isinstance(actor, SystemActor):
        return may(actor, Action.HOLD_HEARING)
    if not may(actor, Action.HOLD_HEARING, matter):
        return False
    if actor.role != Role.UNIT_STAFF:
        return True
    from xinfang.workflow.models import Assignment

    mine = Assignment.objects.filter(matter=matter, active=True, unit_id=actor.org_unit_id)
    return stage == "handling" and mine.exists()


def visible_batches(actor: "Actor | None") -> "QuerySet[HandedDownBatch]":
    """Batches handed down (交办积案): the bureau's area; a handling unit those holding a matter
    it may see."""
    from xinfang.casework.models import HandedDownBatch
    from xinfang.organisation.selectors import subtree_ids

    batches = HandedDownBatch.objects.all()
    if actor is None:
        return batches.none()
    if isinstance(actor, SystemActor):
        return batches
    if not may(actor, Action.VIEW_CASEWORK) or actor.org_unit is None:
        return batches.none()
    if actor.role == Role.UNIT_STAFF:
        return batches.filter(items__matter__in=visible_matters(actor)).distinct()
    return batches.filter(unit_id__in=subtree_ids(actor.org_unit))


def visible_batch_items(actor: "Actor | None") -> "QuerySet[BatchItem]":
    """The items of visible batches whose matter the actor may see (no 检举控告 for 领导, 督查)."""
    from xinfang.casework.models import BatchItem

    items = BatchItem.objects.all()
    if actor is None:
        return items.none()
    if isinstance(actor, SystemActor):
        return items
    return items.filter(batch__in=visible_batches(actor), matter__in=visible_matters(actor))


def visible_meetings(actor: "Actor | None") -> "QuerySet[Meeting]":
    """Joint meetings and 会办会: those its bodies' lead unit holds in the bureau's area; a
    handling unit those whose decisions assigned it a matter."""
    from xinfang.casework.models import Meeting
    from xinfang.organisation.selectors import subtree_ids

    meetings = Meeting.objects.all()
    if actor is None:
        return meetings.none()
    if isinstance(actor, SystemActor):
        return meetings
    if not may(actor, Action.VIEW_CASEWORK) or actor.org_unit is None:
        return meetings.none()
    ids = subtree_ids(actor.org_unit)
    if actor.role == Role.UNIT_STAFF:
        return meetings.filter(decisions__items__unit_id__in=ids).distinct()
    return meetings.filter(body__unit_id__in=ids)


def visible_bodies(actor: "Actor | None") -> "QuerySet[JointBody]":
    """Joint bodies: those led by a unit in the bureau's area; a handling unit those of the
    meetings it sees (the ones that assigned it a matter)."""
    from xinfang.casework.models import JointBody
    from xinfang.organisation.selectors import subtree_ids

    bodies = JointBody.objects.all()
    if actor is None:
        return bodies.none()
    if isinstance(actor, SystemActor):
        return bodies
    if not may(actor, Action.VIEW_CASEWORK) or actor.org_unit is None:
        return bodies.none()
    if actor.role == Role.UNIT_STAFF:
        return bodies.filter(pk__in=visible_meetings(actor).values("body_id"))
    return bodies.filter(unit_id__in=subtree_ids(actor.org_unit))


def visible_decision_items(actor: "Actor | None") -> "QuerySet[DecisionItem]":
    """The matters meetings assigned, as the actor may see them: items of visible meetings whose
    matter they see (no 检举控告 for 领导, 督查, nor for the unit it accuses); a handling unit
    only the items assigned to it."""
    from xinfang.casework.models import DecisionItem
    from xinfang.organisation.selectors import subtree_ids

    items = DecisionItem.objects.all()
    if actor is None:
        return items.none()
    if isinstance(actor, SystemActor):
        return items
    scoped = items.filter(
        decision__meeting__in=visible_meetings(actor), matter__in=visible_matters(actor)
    )
    if actor.role == Role.UNIT_STAFF and actor.org_unit is not None:
        return scoped.filter(unit_id__in=subtree_ids(actor.org_unit))
    return scoped
