"""`python -m xinfang` is the `xinfang` command."""

from xinfang.cli import main

main()
