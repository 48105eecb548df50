"""The `xinfang` command: every Django management command, with our hyphenated names."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinfang.settings")
    if len(args) > 1 and not args[1].startswith("-"):
        # Contract D spells our commands with hyphens; Django modules need underscores.
        args[1] = args[1].replace("-", "_")
    args[0] = "xinfang"
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)


if __name__ == "__main__":
    main()
