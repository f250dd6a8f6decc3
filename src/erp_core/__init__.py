"""erp_core: an event-sourced double-entry accounting core.

from erp_core import Erp
erp = Erp.open("sqlite:///books.sqlite", actor="alice")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from erp_core.api import Erp, parse_action
    from erp_core.kernel.commands import ActionResult
    from erp_core.kernel.errors import ErpError, ValidationError

__all__ = ["ActionResult", "Erp", "ErpError", "ValidationError", "parse_action"]
__version__ = "0.1.0"

_LAZY = {
    "Erp": "erp_core.api",
    "parse_action": "erp_core.api",
    "ActionResult": "erp_core.kernel.commands",
    "ErpError": "erp_core.kernel.errors",
    "ValidationError": "erp_core.kernel.errors",
}


def __getattr__(name: str) -> Any:
    """Imported on first use, so that `erp` (erp_core.console) can set up its signal
    handling before the heavy imports run."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'erp_core' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
