"""Who may do what is decided in xinfang/core/permissions.py only: a comparison of a user's role
written anywhere else fails here (read from the syntax tree: comments and strings don't count)."""

import ast
from pathlib import Path

from xinfang.accounts.models import Role

ROOT = Path(__file__).resolve().parent.parent / "xinfang"
HOME = ROOT / "core" / "permissions.py"

# Comparisons of a role that decide no permission, each with why it stays where it is.
NOT_PERMISSIONS = {
    # which clocks each post hears of (the notification's addressee), after visible_matters
    "workflow/clockscan.py",
    # a Leader row may be linked only to an account whose role is 领导 (data, not access)
    "leaders/admin.py",
}


def _is_role_member(node: ast.expr) -> bool:
    """`Role.OFFICER`, or a literal role name like "unit_staff"."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return node.value.id == "Role"
    return isinstance(node, ast.Constant) and node.value in Role.values


def _is_role_of(node: ast.expr) -> bool:
    """`user.role`, `token.user.role`, `getattr(user, "role", …)`."""
    if isinstance(node, ast.Attribute):
        return node.attr == "role"
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "getattr"
        and len(node.args) >= 2
        and isinstance(node.args[1], ast.Constant)
        and node.args[1].value == "role"
    )


def role_checks(source: str) -> list[int]:
    """The line of each comparison that decides by a user's role."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Compare):
            continue
        operands = [node.left, *node.comparators]
        of_role = any(_is_role_of(o) for o in operands)
        membership = any(isinstance(op, ast.In | ast.NotIn) for op in node.ops)
        if any(_is_role_member(o) for o in operands) or (of_role and membership):
            found.append(node.lineno)
    return found


def test_the_detector_sees_the_ways_a_role_is_checked() -> None:
    written = [
        "ok = user.role == Role.OFFICER",
        "ok = actor.role != 'unit_staff'",
        "ok = user.role in SOME_ROLES",
        "ok = token.user.role not in {Role.ADMIN}",
        'ok = getattr(user, "role", None) == Role.ADMIN',
    ]
    for line in written:
        assert role_checks(line) == [1], line
    # a participant's role in a hearing, a role named in a message: no permission decided
    assert role_checks("ok = p.role == role\nmsg = 'unit_staff'") == []


def test_no_role_is_checked_outside_core_permissions() -> None:
    outside = {}
    for path in sorted(ROOT.rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        if path == HOME or "/migrations/" in f"/{name}" or name in NOT_PERMISSIONS:
            continue
        lines = role_checks(path.read_text(encoding="utf-8"))
        if lines:
            outside[name] = lines
    assert outside == {}, "ask xinfang.core.permissions instead of comparing roles here"
