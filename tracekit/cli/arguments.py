"""Argument types shared by the commands."""

from __future__ import annotations

import argparse

from tracekit.exceptions import ConfigError, FilterError
from tracekit.store.filters import order_clause, parse_filter

#: Exit status of a usage error, or of a command that could not run (pytest's convention).
EXIT_USAGE = 2


def positive_int(value: str) -> int:
    """An argparse type: a whole number ≥ 1, with a one-line error otherwise."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {value}")
    return number


def add_store_argument(parser: argparse.ArgumentParser) -> None:
    """``--store PATH``, as every command that reads or writes a store spells it."""
    parser.add_argument(
        "--store", metavar="PATH", help="store file (default: $TRACEKIT_STORE or ./tracekit.duckdb)"
    )


def trace_filter(value: str) -> str:
    """An argparse type: a filter expression that parses (a usage error otherwise)."""
    try:
        parse_filter(value)
    except FilterError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return value


def trace_order(value: str) -> str:
    """An argparse type: ``column [asc|desc]`` that trace listings can sort by."""
    try:
        order_clause(value)
    except ConfigError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return value
