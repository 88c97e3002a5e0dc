"""Subcommands whose arguments are added only for the command that runs.

A ``tracekit`` process runs one command, yet argparse wants every command's parser, with all
its arguments, before it can parse anything: some 160 ``add_argument`` calls and a gettext
look-up per parser, a third of ``tracekit --help``'s time. :class:`LazySubcommands` is
argparse's own subparsers action with two passes instead:

1. every command module's ``register`` runs once with only names and help lines kept (what
   ``tracekit --help``, the "invalid choice" error and the command list need); the parser
   ``add_parser`` hands back is :data:`IGNORED`, which takes every call and keeps nothing;
2. when argparse reaches the command name, that one module's ``register`` runs again and
   this time the chosen command gets its real parser, exactly as before, which then parses
   the rest of the line (its ``--help``, its errors and its defaults are argparse's own).

Nothing in a command module changes: ``register(subparsers)`` stays the one way to declare a
command, and :func:`tracekit.cli.build_parser` still returns the whole tree for tools that
walk it.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

__all__ = ["IGNORED", "LazySubcommands", "Register"]

#: A command module's ``register(subparsers)``.
Register = Callable[..., None]


class _Ignored:
    """Stands for the parser, group or action of a command that is not running: every
    attribute is itself, every call returns itself, and nothing is kept."""

    def __getattr__(self, name: str) -> _Ignored:
        return self

    def __setattr__(self, name: str, value: object) -> None:
        pass

    def __call__(self, *args: object, **kwargs: object) -> _Ignored:
        return self


#: What ``add_parser`` returns for a command that is not the one running.
IGNORED = _Ignored()


if TYPE_CHECKING:  # generic in typeshed only
    _SubParsers = argparse._SubParsersAction[argparse.ArgumentParser]
else:
    _SubParsers = argparse._SubParsersAction


class LazySubcommands(_SubParsers):
    """argparse's subparsers action, building only the parser of the command that runs
    (see the module docstring). Fill it with :meth:`register`, not ``add_parser``."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._building: str | None = None
        self._register_of: dict[str, Register] = {}
        self._command_of: dict[str, str] = {}  # each recorded name or alias: its command
        self._recording: Register | None = None

    def register(self, register: Register) -> None:
        """Record the names and help lines of the commands that ``register`` declares."""
        self._recording = register
        try:
            register(self)
        finally:
            self._recording = None

    def add_parser(self, name: str, **kwargs: object) -> argparse.ArgumentParser:
        if self._recording is not None:
            self._record(name, self._recording, kwargs)
            return IGNORED  # type: ignore[return-value]
        if name != self._building:
            return IGNORED  # type: ignore[return-value]
        # The help line and aliases were recorded in the first pass; argparse would add them
        # to the command list a second time.
        kwargs.pop("help", None)
        kwargs.pop("aliases", None)
        # argparse refuses a name it already has (the placeholder): take it out, then put
        # every name back in its first-pass order (the order errors list them in).
        order = list(self._name_parser_map)
        keys = [key for key, command in self._command_of.items() if command == name]
        for key in keys:
            del self._name_parser_map[key]
        parser = super().add_parser(name, **kwargs)  # type: ignore[arg-type]
        placed = {key: self._name_parser_map.get(key, parser) for key in order}
        self._name_parser_map.clear()
        self._name_parser_map.update(placed)
        return parser

    def _record(self, name: str, register: Register, kwargs: dict[str, object]) -> None:
        aliases: Sequence[str] = kwargs.get("aliases", ())  # type: ignore[assignment]
        if "help" in kwargs:
            help_line: str | None = kwargs["help"]  # type: ignore[assignment]
            self._choices_actions.append(self._ChoicesPseudoAction(name, aliases, help_line))
        for key in (name, *aliases):
            self._register_of[key] = register
            self._command_of[key] = name
            # A placeholder until the command runs: argparse checks the name against these
            # keys (and lists them, in this order, when the name is wrong).
            self._name_parser_map[key] = None  # type: ignore[assignment]

    def build(self, name: str) -> argparse.ArgumentParser:
        """The real parser of command ``name`` (built on first use)."""
        parser = self._name_parser_map[name]
        if parser is None:
            self._building = self._command_of[name]
            try:
                self._register_of[name](self)
            finally:
                self._building = None
            parser = self._name_parser_map[name]
        return parser

    def build_all(self) -> None:
        """Build every command's parser (for tools that walk the whole tree)."""
        for name in list(self._name_parser_map):
            self.build(name)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[object] | None,
        option_string: str | None = None,
    ) -> None:
        assert isinstance(values, list)  # an argparse.PARSER action gets the rest of the line
        name = values[0]
        if isinstance(name, str) and name in self._name_parser_map:
            self.build(name)
        super().__call__(parser, namespace, values, option_string)
