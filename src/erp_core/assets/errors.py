"""The one error the assets core raises: it names the field and the reason."""

from __future__ import annotations


class AssetError(ValueError):
    """Bad input to the assets core; `field` names where, `reason` says why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
