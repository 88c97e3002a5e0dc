"""Argument types shared by the commands."""

from __future__ import annotations

import argparse


def positive_int(value: str) -> int:
    """An argparse type: a whole number ≥ 1, with a one-line error otherwise."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {value}")
    return number
