"""``python -m auditor`` is ``ram-audit``."""

from auditor.cli import main

main()
