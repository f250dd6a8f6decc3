"""What the facade asks the access area outside actions: whose token this is, and whether the
actor may run a report."""

from __future__ import annotations

from typing import Protocol, TypeVar

from erp_core.access.domain import STREAM, Access, decide_report
from erp_core.kernel.aggregate import Aggregate

A = TypeVar("A", bound=Aggregate)


class Loader(Protocol):
    def load(self, cls: type[A], stream: str, *, refreshed: bool = False) -> A: ...


def token_owner(loader: Loader, token: str) -> str | None:
    """The user a live token authenticates, or None."""
    return loader.load(Access, STREAM).owner_of(token)


def check_report(loader: Loader, actor: str, credential: str | None, report: str) -> None:
    access = loader.load(Access, STREAM)
    if not access.enabled:
        return
    user = access.authenticate(actor, credential)
    decide_report(access, user, report)
