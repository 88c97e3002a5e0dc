"""Argument types shared by the commands, and :func:`lazy_handler`."""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable

from tracekit.exceptions import ConfigError, FilterError

#: Exit status of a usage error, or of a command that could not run (pytest's convention).
EXIT_USAGE = 2

#: What a command runs: the parsed arguments in, an exit code out.
Handler = Callable[[argparse.Namespace], int]


class lazy_handler:
    """A command's handler that imports its module only when the command runs.

    ``target`` is ``"module:function"``. Building the parser then costs nothing of the
    command's implementation: ``tracekit --help`` and every other command skip it. A command
    that begins by reading the store says ``reads_store=True``: its first open then takes a
    DuckDB instance made while its modules import (:mod:`tracekit.store.warm_engine`).

    >>> lazy_handler("tracekit.cli.traces_view:run_traces")
    lazy_handler('tracekit.cli.traces_view:run_traces')
    """

    def __init__(self, target: str, *, reads_store: bool = False) -> None:
        module, _, function = target.partition(":")
        if not module or not function:
            raise ValueError(f"a handler is 'module:function', not {target!r}")
        self.target = target
        self.reads_store = reads_store

    def __call__(self, args: argparse.Namespace) -> int:
        if self.reads_store:
            # DuckDB makes its instance on a thread while the command's modules import
            # (see tracekit.store.warm_engine).
            from tracekit.store import warm_engine

            warm_engine.start()
        module, _, function = self.target.partition(":")
        handler: Handler = getattr(importlib.import_module(module), function)
        return handler(args)

    def __repr__(self) -> str:
        return f"lazy_handler({self.target!r})"


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
    from tracekit.store.filters import parse_filter

    try:
        parse_filter(value)
    except FilterError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return value


def trace_order(value: str) -> str:
    """An argparse type: ``column [asc|desc]`` that trace listings can sort by."""
    from tracekit.store.filters import order_clause

    try:
        order_clause(value)
    except ConfigError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return value
