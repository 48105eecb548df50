"""`xinfang api-token create|revoke|list`: API keys of system accounts, run by the operator."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.api.models import ApiToken
from xinfang.api.services import token_create, token_revoke
from xinfang.core.errors import XinfangError
from xinfang.core.permissions import SYSTEM


class Command(BaseCommand):
    help = "接口令牌：create 签发（只显示一次密钥）、revoke 吊销、list 列出"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        create = sub.add_parser("create", help="为业务账号签发令牌，密钥只打印这一次")
        create.add_argument("--user", required=True, help="系统账号的用户名")
        create.add_argument("--name", required=True, help="令牌名称，例如对接的系统名")
        revoke = sub.add_parser("revoke", help="吊销令牌（按编号或密钥前缀）")
        revoke.add_argument("token", help="令牌编号或 list 显示的密钥前缀")
        listing = sub.add_parser("list", help="列出令牌（不含密钥）")
        listing.add_argument("--user", help="只列出该用户名的令牌")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['verb']}")(options)
        except XinfangError as exc:
            raise CommandError(exc.message) from exc

    def _create(self, options: dict[str, Any]) -> None:
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"没有用户名为“{options['user']}”的用户")
        token, raw = token_create(actor=SYSTEM, user=user, name=options["name"])
        self.stderr.write(
            f"已为 {user.username} 签发令牌 #{token.pk}“{token.name}”。密钥只显示这一次："
        )
        self.stdout.write(raw)

    def _revoke(self, options: dict[str, Any]) -> None:
        ref = options["token"].strip()
        tokens = (
            ApiToken.objects.filter(pk=int(ref))
            if ref.isascii() and ref.isdigit()
            else ApiToken.objects.none()
        )
        if not tokens and ref:
            tokens = ApiToken.objects.filter(prefix__startswith=ref)
        if len(tokens) != 1:
            raise CommandError(
                f"没有编号或前缀为“{ref}”的令牌"
                if not tokens
                else f"前缀“{ref}”对应多个令牌，请用编号"
            )
        token = token_revoke(actor=SYSTEM, token=tokens[0])
        self.stdout.write(f"已吊销令牌 #{token.pk}“{token.name}”（{token.user.username}）")

    def _list(self, options: dict[str, Any]) -> None:
        tokens = ApiToken.objects.select_related("user")
        if options.get("user"):
            tokens = tokens.filter(user__username=options["user"])
        for token in tokens:
            state = (
                f"已吊销 {timezone.localtime(token.revoked_at):%Y-%m-%d %H:%M}"
                if token.revoked_at
                else "有效"
            )
            used = (
                f"{timezone.localtime(token.last_used_at):%Y-%m-%d %H:%M}"
                if token.last_used_at
                else "未使用"
            )
            created = f"{timezone.localtime(token.created_at):%Y-%m-%d %H:%M}"
            self.stdout.write(
                f"#{token.pk}\t{token.prefix}…\t{token.user.username}\t{token.name}\t"
                f"创建 {created}\t最近使用 {used}\t{state}"
            )
