"""The `erp` console script's entry: Ctrl-C prints one line, never a traceback.

The SIGINT handler is installed before the command line (and everything it imports) is
loaded, and stays for the whole run: an interrupted command stops at once, like a kill,
which the event store and the projections are built to survive (a save is one transaction;
projections commit their position with their rows; a rebuild is one transaction).
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType


def _interrupted(_signum: int, _frame: FrameType | None) -> None:
    try:
        sys.stderr.write("interrupted\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    os._exit(130)  # 128 + SIGINT


def main(argv: list[str] | None = None) -> None:
    signal.signal(signal.SIGINT, _interrupted)
    try:
        from erp_core.cli import main as run

        run(argv)
    finally:
        # The command is done. Python's shutdown puts a handler it installed back to the
        # default (die by the signal), so a Ctrl-C in those last moments would kill the
        # process silently; ignored, the finished command exits with its own status.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
