"""Sandboxed auto-grader for the 'CNN architectures and training deep networks' exercise sheet."""

__version__ = "0.2.0"
