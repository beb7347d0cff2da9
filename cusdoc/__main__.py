"""The `cusdoc` command, and python -m cusdoc."""

import atexit
import contextlib
import gc
import os
import sys


def run() -> None:
    """The command line, in a process that lives as long as one command.

    A command is one short pass that builds large trees holding no cycle (the content, the
    document model, pandoc's tree): Python's cycle collector would walk them again and again
    as they grow, a fifth of a second of a build spent on the way to the PDF. It is off for the
    command's life.

    Once the command is over and everything Python does on leaving is done (threads joined,
    every other exit function run: pools, temporary folders), the process ends without taking
    its objects apart one by one: a tenth of a second at the end of a build, for memory the
    system takes back anyway.
    """
    gc.disable()
    status = [1]  # what the process answers unless the command says otherwise
    atexit.register(_leave, status)  # registered first: run last
    try:
        from cusdoc.cli import main
    except KeyboardInterrupt:  # Ctrl-C before the command has started: click is not there yet
        print("Interrompu.", file=sys.stderr)
        raise SystemExit(1) from None

    try:
        main()
        status[0] = 0
    except SystemExit as leaving:
        code = leaving.code
        status[0] = 0 if code is None else code if isinstance(code, int) else 1
        raise


def _leave(status: list[int]) -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing more to say
            stream.flush()
    os._exit(status[0])


if __name__ == "__main__":
    run()
