"""argparse's help formatters, sized without importing :mod:`shutil`.

``argparse.HelpFormatter`` asks ``shutil.get_terminal_size()`` for its width, and argparse
makes a formatter for every argument a parser adds (to check its metavar), so every command,
``tracekit --help`` too, imported :mod:`shutil` and with it ``zlib``, ``bz2``, ``lzma`` and
``fnmatch``: 4-6 ms of a start-up measured in tens. :func:`terminal_columns` answers as
``shutil.get_terminal_size().columns`` does (``$COLUMNS``, see
:data:`tracekit.settings.COLUMNS`, else the terminal on the process's stdout, else 80); the
formatters here pass it as their width.
"""

from __future__ import annotations

import argparse
import os
import sys

from tracekit import settings

__all__ = ["HelpFormatter", "RawDescriptionHelpFormatter", "terminal_columns"]

#: What shutil.get_terminal_size falls back to without a terminal.
_FALLBACK_COLUMNS = 80


def terminal_columns() -> int:
    """``shutil.get_terminal_size().columns``, without importing shutil."""
    columns = settings.columns()
    if columns > 0:
        return columns
    try:
        size = os.get_terminal_size(sys.__stdout__.fileno())  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        return _FALLBACK_COLUMNS
    return size.columns or _FALLBACK_COLUMNS


class HelpFormatter(argparse.HelpFormatter):
    """``argparse.HelpFormatter``, its width from :func:`terminal_columns`."""

    def __init__(
        self,
        prog: str,
        indent_increment: int = 2,
        max_help_position: int = 24,
        width: int | None = None,
    ) -> None:
        # As argparse: the terminal's width less two columns.
        width = terminal_columns() - 2 if width is None else width
        super().__init__(prog, indent_increment, max_help_position, width)


class RawDescriptionHelpFormatter(HelpFormatter, argparse.RawDescriptionHelpFormatter):
    """``argparse.RawDescriptionHelpFormatter``, its width from :func:`terminal_columns`."""
