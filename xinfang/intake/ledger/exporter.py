"""Exporting registrations as a ledger file in the format the importer reads (contract A)."""

import csv
import os
from collections.abc import Iterator
from datetime import time
from pathlib import Path
from typing import Any

from django.db.models import QuerySet

from xinfang.accounts.models import User
from xinfang.core.errors import InputError, PermissionRefusedError
from xinfang.core.middleware import current_ip
from xinfang.core.models import AuditEvent
from xinfang.core.permissions import Action, may, visible_matters
from xinfang.intake.ledger.check import Progress
from xinfang.intake.ledger.columns import COLUMNS, Column
from xinfang.intake.ledger.readers import file_sha256, guard_formula, is_xlsx
from xinfang.intake.ledger.values import Lookups
from xinfang.intake.models import Registration

FIELDS = tuple(column.field for column in COLUMNS)


def registration_cells(values: tuple[Any, ...], ctx: Lookups) -> list[str]:
    """One registration's row as the ledger writes it (the form the importer compares in)."""
    return [column.format(value, ctx) for column, value in zip(COLUMNS, values, strict=True)]


def exportable(actor: User | None) -> QuerySet[Registration]:
    registrations = Registration.objects.all()
    if actor is not None:
        registrations = registrations.filter(matter__in=visible_matters(actor))
    return registrations


def ledger_export(*, actor: User | None, path: Path, progress: Progress | None = None) -> int:
    """Write every registration `actor` may see to `path` (.csv or .xlsx); the number of rows."""
    if not may(actor, Action.EXPORT_LEDGER):
        raise PermissionRefusedError("您没有导出台账的权限")
    if path.suffix.lower() not in {".csv", ".xlsx"}:
        raise InputError("导出文件名应以 .csv 或 .xlsx 结尾")
    ctx = Lookups.load()
    rows = (
        exportable(actor)
        .order_by("received_at", "number")
        .values_list(*FIELDS)
        .iterator(chunk_size=5000)
    )
    partial = path.with_name(path.name + ".part")
    try:
        _create_private(partial)
        if is_xlsx(path):
            count = _write_xlsx(partial, rows, ctx, progress)
        else:
            count = _write_csv(partial, rows, ctx, progress)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    # There is no single object to name: the event is about the registrations exported.
    AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action="ledger.export",
        object_type=Registration._meta.label_lower,
        object_id="*",
        data={"file": path.name, "rows": count, "sha256": file_sha256(path)},
        ip=current_ip.get(),
    )
    return count


def _create_private(path: Path) -> None:
    """An empty file only its owner may read: the ledger holds personal data."""
    path.unlink(missing_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _write_csv(
    path: Path, rows: Iterator[tuple[Any, ...]], ctx: Lookups, progress: Progress | None
) -> int:
    count = 0
    # With a BOM, Excel opens the file as UTF-8; the importer reads it either way.
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([column.name for column in COLUMNS])
        for count, values in enumerate(rows, start=1):
            writer.writerow([guard_formula(cell) for cell in registration_cells(values, ctx)])
            if progress and count % 10000 == 0:
                progress("导出", count)
    return count


def _write_xlsx(
    path: Path, rows: Iterator[tuple[Any, ...]], ctx: Lookups, progress: Progress | None
) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = Workbook(write_only=True)
    sheet = book.create_sheet("台账")
    sheet.append([column.name for column in COLUMNS])
    count = 0

    def cell(column: Column, value: Any) -> Any:
        typed = _typed(column, value, ctx)
        if not isinstance(typed, str):
            return typed
        out = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", typed))
        out.data_type = "s"  # text that starts with "=" stays text, never a formula
        return out

    for count, values in enumerate(rows, start=1):
        sheet.append([cell(c, v) for c, v in zip(COLUMNS, values, strict=True)])
        if progress and count % 10000 == 0:
            progress("导出", count)
    book.save(path)
    return count


def _typed(column: Column, value: Any, ctx: Lookups) -> Any:
    """Dates as date cells and 人数 as a number, so Excel can sort and sum them."""
    if value is None:
        return ""
    if column.kind == "int":
        return value
    if column.kind == "date":
        return value
    if column.kind == "datetime":
        local = value.astimezone(ctx.tz).replace(tzinfo=None)
        if local.microsecond:  # Excel keeps milliseconds only: write the exact text instead
            return column.format(value, ctx)
        return local.date() if local.time() == time() else local
    return column.format(value, ctx)
