"""Structured JSON logs carrying the current correlation and event ids, and trace id."""

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from messaging.context import correlation_id_var, event_id_var
from opentelemetry import trace

# uvicorn adds `color_message`, an ANSI-coloured copy of `msg`.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "color_message"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, ids and any `extra` fields."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if correlation_id := correlation_id_var.get():
            entry["correlation_id"] = correlation_id
        if event_id := event_id_var.get():
            entry["event_id"] = event_id
        if (span := trace.get_current_span().get_span_context()).is_valid:
            entry["trace_id"] = format(span.trace_id, "032x")  # as trace stores show it
        entry.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(service: str, level: str) -> None:
    """Send every logger's records to stderr as JSON lines."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "aiokafka"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    quieter = max(logging.getLevelName(level), logging.WARNING)
    logging.getLogger("aiokafka").setLevel(quieter)
    # httpx logs every request's URL at INFO; the gateway's carry share tokens.
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(quieter)
