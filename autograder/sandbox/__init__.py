"""Run notebook cells one at a time in a real Jupyter kernel inside a sandbox, with limits.

This package has one job: start an isolated IPython kernel, execute a cell, and report exactly
what happened as plain data. There is no grading logic here. Only signed JSON messages cross
the boundary (ZMQ over unix sockets); nothing from the kernel is ever unpickled or executed by
the grader. One module per part:

    limits      ``Limits`` (what one kernel may use) and the launcher that sets the rlimits
    bubblewrap  the bwrap command line, the probe of whether bwrap works here, and the
                documented fallback backend "none" (no isolation; ``Sandbox.not_enforced`` says so)
    proctree    the kernel's process tree through psutil: measure, interrupt, kill
    watchdog    a thread that kills the tree above the memory, process or disk cap
    outputs     the per-cell output cap, the error located in the cell, ``CellRun``
    kernel      ``Sandbox``: start the kernel, talk to it, run a cell

Always: the watchdog polls the kernel's process tree every 0.2 s and kills the whole tree above
the memory, process or disk cap; a cell is interrupted at its timeout and the kernel killed if
it does not stop; output is capped per cell and oversized ZMQ messages are refused unread.
"""

from __future__ import annotations

from autograder.sandbox.kernel import Sandbox
from autograder.sandbox.limits import Limits
from autograder.sandbox.outputs import CellRun

__all__ = ["CellRun", "Limits", "Sandbox"]
