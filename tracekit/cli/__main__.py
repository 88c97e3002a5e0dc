"""``python -m tracekit.cli``: the console script's entry point."""

from tracekit.cli import console_main

raise SystemExit(console_main())
