"""Accounts app configuration."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "xinfang.accounts"
    label = "accounts"
    verbose_name = "用户与角色"

    def ready(self) -> None:
        # axes' receivers first (connected on import): its handler marks a locked request
        # before our audit of the failed login reads it
        from axes import signals as _axes  # noqa: F401

        from xinfang.accounts import (
            checks,  # noqa: F401  (check --deploy: two-factor on)
            signals,  # noqa: F401  (logins into the audit)
        )
