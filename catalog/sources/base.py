"""The base of every error an upstream client raises: a short stable code, and whether to retry."""

from __future__ import annotations


class UpstreamError(Exception):
    code = "upstream_error"
    transient = False

    def __init__(
        self, message: str, *, http_status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.retry_after = retry_after
