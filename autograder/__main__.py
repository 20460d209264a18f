"""``python -m autograder``: the same command line as ``autograder``."""

from autograder.cli import main

main(prog_name="autograder")
