"""python -m cusdoc: the command line."""

from cusdoc.cli import main

main()
