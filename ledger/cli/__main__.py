"""``python -m ledger.cli``: the ``ledger`` command."""

from .main import main

main()
