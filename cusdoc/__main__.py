"""The `cusdoc` command, and python -m cusdoc."""

import gc


def run() -> None:
    """The command line, in a process of its own.

    A command is one short pass that builds large trees holding no cycle (the content, the
    document model, pandoc's tree): Python's cycle collector would walk them again and again
    as they grow, a fifth of a second of a build spent on the way to the PDF. It is off for
    the command's life; the process ends with it.
    """
    gc.disable()
    from cusdoc.cli import main

    main()


if __name__ == "__main__":
    run()
