"""Logging filters: a refusal (403) is logged as one line, without the traceback Django adds."""

import logging


class RefusalWithoutTraceback(logging.Filter):
    """Django logs every PermissionDenied with its traceback; a refusal is the permission rule
    working, and hundreds of tracebacks a day buried the real errors. The line stays."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True
