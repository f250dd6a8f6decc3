"""The unit of work: every aggregate one save touches, loaded fresh, saved together."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from erp_core.kernel.aggregate import Aggregate
from erp_core.kernel.commands import ActionResult
from erp_core.kernel.errors import ValidationError

A = TypeVar("A", bound=Aggregate)


class Loader(Protocol):
    def load(self, cls: type[A], stream: str, *, refreshed: bool = False) -> A: ...


class UnitOfWork:
    """The aggregates one save touches, loaded fresh at the start of the save."""

    def __init__(self, loader: Loader) -> None:
        self.loader = loader
        self.touched: dict[str, Aggregate] = {}
        self.keys_in_batch: dict[str, tuple[str, ActionResult]] = {}
        self.recorded: list[tuple[str, int]] = []  # (stream, version) recorded by this action
        # run once the save has stored everything (e.g. destroying an erased employee's key)
        self.after_save: list[Callable[[], None]] = []

    def _observe(self, stream: str, version: int) -> None:
        self.recorded.append((stream, version))

    def get(self, cls: type[A], stream: str) -> A:
        agg = self.touched.get(stream)
        if agg is None:
            agg = self.loader.load(cls, stream, refreshed=True)
            agg.observer = self._observe
            self.touched[stream] = agg
        assert isinstance(agg, cls)
        return agg

    def add(self, agg: Aggregate) -> None:
        known = self.touched.get(agg.id)
        if known is not None and known is not agg and (known.exists or known.pending):
            raise ValidationError("document", f"{agg.id} already exists")
        agg.observer = self._observe
        self.touched[agg.id] = agg
        self.recorded.extend((agg.id, v) for v, _ in agg.pending)

    def release(self) -> None:
        """Unhook the aggregates from this unit of work (the observer is a reference cycle
        that would otherwise keep a whole batch alive until the garbage collector runs)."""
        for agg in self.touched.values():
            agg.observer = None

    def collect(self) -> list[tuple[str, int, Any]]:
        events = []
        for agg in self.touched.values():
            events.extend(agg.collect())
        return events
