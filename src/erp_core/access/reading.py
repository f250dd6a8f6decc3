"""What the facade asks the access area outside actions: whose token this is, whether the
actor may run a report, and what of the report their record rules let them see."""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from erp_core.access.domain import DOCUMENT_STREAMS, STREAM, Access, DocumentOrigin, decide_report
from erp_core.access.identity import database_user
from erp_core.access.scope import Scope, report_scope, restrict
from erp_core.kernel.aggregate import Aggregate
from erp_core.kernel.errors import AccessDenied

A = TypeVar("A", bound=Aggregate)


class Loader(Protocol):
    def load(self, cls: type[A], stream: str, *, refreshed: bool = False) -> A: ...


def token_owner(loader: Loader, token: str) -> str | None:
    """The user a live token authenticates, or None."""
    return loader.load(Access, STREAM).owner_of(token)


def remember_refusal(
    loader: Loader, refused: AccessDenied, actor: str, what: str, permission: str
) -> None:
    """Attach to a refused report the `AttemptRefused` the command service records for it."""
    import datetime as dt
    import uuid

    from erp_core.access.events import AttemptRefused
    from erp_core.kernel.unit_of_work import UnitOfWork

    clock = getattr(loader, "clock", None)
    now = clock() if clock is not None else dt.datetime.now(dt.UTC)
    event = AttemptRefused(
        actor=actor,
        recorded_at=now,
        action=what,
        permission=permission,
        rule=refused.message,
        authenticated=permission != "authentication",
    )

    def record(uow: UnitOfWork) -> None:
        from erp_core.access.handlers import RefusedAttempt

        uow.get(RefusedAttempt, f"refused:{uuid.uuid4().hex}").trigger(event)

    refused.on_refusal = record  # type: ignore[attr-defined]


def database_actor(loader: Loader) -> str | None:
    """The user the store's PostgreSQL session user is mapped to, when the company's identity
    is the database user (None otherwise)."""
    access = loader.load(Access, STREAM)
    if access.identity != "database":
        return None
    who = database_user(getattr(loader, "store", None))
    return None if who is None else access.database_roles.get(who)


def check_report(
    loader: Loader, actor: str, credential: str | None, report: str, area: str | None = None
) -> Scope | None:
    """Refuse the report, or say what of it the actor may see (None: all of it). `area` is
    the area whose read models the report reads, when known (HR and payroll data are shown
    only to roles naming those areas)."""
    access = loader.load(Access, STREAM)
    if not access.enabled:
        return None
    who = database_user(getattr(loader, "store", None)) if access.identity == "database" else None
    stage = "authentication"
    try:
        user = access.identify(actor, credential, who)
        stage = f"report:{report}"
        decide_report(access, user, report, area)
        scope = report_scope(access, user, report, area)
    except AccessDenied as refused:
        if access.record_refusals:
            remember_refusal(loader, refused, actor, f"report:{report}", stage)
        raise
    return scope if scope.limited else None


def creator_of(loader: Loader, document: str) -> str | None:
    """The actor who created a document (the first event of its stream), or None."""
    for prefix in (*DOCUMENT_STREAMS, "doc"):
        first = loader.load(DocumentOrigin, f"{prefix}:{document}", refreshed=True).first
        if first is not None:
            return first.actor
    return None


def limit_report(loader: Loader, scope: Scope | None, result: Any) -> Any:
    if scope is None:
        return result
    cache: dict[str, str | None] = {}

    def creator(document: str) -> str | None:
        if document not in cache:
            cache[document] = creator_of(loader, document)
        return cache[document]

    return restrict(result, scope, creator)
