"""What a handler is given: the unit of work, who acts and when, and a read of the log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from erp_core.kernel.events import DomainEvent
from erp_core.kernel.keys import Keyring
from erp_core.kernel.unit_of_work import UnitOfWork

E = TypeVar("E", bound=DomainEvent)


@dataclass
class Context:
    """Handed to every handler as ``handler(cmd, ctx)``.

    `event` stamps the actor and the recording time on a new event, so no handler repeats them;
    `stored` reads stored events of given classes from the log (for the few rules that are
    computed from history, such as a year-end close); `keys` is the keyring of personal data
    (kept outside the log), None where the store has none.
    """

    uow: UnitOfWork
    actor: str
    now: dt.datetime
    read_log: Callable[[tuple[type[DomainEvent], ...]], Iterator[DomainEvent]]
    keys: Keyring | None = None

    def event(self, cls: type[E], **fields: Any) -> E:
        return cls(actor=self.actor, recorded_at=self.now, **fields)

    def stored(self, *classes: type[DomainEvent]) -> Iterator[DomainEvent]:
        return self.read_log(classes)
