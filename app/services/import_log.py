"""What the import wizard needs besides the import: file columns, saved mappings, the log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from app import clock
from app.services.extract_import import load_mapping
from app.services.extract_parse import (
    FIELD_TITLES,
    apply_saved_mapping,
    auto_mapping,
    missing_fields,
    read_table,
)
from db import models
from db.session import Database


@dataclass(frozen=True)
class FileColumns:
    """The headings of an extract and the field each one is read as (None: not read)."""

    headings: tuple[str, ...]
    header_row: int  # 1-based, as the user sees it in Excel
    fields: tuple[str | None, ...]
    missing: tuple[str, ...]  # required columns not found: no row can be read without them


@dataclass(frozen=True)
class ImportLogItem:
    batch_id: int
    imported_at: datetime  # Tyumen local time
    user: str
    file_name: str
    sha256: str
    mapping_name: str | None
    rows_total: int
    added: int
    updated: int
    not_eligible: int
    rejected: int
    problems: tuple[str, ...]


def field_titles() -> dict[str, str]:
    """Field key -> Russian column title, in the order the wizard offers them."""
    return dict(FIELD_TITLES)


def file_columns(db: Database, path: Path, mapping_name: str | None = None) -> FileColumns:
    """Read the file's heading row and say how each column would be read."""
    table = read_table(path)
    headings = table.headings
    if mapping_name:
        mapping = apply_saved_mapping(headings, load_mapping(db, mapping_name))
    else:
        mapping = auto_mapping(headings)
    by_index = {index: key for key, index in mapping.items()}
    return FileColumns(
        tuple(headings),
        table.header_index + 1,
        tuple(by_index.get(i) for i in range(len(headings))),
        tuple(missing_fields(mapping)),
    )


def mapping_names(db: Database) -> list[str]:
    with db.session_factory() as session:
        return list(
            session.scalars(select(models.ColumnMapping.name).order_by(models.ColumnMapping.name))
        )


def import_log(db: Database, limit: int = 500) -> list[ImportLogItem]:
    """The newest imports first: who, when, which file (SHA-256) and what came of it."""
    with db.session_factory() as session:
        rows = session.execute(
            select(models.ImportBatch, models.User.full_name)
            .outerjoin(models.User, models.User.id == models.ImportBatch.created_by_id)
            .order_by(models.ImportBatch.imported_at.desc(), models.ImportBatch.id.desc())
            .limit(limit)
        ).all()
        return [
            ImportLogItem(
                batch_id=batch.id,
                imported_at=clock.to_local(batch.imported_at).replace(tzinfo=None),
                user=user or "",
                file_name=batch.file_name,
                sha256=batch.sha256,
                mapping_name=batch.mapping_name,
                rows_total=batch.rows_total,
                added=batch.added,
                updated=batch.updated,
                not_eligible=batch.not_eligible,
                rejected=batch.rejected,
                problems=tuple((batch.problems or "").splitlines()),
            )
            for batch, user in rows
        ]
