"""The report of an extract import written to a sheet the consultant keeps (issue #13):
every refused row with its column and reason, every person left out of the target category
(31-р 2.1) with the reason, and the counts."""

from __future__ import annotations

import logging
from pathlib import Path

from app import clock
from app.documents.import_report_xlsx import ImportReport, write_import_report_xlsx
from app.domain.dates import format_date
from app.errors import UserError
from app.services.common import audit, current_user
from app.services.extract_import import ImportResult
from app.services.files import check_output, write_atomically
from db.session import Database

logger = logging.getLogger(__name__)


def check_report_path(db: Database, out: Path) -> Path:
    """The report's path checked before the import starts (a wrong one writes nothing)."""
    if out.suffix.lower() != ".xlsx":
        raise UserError(f"Отчёт о загрузке пишется в файл .xlsx, а указан «{out.name}».")
    return check_output(out, db.path)


def report_of(result: ImportResult) -> ImportReport:
    now = clock.now_local()
    what = "Проверка выписки (ничего не записано)" if result.dry_run else "Загрузка выписки"
    return ImportReport(
        title=f"{what} {result.file_name}, {format_date(now.date())} {now:%H:%M}",
        summary=(
            f"Строк с данными: {result.rows_total}; SHA-256 {result.sha256}.",
            f"Добавлено в реестр: {result.added}; обновлено: {result.updated}; "
            f"без изменений: {result.unchanged}.",
            f"Не входят в целевую категорию (31-р, п. 2.1): {len(result.not_eligible)}; "
            f"отклонено строк: {result.rejected_rows}.",
        ),
        problems=tuple((p.row, p.field, p.message, p.rejects_row) for p in result.rejected),
        excluded=tuple((n.row, n.person, n.reasons) for n in result.not_eligible),
        already=tuple(
            (a.row, a.person, ("ВОПРОС: " if a.question else "") + a.message)
            for a in result.already_in_registry
        ),
    )


def write_import_report(db: Database, result: ImportResult, out: Path) -> Path:
    """Write the report of ``result`` to ``out`` (XLSX, whole or not at all); audited."""
    out = check_report_path(db, out)
    report = report_of(result)
    write_atomically(out, lambda path: write_import_report_xlsx(report, path), database=db.path)
    with db.session_factory.begin() as session:
        audit(
            session,
            current_user(session),
            "extract.report.export",
            None,
            None,
            file=result.file_name,
            path=str(out),
            problems=len(report.problems),
            excluded=len(report.excluded),
        )
    logger.info(
        "import report written to %s (%d problems, %d excluded)",
        out,
        len(report.problems),
        len(report.excluded),
    )
    return out
