"""Actions: the imperative commands a user or program can apply, as frozen pydantic models.

Every action has an ``action`` name (its discriminator in `erp apply` files) and an optional
``idempotency_key``: applying the same key twice stores the action once and returns the first
result; the same key with different content is refused. Each business area defines its actions
in its own ``commands`` module on the base classes and field types here, and registers a handler
for each (`erp_core.kernel.registry.handles`).
"""

from __future__ import annotations

import datetime as dt
import re
import types
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, model_validator

from erp_core.kernel.money import check_currency

Name = Annotated[str, Field(min_length=1, max_length=200)]
Text = Annotated[str, Field(max_length=500)]
Reason = Annotated[str, Field(min_length=1, max_length=400)]
MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
MAX_LINES = 10_000


DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _plain_types(annotation: Any) -> set[Any]:
    if get_origin(annotation) in (Union, types.UnionType):
        return {t for arg in get_args(annotation) for t in _plain_types(arg)}
    return {annotation}


_DATE_FIELD, _INT_FIELD = 1, 2
# per model class: the fields strict_scalars looks at, and how (computed once per class: the
# check runs for every action and line of a bulk import)
_STRICT_FIELDS: dict[type[BaseModel], dict[str, int]] = {}


def _strict_fields(cls: type[BaseModel]) -> dict[str, int]:
    found = _STRICT_FIELDS.get(cls)
    if found is None:
        found = {}
        for name, field in cls.model_fields.items():
            kinds = _plain_types(field.annotation)
            if dt.date in kinds:
                found[name] = _DATE_FIELD
            elif int in kinds and bool not in kinds:
                found[name] = _INT_FIELD
        _STRICT_FIELDS[cls] = found
    return found


def strict_scalars(cls: type[BaseModel], data: Any) -> Any:
    """Dates are YYYY-MM-DD strings (never timestamps); whole numbers are never booleans or
    floats. Pydantic's lax mode would take 1772668800 as a date and true as 1."""
    if not isinstance(data, dict):
        return data
    fields = _strict_fields(cls)
    if not fields:
        return data
    for name, value in data.items():
        kind = fields.get(name) if isinstance(name, str) else None
        if kind is None or value is None:
            continue
        if kind == _DATE_FIELD and not isinstance(value, dt.date):
            if not (isinstance(value, str) and DATE_RE.match(value.strip())):
                raise ValueError(
                    f'{name}: expected a date as a YYYY-MM-DD string such as "2026-03-05", '
                    f"got {value!r}"
                )
        elif kind == _INT_FIELD and isinstance(value, bool | float):
            raise ValueError(f"{name}: expected a whole number such as 3, got {value!r}")
    return data


class Action(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)
    action: str
    idempotency_key: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    # The actor's Ed25519 signature over the action's canonical content (hex), checked by
    # access control when the company requires signatures; never part of the content itself.
    signature: Annotated[str, Field(min_length=1, max_length=200)] | None = Field(
        default=None, exclude=True
    )

    _strict = model_validator(mode="before")(classmethod(strict_scalars))  # type: ignore[arg-type]


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

    _strict = model_validator(mode="before")(classmethod(strict_scalars))  # type: ignore[arg-type]


class ActionResult(BaseModel):
    """What an applied action stored: its documents and log positions."""

    model_config = ConfigDict(frozen=True)
    action: str
    documents: list[str] = Field(default_factory=list)
    positions: list[int] = Field(default_factory=list)
    duplicate: bool = False
