"""SMS and e-mail delivery, pluggable by a dotted path; the defaults never reach the network.

Settings (all optional), e.g. in settings.py:

    XINFANG_NOTIFY = {
        "SMS_BACKEND": "xinfang.notifications.backends.FileBackend",
        "EMAIL_BACKEND": "xinfang.notifications.backends.FileBackend",
        "FILE_DIR": DATA_DIR / "notifications",   # FileBackend appends <channel>.jsonl here
        "DIGEST_ITEMS": 5,                        # matters named in one SMS / e-mail
    }

A backend is a class taking the channel name ("sms" / "email") whose `send(to, subject, text)`
delivers one message. Texts hold a matter's number, clock and deadline only — never a
petitioner's name, ID number, phone, address or the content of the petition.
"""

import json
import logging
import threading
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

log = logging.getLogger("xinfang.notifications")

DEFAULTS: dict[str, Any] = {
    "SMS_BACKEND": "xinfang.notifications.backends.FileBackend",
    "EMAIL_BACKEND": "xinfang.notifications.backends.FileBackend",
    "FILE_DIR": None,  # None: <DATA_DIR>/notifications
    "DIGEST_ITEMS": 5,
}


def notify_settings() -> dict[str, Any]:
    return {**DEFAULTS, **getattr(settings, "XINFANG_NOTIFY", {})}


class Backend(Protocol):
    def send(self, to: str, subject: str, text: str) -> None: ...


class ConsoleBackend:
    """Writes each message to the log (logger `xinfang.notifications`)."""

    def __init__(self, channel: str) -> None:
        self.channel = channel

    def send(self, to: str, subject: str, text: str) -> None:
        log.warning("[%s] → %s：%s %s", self.channel, to, subject, text)


_file_lock = threading.Lock()


class FileBackend:
    """Appends each message as one JSON line to <FILE_DIR>/<channel>.jsonl."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        folder = notify_settings()["FILE_DIR"] or Path(settings.DATA_DIR) / "notifications"
        self.path = Path(folder) / f"{channel}.jsonl"

    def send(self, to: str, subject: str, text: str) -> None:
        line = json.dumps(
            {"at": timezone.now().isoformat(), "to": to, "subject": subject, "text": text},
            ensure_ascii=False,
        )
        with _file_lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as f:
                f.write(line + "\n")


class DjangoMailBackend:
    """E-mail through django.core.mail, i.e. whatever EMAIL_BACKEND / EMAIL_HOST configure."""

    def __init__(self, channel: str) -> None:
        self.channel = channel

    def send(self, to: str, subject: str, text: str) -> None:
        from django.core.mail import send_mail

        send_mail(subject, text, None, [to])


def backend(channel: str) -> Backend:
    """The configured backend of "sms" or "email"."""
    path = notify_settings()[f"{channel.upper()}_BACKEND"]
    cls: Any = import_string(path)
    instance: Backend = cls(channel)
    return instance
