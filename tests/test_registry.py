"""The registry is complete: every action has exactly one handler, every event is catalogued,
and imports point one way (kernel <- infra <- areas <- application/facade <- command line).

Forgetting a piece of a new action fails here, instead of in a user's batch.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import erp_core
from erp_core.areas import AREAS
from erp_core.kernel.commands import Action
from erp_core.kernel.errors import ValidationError
from erp_core.kernel.events import EVENT_TYPES, DomainEvent
from erp_core.kernel.registry import HANDLERS, action_adapter, action_types, load_areas

SRC = Path(erp_core.__file__).resolve().parent


def all_modules() -> list[str]:
    return sorted(
        m.name for m in pkgutil.walk_packages([str(SRC)], prefix="erp_core.") if not m.ispkg
    )


def concrete_actions() -> list[type[Action]]:
    """Every Action subclass defined in erp_core with an action name (a Literal default)."""
    for name in all_modules():
        if name.endswith((".cli", "chain_postgres")) or name in ("erp_core.cli", "erp_core.demo"):
            continue  # command lines, and the PostgreSQL recorder (an extra's driver)
        importlib.import_module(name)
    found: list[type[Action]] = []
    todo = list(Action.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("erp_core.") and isinstance(
            cls.model_fields["action"].default, str
        ):
            found.append(cls)
    return found


def test_every_action_has_exactly_one_handler_in_its_own_area() -> None:
    load_areas()
    actions = concrete_actions()
    assert actions
    missing = [cls.__name__ for cls in actions if cls not in HANDLERS]
    assert not missing, f"actions without a handler: {missing}"
    for cls, handler in HANDLERS.items():
        area = cls.__module__.split(".")[1]
        assert handler.__module__.split(".")[1] == area, (
            f"{cls.__name__} ({area}) is handled in {handler.__module__}"
        )


def test_action_names_are_unique_and_all_parse() -> None:
    names = action_types()
    assert len(names) == len(HANDLERS)
    for name, cls in names.items():
        schema = cls.model_json_schema()
        assert schema["properties"]["action"]["const"] == name
    with pytest.raises(Exception, match="union_tag_invalid|does not match any"):
        action_adapter().validate_python({"action": "no_such_action"})


def test_an_action_without_a_handler_is_a_clear_error_not_a_key_error() -> None:
    from typing import Literal

    from erp_core.kernel.registry import handler_for

    class Unhandled(Action):
        action: Literal["unhandled_for_test"] = "unhandled_for_test"

    with pytest.raises(ValidationError, match="no handler is registered for Unhandled"):
        handler_for(Unhandled)


def test_every_event_class_is_in_the_catalogue_under_its_topic_name() -> None:
    load_areas()
    todo = list(DomainEvent.__subclasses__())
    seen = []
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("erp_core.") and cls.__dict__.get("stored", True):
            seen.append(cls)
            assert EVENT_TYPES[cls.__name__] is cls
    assert len(seen) >= 40


def test_a_second_event_class_with_a_taken_name_is_refused() -> None:
    with pytest.raises(TypeError, match="taken"):
        type(
            "VoucherPosted",
            (DomainEvent,),
            {"__module__": "erp_core.somewhere_else", "__annotations__": {}},
        )


# --- imports point one way -----------------------------------------------------------------

LAYERS = {
    "kernel": 0,
    "infra": 1,
    "migrations": 1,
}  # areas are 2; the application and facade 3; the CLI 4
TOP = {
    "application": 3,
    "api": 3,
    "demo": 3,
    "areas": 3,
    "cli_base": 4,
    "render": 4,
    "cli": 4,
    "console": 4,
}


def layer_of(module: str) -> tuple[int, str]:
    parts = module.split(".")
    if parts[0] != "erp_core" or len(parts) == 1:
        return (-1, "")
    head = parts[1]
    if head in LAYERS:
        return (LAYERS[head], head)
    if head in TOP:
        return (TOP[head], head)
    if head == "projections":
        return (2, head)  # read models: beside the areas (their report queries read them)
    if len(parts) > 2 and parts[2] == "cli":
        return (4, head)
    return (2, head)


def imports_of(path: Path) -> list[tuple[str, bool]]:
    """(imported module, at module level) for every `import`/`from` naming erp_core."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[str, bool]] = []
    top_level = {id(n) for n in tree.body}
    type_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING"
        for inner in ast.walk(node)
    }
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue  # annotations only: no dependency at run time
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("erp_core"):
            names = [f"{node.module}.{a.name}" for a in node.names]
            for name in names:
                found.append((name, id(node) in top_level))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("erp_core"):
                    found.append((alias.name, id(node) in top_level))
    return found


def module_name(path: Path) -> str:
    rel = path.relative_to(SRC).with_suffix("")
    return ".".join(("erp_core", *rel.parts)).removesuffix(".__init__")


SOURCES = sorted(SRC.rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(SRC)))
def test_imports_point_inward(path: Path) -> None:
    """kernel <- infra <- areas <- application/facade <- command line; an area may use the
    public modules of the areas before it in AREAS, never their handlers, never a later area."""
    me = module_name(path)
    if me == "erp_core":
        return  # the package's lazy exports name the facade on purpose
    my_layer, my_area = layer_of(me)
    order = {area: i for i, area in enumerate(AREAS)}
    problems = []
    for target, _top in imports_of(path):
        their_layer, their_area = layer_of(target)
        if their_layer < 0 or their_area == my_area:
            continue
        if their_layer > my_layer:
            problems.append(f"{target} (layer {their_layer} above {my_layer})")
        elif my_layer == their_layer == 2 and their_area in order and my_area in order:
            if order[their_area] > order[my_area]:
                problems.append(f"{target} (area after {my_area} in AREAS)")
            if ".handlers" in target:
                problems.append(f"{target} (another area's handlers)")
        if me.endswith(".handlers") and target.startswith("erp_core.projections"):
            problems.append(f"{target} (handlers decide from the log, never from read models)")
    assert not problems, f"{me} imports " + "; ".join(problems)


@pytest.mark.parametrize(
    "path",
    sorted([*SRC.glob("*/cli.py"), SRC / "cli.py", SRC / "cli_base.py"]),
    ids=lambda p: str(p.relative_to(SRC)),
)
def test_the_command_line_goes_through_the_facade(path: Path) -> None:
    """No command-line module reaches around `Erp` into its command service or event store."""
    text = path.read_text(encoding="utf-8")
    for reach in ("erp.ledger.", "erp.store.", "erp().ledger.", "erp().store."):
        assert reach not in text, f"{path.name} uses {reach}"
