"""One error hierarchy for every refusal the core can give.

Every error carries a message that names the problem; `ValidationError` also names the field.
The CLI maps `ErpError` to a one-line message and a non-zero exit status.
"""

from __future__ import annotations


class ErpError(Exception):
    """Base of every error the core raises on purpose."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ValidationError(ErpError):
    """An action's input is malformed or breaks a rule; `field` names where."""

    exit_code = 2

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}" if field else reason)
        self.field = field
        self.reason = reason


class NotFound(ErpError):
    """A referenced document, account or aggregate does not exist."""


class NotInitialised(ErpError):
    """The database holds no company yet (`erp init` first)."""


class AlreadyInitialised(ErpError):
    """`init` on a database that already holds a company."""


class UnknownAccount(ValidationError):
    pass


class AccountClosed(ValidationError):
    pass


class Unbalanced(ValidationError):
    pass


class PeriodClosed(ValidationError):
    """Posting into a closed or locked period, or into a fiscal year not opened."""


class PeriodStateError(ErpError):
    """A period or fiscal-year transition that is not allowed (e.g. reopening a locked period)."""


class AlreadyReversed(ErpError):
    pass


class IdempotencyConflict(ErpError):
    """The same idempotency key was used before with different content."""


class ConcurrencyError(ErpError):
    """Concurrent writers kept conflicting; the action was not stored."""


class StorageError(ErpError):
    """The database could not be reached or refused the write."""

    exit_code = 3


class DamagedLog(StorageError):
    """A stored event no longer decodes: the log was changed outside erp_core."""

    def __init__(self, position: int | None, stream: str, reason: str) -> None:
        where = f"at position {position} ({stream})" if position is not None else f"in {stream}"
        super().__init__(
            f"the stored log is damaged {where}: the event no longer decodes ({reason}); "
            "run `erp audit verify` to see what was changed"
        )
        self.position = position
        self.stream = stream


class AccessDenied(ErpError):
    """The actor is not authenticated, or holds no role permitting what was asked (exit 77,
    EX_NOPERM); nothing was stored."""

    exit_code = 77


class BatchRefused(ErpError):
    """An all-or-nothing batch was refused because one of its actions was; nothing was stored."""

    def __init__(self, index: int, error: ErpError) -> None:
        super().__init__(f"action {index + 1}: {error.message}; nothing was stored")
        self.index = index
        self.error = error
