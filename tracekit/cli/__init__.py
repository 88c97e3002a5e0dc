"""The ``tracekit`` command line.

Each command lives in a module of this package that exposes ``register(subparsers)``; every
command's handler takes the parsed namespace and returns an exit code. ``main`` turns tracekit's
own errors into one line on stderr and a non-zero exit, never a traceback.

Start-up is part of every command, so building the parser loads none of the implementations
(``tracekit --help`` in tens of milliseconds). A command module holds only argparse: its
module-level imports are the standard library, :mod:`tracekit.cli.arguments`, and modules of
constants (defaults, choices); ``register`` adds the arguments and names the handler lazily,
with the implementation in a module of its own that is imported when the command runs::

    def register(subparsers: Any) -> None:
        sql = subparsers.add_parser("sql", help="...")
        add_store_argument(sql)
        sql.set_defaults(handler=lazy_handler("tracekit.cli.sql_view:run_sql"))

(``tracekit.cli.query_commands`` and ``query_views`` are the model.) A handler in the
command module itself is fine too, as long as its heavy imports (DuckDB, Arrow, Rich, the
OTel SDK, pydantic models, Textual, the Anthropic SDK) are inside the function.
``tests/cli/test_start_up_imports.py`` fails when a command's import set grows.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import sys
from collections.abc import Sequence
from typing import Any

from tracekit.cli import (
    anomalies_command,
    doctor_command,
    eval_command,
    file_commands,
    fork_command,
    query_commands,
    replay_command,
    reprice_command,
    run_commands,
    serve_command,
    sessions_command,
    sql_command,
    stats_command,
    ui_command,
)
from tracekit.cli.arguments import EXIT_USAGE
from tracekit.cli.help_format import HelpFormatter as _HelpFormatter
from tracekit.cli.lazy_commands import LazySubcommands as _LazySubcommands
from tracekit.exceptions import StoreNotFoundError, TracekitError, TraceNotFoundError

__all__ = ["EXIT_ERROR", "EXIT_NOT_FOUND", "EXIT_USAGE", "build_parser", "console_main", "main"]

EXIT_ERROR = 1
EXIT_NOT_FOUND = 3


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (not the whole usage block), and
    help sized without importing shutil (:mod:`tracekit.cli.help_format`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("formatter_class", argparse.HelpFormatter) is argparse.HelpFormatter:
            kwargs["formatter_class"] = _HelpFormatter
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(EXIT_USAGE)


#: Every command module's ``register``, in the order ``tracekit --help`` lists them.
_REGISTERS = (
    query_commands.register,
    stats_command.register,
    anomalies_command.register,
    sessions_command.register,
    sql_command.register,
    run_commands.register,
    serve_command.register,
    replay_command.register,
    ui_command.register,
    file_commands.register,
    doctor_command.register,
    reprice_command.register,
    fork_command.register,
    eval_command.register,
)


def build_parser(*, lazy: bool = False) -> argparse.ArgumentParser:
    """The full argument parser, one subcommand per module's ``register``.

    ``lazy`` (what :func:`main` uses) adds a command's arguments only when parsing reaches
    its name (:class:`~tracekit.cli.lazy_commands.LazySubcommands`); the help and the
    errors are the same either way."""
    parser = _Parser(
        prog="tracekit",
        description="Observability and trace replay for LLM agent runs.",
    )
    sub = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=_Parser, action=_LazySubcommands
    )
    assert isinstance(sub, _LazySubcommands)
    for register in _REGISTERS:
        sub.register(register)
    if not lazy:
        sub.build_all()
    return parser


def _command_names(parser: argparse.ArgumentParser) -> list[str]:
    for action in parser._actions:  # argparse keeps subcommands only here
        if isinstance(action, argparse._SubParsersAction):
            return list(action.choices)
    return []


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command (``argv``, else the process's arguments) and return its exit code:
    what :func:`console_main` runs, and what tests call in their own process."""
    parser = build_parser(lazy=True)
    # Unknown options are reported by name (not as "COMMAND is required") even before a command.
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    if args.command is None:
        parser.error(f"choose a command: {', '.join(_command_names(parser))}")
    try:
        code: int = args.handler(args)
    except (StoreNotFoundError, TraceNotFoundError) as exc:
        _say_error(exc)
        return EXIT_NOT_FOUND
    except TracekitError as exc:
        _say_error(exc)
        return EXIT_ERROR
    except KeyboardInterrupt:
        sys.stderr.write("tracekit: interrupted\n")
        return 130
    except BrokenPipeError:
        # `tracekit traces | head` closes the pipe early; that is not an error.
        return 0
    return code


def console_main() -> int:
    """Entry point of the ``tracekit`` console script and of ``python -m tracekit.cli``:
    :func:`main`, then its output flushed, then the process left to exit.

    Before exiting, every object is moved out of the garbage collector's reach
    (``gc.freeze``): the interpreter's exit-time collection would otherwise walk everything
    a command built (~10 ms after ``traces`` or ``show``) only to free memory that the
    exit frees anyway. Files and connections are closed by the commands themselves and
    ``atexit`` hooks still run, so nothing a command writes depends on that collection. Never
    call this in a process that goes on (a test): its heap would stay frozen.
    """
    try:
        return main()
    finally:
        _flush_stdout()
        gc.freeze()


def _flush_stdout() -> None:
    # The output is flushed here rather than by the interpreter at exit, where a reader that
    # left (`tracekit traces | head`) would make it print "Exception ignored ..." and exit 120.
    stdout = sys.stdout
    if stdout is None:
        return
    try:
        stdout.flush()
    except BrokenPipeError:
        # What is left in the buffer goes nowhere: the exit-time flush must not fail again.
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, stdout.fileno())
            os.close(devnull)


def _say_error(exc: Exception) -> None:
    from tracekit.display import inert  # Rich: loaded only when there is an error to show

    sys.stderr.write(f"tracekit: error: {inert(exc)}\n")


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(console_main())
