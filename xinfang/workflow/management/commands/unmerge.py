"""`xinfang unmerge NUMBER [--user U]`: undo a merge of `apply-merges` — the absorbed matter of
that number comes back as it was, with its registrations; given the kept matter's number, every
merge into it is undone."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from xinfang.core.commandline import command_actor
from xinfang.core.errors import XinfangError
from xinfang.core.permissions import Action
from xinfang.workflow.merges import matter_unmerge, merges_to_undo


class Command(BaseCommand):
    help = "撤销事项合并：恢复被并入的事项及其登记（给出保留事项的编号则撤销并入它的全部事项）"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("number", help="被并入的事项编号，或保留事项的编号")
        parser.add_argument("--user", help="以该用户的身份撤销")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = command_actor(options["user"], Action.MERGE_MATTERS)
        number = options["number"].strip()
        merges = merges_to_undo(number)
        if not merges:
            raise CommandError(f"没有可撤销的合并：{number}既不是被并入的事项，也没有事项并入它")
        for merge in merges:
            try:
                restored = matter_unmerge(actor=actor, merge=merge)
            except XinfangError as exc:
                raise CommandError(exc.message) from exc
            self.stdout.write(f"已撤销：{restored.number}恢复为单独事项（原并入{merge.kept}）")
