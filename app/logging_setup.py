"""One rotating log file in the user's log folder, set up once by the entry point."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from app.domain.masking import mask_text
from app.paths import log_dir

LOG_FILE_NAME = "integration-consultant.log"


class MaskingFormatter(logging.Formatter):
    """Formats as usual, then masks personal data (tracebacks included): the log is plain."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_text(super().format(record))


def setup_logging(level: int = logging.INFO) -> Path:
    """Attach the rotating file handler (once); return the log file's path."""
    folder = log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOG_FILE_NAME
    root = logging.getLogger()
    for handler in root.handlers:
        if getattr(handler, "baseFilename", None) == str(path):
            return path
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=2_000_000, backupCount=5, encoding="utf-8"
    )
    handler.setFormatter(MaskingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)
    return path
