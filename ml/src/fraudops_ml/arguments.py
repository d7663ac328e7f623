"""Argument types of ``python -m fraudops_ml``: one place for every subcommand's numbers."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TypeVar

Number = TypeVar("Number", int, float)


def _bounded(
    text: str, convert: Callable[[str], Number], kind: str, ok: Callable[[Number], bool], rule: str
) -> Number:
    """Convert and check one argument.

    Args: text: the argument; convert: int or float; kind: its name in the error; ok: the check;
    rule: what ``ok`` requires, for the error. Returns: the value. Raises: ArgumentTypeError.
    """
    try:
        value = convert(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not {kind}: {text!r}") from None
    if not ok(value):
        raise argparse.ArgumentTypeError(f"{rule}: {value}")
    return value


def positive_int(text: str) -> int:
    """Args: text: argument. Returns: an int >= 1."""
    return _bounded(text, int, "an integer", lambda v: v >= 1, "must be >= 1")


def non_negative_int(text: str) -> int:
    """Args: text: argument. Returns: an int >= 0."""
    return _bounded(text, int, "an integer", lambda v: v >= 0, "must be >= 0")


def non_negative_float(text: str) -> float:
    """Args: text: argument. Returns: a float >= 0."""
    return _bounded(text, float, "a number", lambda v: v >= 0, "must be >= 0")


def port(text: str) -> int:
    """Args: text: argument. Returns: a TCP port (0: no metrics endpoint)."""
    return _bounded(text, int, "a port", lambda v: 0 <= v < 65536, "not a port")
