"""The ``ledger`` command line: one module per group of verbs; errors become exit codes here.

The top layer beside ``web``: may import every layer.
"""

from .main import main

__all__ = ["main"]
