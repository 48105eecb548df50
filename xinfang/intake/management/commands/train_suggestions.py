"""`xinfang train-suggestions`: the suggested category and unit model, trained on this
installation's history and written to XINFANG_DATA_DIR/suggestions/model.joblib."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from xinfang.intake import suggestions


class Command(BaseCommand):
    help = "以本机历史事项训练内容分类和责任单位建议模型（每周由定时扫描自动重新训练）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--limit", type=int, help="最多使用最近的多少件事项（默认 SUGGESTION_TRAIN_LIMIT）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(suggestions.train(limit=options["limit"]).summary())
