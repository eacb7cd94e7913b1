"""Structured logs for the client's commands: one JSON object per line on stderr, as the
``lyap`` processes write them (``{"level","role","source","msg",…}``)."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any, Dict

__all__ = ["configure_json_logging", "log_line"]


class _JsonFormatter(logging.Formatter):
    def __init__(self, role: str) -> None:
        super().__init__()
        self.role = role

    def format(self, record: logging.LogRecord) -> str:
        line: Dict[str, Any] = {"level": record.levelname.lower(), "role": self.role, "source": record.name,
                                "msg": record.getMessage()}
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        return json.dumps(line, separators=(",", ":"), default=str)


def configure_json_logging(role: str, level: int = logging.INFO) -> logging.Logger:
    """Routes the ``lyap_client`` logger to stderr as JSON lines; returns it."""
    logger = logging.getLogger("lyap_client")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_JsonFormatter(role))
    logger.handlers[:] = [handler]
    logger.setLevel(level)
    logger.propagate = False
    return logger


def log_line(logger: logging.Logger, message: str, level: int = logging.INFO, **fields: Any) -> None:
    """One line with extra fields."""
    logger.log(level, message, extra={"fields": fields})
