"""Actions: the imperative commands a user or program can apply, as frozen pydantic models.

Every action has an ``action`` name (its discriminator in `erp apply` files) and an optional
``idempotency_key``: applying the same key twice stores the action once and returns the first
result; the same key with different content is refused. Each business area defines its actions
in its own ``commands`` module on the base classes and field types here, and registers a handler
for each (`erp_core.kernel.registry.handles`).
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from erp_core.kernel.money import check_currency

Name = Annotated[str, Field(min_length=1, max_length=200)]
Text = Annotated[str, Field(max_length=500)]
Reason = Annotated[str, Field(min_length=1, max_length=400)]
MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
MAX_LINES = 10_000


class Action(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)
    action: str
    idempotency_key: Annotated[str, Field(min_length=1, max_length=200)] | None = None


def currency_code(value: str | None) -> str | None:
    return None if value is None else check_currency(value)


def month_text(value: str) -> str:
    if not MONTH_RE.match(value):
        raise ValueError(f"{value!r} is not a month in the form YYYY-MM")
    return value


Code = Annotated[str, Field(min_length=1, max_length=32)]


class Line(BaseModel):
    """Base of an action's lines: frozen, no unknown fields, text stripped."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class ActionResult(BaseModel):
    """What an applied action stored: its documents and log positions."""

    model_config = ConfigDict(frozen=True)
    action: str
    documents: list[str] = Field(default_factory=list)
    positions: list[int] = Field(default_factory=list)
    duplicate: bool = False
