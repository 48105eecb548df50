"""Workflow: the table is whole, and nothing but the workflow services sets a matter's status."""

import ast
import inspect
from pathlib import Path

from xinfang.accounts.models import Role
from xinfang.workflow import services
from xinfang.workflow.states import MatterStatus
from xinfang.workflow.transitions import TABLE, Step, check, steps_from

ROOT = Path(__file__).resolve().parent.parent / "xinfang"
# The workflow services move matters (workflow.merges: an undone merge puts the absorbed matter's
# row back as it was); the ledger importer writes the state its imported facts imply
# (workflow.states.status_from_facts) — the one documented exception.
ALLOWED = {"workflow/services.py", "workflow/merges.py", "intake/ledger/write.py"}
WRITERS = {"create", "update", "get_or_create", "update_or_create", "bulk_create", "Matter"}


# other objects' own states (leader work's sessions, bookings, packages; hearings; disputes …): a
# value of another `…Status` enum is never a matter's status (MatterStatus, imported as S too)
MATTER_STATES = {"MatterStatus", "S"}
OTHER_MODELS = {"ReceptionSession", "Booking", "Package", "Hearing", "Dispute"}


def _other_state(value: ast.expr | None) -> bool:
    return (
        isinstance(value, ast.Attribute)
        and isinstance(value.value, ast.Name)
        and value.value.id.endswith("Status")
        and value.value.id not in MATTER_STATES
    )


def status_writes(source: str) -> list[int]:
    """Lines where `source` sets a `status`: attribute, setattr, or a writing call's keyword —
    unless the value written is another object's state (OTHER_STATES)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if _other_state(node.value):
                continue
            if any(isinstance(t, ast.Attribute) and t.attr == "status" for t in targets):
                found.append(node.lineno)
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            args = node.args
            by_setattr = name == "setattr" and len(args) > 1 and getattr(args[1], "value", "")
            receiver = ast.unparse(func.value) if isinstance(func, ast.Attribute) else ""
            others = receiver.split(".", 1)[0] in OTHER_MODELS
            by_keyword = (
                name in WRITERS
                and not others
                and any(k.arg == "status" and not _other_state(k.value) for k in node.keywords)
            )
            if by_setattr == "status" or by_keyword:
                found.append(node.lineno)
    return found


def test_the_scanner_sees_each_way_of_setting_a_status() -> None:
    source = "\n".join(
        [
            "m.status = 'final'",
            "Matter.objects.filter(pk=1).update(status='final')",
            "Matter.objects.create(number='1', status='final')",
            "setattr(m, 'status', 'final')",
            "Matter.objects.filter(status='final')",  # a read, not a write
            "x = m.status",
            "session.status = SessionStatus.HELD",  # another object's state
            "Package.objects.filter(pk=1).update(status=PackageStatus.OPEN)",
            "Package.objects.filter(pk=1).update(status=state)",
        ]
    )
    assert status_writes(source) == [1, 2, 3, 4]


def test_only_the_workflow_services_set_a_matter_status() -> None:
    offenders = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if "/migrations/" in rel or rel in ALLOWED:
            continue
        offenders += [f"{rel}:{line}" for line in status_writes(path.read_text("utf-8"))]
    assert offenders == []


def test_every_step_has_one_service_and_every_target_is_a_state() -> None:
    public = {
        name
        for name, fn in inspect.getmembers(services, inspect.isfunction)
        if name[0] != "_" and fn.__module__ == services.__name__
    }
    assert len(public) == len(Step) == len(TABLE)
    for t in TABLE.values():
        assert t.target is None or t.target in MatterStatus
        assert t.sources <= set(MatterStatus)
        assert t.label and t.requires and t.roles
    for name in public:
        params = inspect.signature(getattr(services, name)).parameters
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params.values()), name
        assert {"actor", "matter", "version"} <= set(params), name


def test_the_table_reads_like_the_regulation() -> None:
    assert [t.label for t in steps_from(MatterStatus.REGISTERED, Role.OFFICER)] == [
        "受理",
        "不予受理",
        "转送",
        "交办",
        "依法分类处理",
    ]
    assert [t.label for t in steps_from(MatterStatus.ASSIGNED, Role.UNIT_STAFF)] == [
        "签收",
        "退回",
    ]
    # a final matter can still be rated, and a request about it refused (已经终结); nothing else
    assert [t.step for t in steps_from(MatterStatus.FINAL, Role.OFFICER)] == [
        Step.EVALUATE,
        Step.DECLINE_REVIEW,
    ]
    assert check(Step.REQUEST_REVIEW, role=Role.REGISTRAR, status="replied").target == (
        MatterStatus.UNDER_REVIEW
    )
