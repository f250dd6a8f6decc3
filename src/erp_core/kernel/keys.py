"""The keyring a handler may be given: per-subject data keys kept outside the event log.

Personal data is stored in the log encrypted with a key of its subject (an employee); the key
lives in mutable storage (`infra/keys.py`), so destroying it makes every copy of the ciphertext
(log, backups, exports) unreadable while the log itself is never edited: crypto-shredding.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from erp_core.kernel.errors import ValidationError


class KeyDestroyed(ValidationError):
    """The subject's key was destroyed (its personal data erased); nothing can be encrypted
    for it any more."""

    def __init__(self, subject: str, destroyed_at: str) -> None:
        super().__init__(
            "employee", f"the personal data of {subject} was erased on {destroyed_at[:10]}"
        )
        self.subject = subject


class Keyring(Protocol):
    def key_for(self, subject: str) -> bytes:
        """The subject's data key, created (and committed) when it has none; raises
        KeyDestroyed once it was destroyed."""
        ...

    def destroy(self, subject: str, reason: str, when: dt.datetime) -> None:
        """Destroy the subject's key (idempotent), keeping a tombstone of when and why."""
        ...
