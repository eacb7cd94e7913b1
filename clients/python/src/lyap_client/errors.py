"""The client's errors: codes from the pipeline's catalogue (docs/errors.md)."""

from __future__ import annotations


class LyapClientError(Exception):
    """An error with a ``LYAP_E_*`` code and whether retrying may help."""

    def __init__(self, code: str, message: str, *, retriable: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.retriable = retriable

    def __str__(self) -> str:
        return f"{super().__str__()} ({self.code})"


class ConfigError(LyapClientError):
    """A setting that cannot be used (``LYAP_E_CONFIG``): fix the setting, do not retry."""

    def __init__(self, message: str) -> None:
        super().__init__("LYAP_E_CONFIG", message)
