"""Sealing a database's stored phones (intake migration 0012) and re-sealing them with a new key
(`xinfang rotate-data-key`), timed on a scratch database whose registrations are in clear.

    DATABASE_URL=... .venv/bin/python benchmarks/seal_existing.py VARIANT [--cap SECONDS] [--fill N]

VARIANT: `new` (the code as it is), or `old:MIGRATION.py:REKEY.py:every` — the files of an
earlier commit (`git show <commit>:xinfang/intake/migrations/0012_seal_existing.py > …`) with
the summaries' update trigger of analytics 0003 (`every`: working for every UPDATE) or of 0004
(`changed`). Everything runs in one transaction that is rolled back at the end, so the database
stays in clear for the next run; a run past --cap seconds is stopped and its rate per row
reported (the rows done are the batches read so far). Results: benchmarks/results/sealing.md.

--fill N (the test suite's small mode; an empty database, e.g. a scratch one just created):
migrates it, imports the demo's units and a ledger of N registrations, and opens their sealed
values again (0012 backwards), so that the database is one from before sealing.
"""

import argparse
import base64
import importlib.util
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinfang.settings")

OLD_KEY = base64.urlsafe_b64encode(b"\1" * 32).decode()
NEW_KEY = base64.urlsafe_b64encode(b"\2" * 32).decode()


class CappedError(Exception):
    pass


def _load(path: str, name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    import django

    parser = argparse.ArgumentParser()
    parser.add_argument("variant")
    parser.add_argument("--cap", type=float, default=600.0)
    parser.add_argument("--fill", type=int, default=0, help="registrations to fill it with first")
    args = parser.parse_args()
    django.setup()
    from django.db import connection, transaction
    from django.test import override_settings

    from xinfang.analytics import summary
    from xinfang.core.seal_columns import BATCH

    if args.variant == "new":
        migration = _load(str(ROOT / "xinfang/intake/migrations/0012_seal_existing.py"), "m0012")
        from xinfang.core import rekey

        trigger = "changed"
    else:
        _, mig_path, rekey_path, trigger = args.variant.split(":")
        migration, rekey = _load(mig_path, "m0012"), _load(rekey_path, "rekey_old")
    batch = getattr(migration, "BATCH", BATCH)  # 0012 reads core.seal_columns' batches now
    editor = type("Editor", (), {"connection": connection})()
    if args.fill:
        _fill(args.fill, migration, editor)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM intake_registration")
        total = cursor.fetchone()[0]
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from _support import commit

    print(f"commit {commit()}", flush=True)
    print(f"{connection.vendor}, {total} registrations, variant {args.variant}", flush=True)

    state = {"started": 0.0, "batches": 0}

    def cap(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if sql.startswith('SELECT id, "petitioner_phone') and "intake_registration" in sql:
            state["batches"] += 1
            if time.perf_counter() - state["started"] > args.cap:
                raise CappedError
        return execute(sql, params, many, context)

    def timed(label: str, run: Any) -> bool:
        state["started"], state["batches"] = time.perf_counter(), 0
        try:
            run()
            done, note = total, ""
        except CappedError:
            done, note = (state["batches"] - 1) * batch, " (stopped at the cap)"
        seconds = time.perf_counter() - state["started"]
        rate = done / seconds if seconds else 0
        whole = total / rate if rate else float("inf")
        print(
            f"{label}: {done} rows in {seconds:.1f} s{note}, {rate:,.0f} rows/s, "
            f"{whole:.0f} s for all {total}",
            flush=True,
        )
        return not note

    try:
        with transaction.atomic(), connection.execute_wrapper(cap):
            summary.install(connection, changed_only=trigger == "changed")
            with override_settings(XINFANG_DATA_KEYS=[OLD_KEY]):
                sealed = timed("seal (0012)", lambda: migration.seal_all(None, editor))
            with override_settings(XINFANG_DATA_KEYS=[NEW_KEY, OLD_KEY]):
                if sealed:  # rotation refuses values in clear
                    timed("rotate-data-key", lambda: rekey.rotate(batch=batch))
            raise CappedError  # roll back: the database stays in clear
    except CappedError:
        pass


def _fill(registrations: int, migration: Any, editor: Any) -> None:
    """Migrate, import the demo's units and `registrations` of its ledger, then open what the
    import sealed (0012 backwards): a database as it was before sealing."""
    import tempfile
    from datetime import date

    from django.core.management import call_command

    from xinfang.core.permissions import SYSTEM
    from xinfang.demo.generator import write_ledger_csv, write_org_csv
    from xinfang.intake.ledger.importer import ledger_import
    from xinfang.organisation.importer import org_import

    call_command("migrate", verbosity=0)
    with tempfile.TemporaryDirectory() as folder:
        org, ledger = Path(folder) / "org.csv", Path(folder) / "ledger.csv"
        write_org_csv(org)
        org_import(actor=SYSTEM, path=org)
        write_ledger_csv(ledger, end=date(2026, 11, 30), registrations=registrations)
        ledger_import(actor=SYSTEM, path=ledger)
    migration.open_all(None, editor)


if __name__ == "__main__":
    main()
