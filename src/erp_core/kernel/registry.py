"""The one registry: which action each handler serves, built from the areas' own modules.

An area registers a handler with ``@handles(SomeAction)``; its events register themselves when
their classes are defined (`erp_core.kernel.events.EVENT_TYPES`). Everything global (the action
list, the discriminated union `erp apply` parses, the JSON Schema, `erp do`, the handler table)
is built from here after `load_areas()` has imported every area listed in `erp_core.areas`.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, Union

from pydantic import Field, TypeAdapter

from erp_core.kernel.commands import Action

if TYPE_CHECKING:
    from erp_core.kernel.context import Context

A = TypeVar("A", bound=Action)
Handler = Callable[[Any, "Context"], list[str]]

HANDLERS: dict[type[Action], Handler] = {}
AREA_OF: dict[type[Action], str] = {}
# Checks the command service runs before every handler, as ``guard(action, ctx, credential)``;
# a guard refuses by raising (the access area registers one: who may apply what).
Guard = Callable[[Action, "Context", "str | None"], None]
GUARDS: list[Guard] = []


# Run after an action's handler succeeded, in the same unit of work, as
# ``recorder(action, ctx, credential)`` (access records the signature of a signed action).
RECORDERS: list[Guard] = []


def records(fn: Guard) -> Guard:
    """Register the decorated function to run after every successful handler."""
    if fn not in RECORDERS:
        RECORDERS.append(fn)
    return fn


def guards(fn: Guard) -> Guard:
    """Register the decorated function as a check run before every action's handler."""
    if fn not in GUARDS:
        GUARDS.append(fn)
    return fn


def action_name(cls: type[Action]) -> str:
    default = cls.model_fields["action"].default
    if not isinstance(default, str):
        raise TypeError(f"{cls.__name__} has no action name (a Literal default)")
    return default


def handles(cls: type[A]) -> Callable[[Callable[[A, Context], list[str]]], Handler]:
    """Register the decorated function as the one handler of the action `cls`."""

    def register(fn: Callable[[A, Context], list[str]]) -> Handler:
        if cls in HANDLERS:
            known = HANDLERS[cls]
            raise TypeError(
                f"{cls.__name__} already has a handler ({known.__module__}.{known.__name__})"
            )
        name = action_name(cls)
        for other in HANDLERS:
            if action_name(other) == name:
                raise TypeError(f"action name {name!r} is used by {other.__name__} already")
        HANDLERS[cls] = fn
        AREA_OF[cls] = fn.__module__.removeprefix("erp_core.").split(".")[0]
        return fn

    return register


@functools.cache
def load_areas() -> None:
    """Import every business area (their handlers, commands and events register themselves)."""
    importlib.import_module("erp_core.areas").load()


@functools.cache
def load_guards() -> None:
    """Import the areas that register guards and recorders (`erp_core.areas.GUARD_AREAS`):
    enough to run an action without importing every area (start-up)."""
    importlib.import_module("erp_core.areas").load(guards_only=True)


_BY_NAME: dict[str, type[Action]] = {}


def _named() -> dict[str, type[Action]]:
    """Action classes by name, of the areas imported so far (rebuilt only when one more
    area has registered actions: this runs once per line of `erp apply`)."""
    if len(_BY_NAME) != len(HANDLERS):
        _BY_NAME.clear()
        _BY_NAME.update((action_name(cls), cls) for cls in HANDLERS)
    return _BY_NAME


def find_action(name: str) -> type[Action] | None:
    """The action class named `name`, importing the areas in order only until one declares
    it (a file of journal vouchers needs the ledger alone); None if no area does."""
    found = _named().get(name)
    if found is None:
        areas = importlib.import_module("erp_core.areas")
        for area in areas.AREAS:
            areas.load_area(area)
            found = _named().get(name)
            if found is not None:
                break
    return found


def actions() -> tuple[type[Action], ...]:
    load_areas()
    return tuple(HANDLERS)


def action_types() -> dict[str, type[Action]]:
    return {action_name(cls): cls for cls in actions()}


def handler_for(cls: type[Action]) -> Handler:
    """The handler of `cls`, with every guard and recorder registered (their areas are
    imported first); only the action's own area is imported besides."""
    load_guards()
    handler = HANDLERS.get(cls)
    if handler is None:
        package = cls.__module__.split(".")
        if package[0] == "erp_core" and len(package) > 2:
            importlib.import_module("erp_core.areas").load_area(package[1])
        handler = HANDLERS.get(cls)
    if handler is None:
        load_areas()
        handler = HANDLERS.get(cls)
    if handler is None:
        from erp_core.kernel.errors import ValidationError

        raise ValidationError("action", f"no handler is registered for {cls.__name__}")
    return handler


@functools.cache
def action_adapter() -> TypeAdapter[Any]:
    """Validates a dict into the action its ``action`` field names (a discriminated union)."""
    classes = actions()
    union: Any = classes[0] if len(classes) == 1 else Union[classes]  # noqa: UP007
    return TypeAdapter(Annotated[union, Field(discriminator="action")])
