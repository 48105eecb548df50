"""Exporting registrations as a ledger file in the format the importer reads (contract A)."""

import csv
import os
from collections.abc import Iterator
from datetime import time
from pathlib import Path
from typing import Any

from django.db.models import QuerySet

from xinfang.core.errors import InputError, PermissionRefusedError
from xinfang.core.middleware import current_ip
from xinfang.core.models import AuditEvent
from xinfang.core.permissions import Action, Actor, SystemActor, may, user_of, visible_matters
from xinfang.intake.ledger.check import Progress
from xinfang.intake.ledger.columns import COLUMNS, Column
from xinfang.intake.ledger.readers import file_sha256, guard_formula, is_xlsx
from xinfang.intake.ledger.values import Lookups
from xinfang.intake.models import Registration

FIELDS = tuple(column.field for column in COLUMNS)


def registration_cells(values: tuple[Any, ...], ctx: Lookups) -> list[str]:
    """One registration's row as the ledger writes it (the form the importer compares in)."""
    return [column.format(value, ctx) for column, value in zip(COLUMNS, values, strict=True)]


def exportable(actor: Actor) -> QuerySet[Registration]:
    registrations = Registration.objects.all()
    if not isinstance(actor, SystemActor):
        registrations = registrations.filter(matter__in=visible_matters(actor))
    return registrations


def ledger_export(*, actor: Actor, path: Path, progress: Progress | None = None) -> int:
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
    count = write_table(path, COLUMNS, rows, ctx, progress)
    # There is no single object to name: the event is about the registrations exported.
    AuditEvent.objects.create(
        actor=user_of(actor),
        action="ledger.export",
        object_type=Registration._meta.label_lower,
        object_id="*",
        data={"file": path.name, "rows": count, "sha256": file_sha256(path)},
        ip=current_ip.get(),
    )
    return count


def write_table(
    path: Path,
    columns: tuple[Column, ...],
    rows: Iterator[tuple[Any, ...]],
    ctx: Lookups,
    progress: Progress | None = None,
    sheet: str = "台账",
) -> int:
    """Rows of values (one per column) to a private .csv or .xlsx, whole or not at all."""
    partial = path.with_name(path.name + ".part")
    try:
        _create_private(partial)
        if is_xlsx(path):
            count = _write_xlsx(partial, columns, rows, ctx, progress, sheet)
        else:
            count = _write_csv(partial, columns, rows, ctx, progress)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return count


def _create_private(path: Path) -> None:
    """An empty file only its owner may read: the ledger holds personal data."""
    path.unlink(missing_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _write_csv(
    path: Path,
    columns: tuple[Column, ...],
    rows: Iterator[tuple[Any, ...]],
    ctx: Lookups,
    progress: Progress | None,
) -> int:
    count = 0
    formats = [column.format for column in columns]
    # With a BOM, Excel opens the file as UTF-8; the importer reads it either way.
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([column.name for column in columns])
        for count, values in enumerate(rows, start=1):
            cells = [fmt(value, ctx) for fmt, value in zip(formats, values, strict=True)]
            writer.writerow([guard_formula(cell) for cell in cells])
            if progress and count % 10000 == 0:
                progress("导出", count)
    return count


def _write_xlsx(
    path: Path,
    columns: tuple[Column, ...],
    rows: Iterator[tuple[Any, ...]],
    ctx: Lookups,
    progress: Progress | None,
    title: str,
) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    sheet.append([column.name for column in columns])
    count = 0

    def cell(column: Column, value: Any) -> Any:
        typed = _typed(column, value, ctx)
        if not isinstance(typed, str):
            return typed
        out = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", typed))
        out.data_type = "s"  # text that starts with "=" stays text, never a formula
        return out

    for count, values in enumerate(rows, start=1):
        sheet.append([cell(c, v) for c, v in zip(columns, values, strict=True)])
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
