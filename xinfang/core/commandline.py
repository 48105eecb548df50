"""What our management commands share: the acting user (--user), refusals, and progress."""

import time
from collections.abc import Callable, Iterable
from typing import Any

from django.core.management.base import CommandError, OutputWrapper

from xinfang.accounts.models import User
from xinfang.core.permissions import SYSTEM, Action, Actor, may


def command_actor(username: str | None, action: Action) -> Actor:
    """The user named by --user, who must be allowed `action`; without one, the system."""
    if not username:
        return SYSTEM
    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"没有用户名为“{username}”的用户")
    if not may(user, action):
        raise CommandError(f"用户“{username}”没有此项操作的权限")
    return user


def refuse(stderr: OutputWrapper, lines: Iterable[object], message: str) -> CommandError:
    """Write every reason on its own line, then the error that ends the command (exit 1)."""
    for line in lines:
        stderr.write(str(line))
    return CommandError(message, returncode=1)


def progress_printer(stream: Any) -> Callable[[str, int], None] | None:
    """Progress on a terminal (one line, rewritten), nothing when the output is piped."""
    if not hasattr(stream, "isatty") or not stream.isatty():
        return None
    stages: list[tuple[str, float]] = []

    def show(stage: str, done: int) -> None:
        if not stages or stages[-1][0] != stage:  # each stage has its own rate
            if stages:
                stream.write("\n")
            stages.append((stage, time.monotonic() - 1e-6))
        rate = done / (time.monotonic() - stages[-1][1])
        stream.write(f"\r{stage}：{done:,}行（每秒{rate:,.0f}行）  ")
        stream.flush()

    return show


def end_progress(stream: Any) -> None:
    if hasattr(stream, "isatty") and stream.isatty():
        stream.write("\n")
