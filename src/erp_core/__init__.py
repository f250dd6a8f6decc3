"""erp_core: an event-sourced double-entry accounting core.

from erp_core import Erp
erp = Erp.open("sqlite:///books.sqlite", actor="alice")
"""

from __future__ import annotations

from erp_core.api import Erp, parse_action
from erp_core.kernel.commands import ActionResult
from erp_core.kernel.errors import ErpError, ValidationError

__all__ = ["ActionResult", "Erp", "ErpError", "ValidationError", "parse_action"]
__version__ = "0.1.0"
