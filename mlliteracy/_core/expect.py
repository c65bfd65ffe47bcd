"""Checks and sentences that hold on every machine: ``mll.expect`` and :class:`Verdict`.

Numbers that come from float kernels or timers differ between CPUs, thread counts and library
versions. A lesson never compares such a number as text: it states what must hold, with a
tolerance chosen from the spread measured across machines, and ``mll.expect`` prints one line
(or raises :class:`ExpectationError` when it does not hold). A sentence that depends on a
measured number is a :class:`Verdict`, built from that number by a method on the result.

Example:
    >>> mll.expect(0.9741, near=0.98, tol=0.02, what="test accuracy", why="seeded training")
    expect ok: test accuracy = 0.9741, within 0.02 of 0.98 (seeded training)
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import html as _html
from .errors import MLLError

LOG_ENV = "MLL_EXPECT_LOG"
"""When set to a file path, every ``expect`` appends one JSON line there (spread studies)."""


class ExpectationError(AssertionError):
    """A machine-dependent number fell outside its stated tolerance (a real failure)."""


@dataclass(frozen=True)
class Expectation:
    """The outcome of one ``mll.expect``: the value, the rule it was held to, and why."""

    what: str
    """The quantity checked, in the lesson's words."""
    value: Any
    """The value measured on this machine."""
    rule: str
    """The rule, e.g. ``within 0.02 of 0.98`` or ``at least 0.97``."""
    why: str
    """Where the reference or the tolerance comes from."""
    ok: bool
    """Whether the value meets the rule (a failing expect raises instead of returning)."""

    def __repr__(self) -> str:
        why = f" ({self.why})" if self.why else ""
        word = "ok" if self.ok else "FAILED"
        return f"expect {word}: {self.what} = {_fmt(self.value)}, {self.rule}{why}"

    def _repr_html_(self) -> str:
        why = f" ({_html.esc(self.why)})" if self.why else ""
        return (
            f"<code>expect</code> {_html.badge(self.ok)}: {_html.esc(self.what)} = "
            f"<b>{_html.esc(_fmt(self.value))}</b>, {_html.esc(self.rule)}{why}"
        )


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1e5 else f"{value:,.0f}"
    return repr(value)


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or (
        not isinstance(value, (int, float)) and not hasattr(value, "__float__")
    ):
        raise MLLError(f"expect: {name}={value!r} is not a number; pass an int or a float")
    number = float(value)
    if math.isnan(number):
        raise MLLError(f"expect: {name} is NaN; the measurement failed, look at the cell above")
    return number


def expect(
    value: Any,
    *,
    near: float | None = None,
    tol: float | None = None,
    at_least: float | None = None,
    at_most: float | None = None,
    equals: Any = None,
    one_of: Any = None,
    what: str = "value",
    why: str = "",
    quick: bool = False,
) -> Expectation:
    """Check a machine-dependent value against a rule that holds on any CPU.

    Give exactly one rule: ``near`` with ``tol`` (``|value - near| <= tol``), ``at_least`` and/or
    ``at_most`` (a range), ``equals`` (a label, a list of labels: a categorical result) or
    ``one_of`` (any of several acceptable results).

    Args:
        value: the measured value.
        near, tol: reference value and absolute tolerance, from the spread measured across CPUs.
        at_least, at_most: inclusive bounds.
        equals: the exact expected value, for categorical results derived from floats.
        one_of: acceptable values, when the evidence allows more than one.
        what: the quantity's name, shown in the line and the error.
        why: where the reference or tolerance comes from.
        quick: the notebook runs in QUICK mode (less data, fewer epochs): the value is shown
            but not held to the full-mode reference (the full run checks it).

    Returns:
        An :class:`Expectation` whose repr is one readable line.

    Raises:
        ExpectationError: the value breaks the rule (the notebook cell fails).
        MLLError: the rule itself is malformed.

    Example:
        >>> mll.expect(acc, near=0.98, tol=0.02, what="test accuracy")
    """
    ranged = at_least is not None or at_most is not None
    rules = sum(x is not None for x in (near, equals, one_of)) + ranged
    if rules != 1:
        raise MLLError(
            "expect: give exactly one rule: near= with tol=, at_least=/at_most=, equals= or one_of="
        )
    if near is not None:
        if tol is None or _number("tol", tol) < 0:
            raise MLLError(f"expect: near={near} needs tol= (a non-negative number)")
        number = _number("value", value)
        ok = abs(number - _number("near", near)) <= tol + 1e-12
        rule = f"within {tol:g} of {near:g}"
    elif equals is not None:
        ok = _plain(value) == _plain(equals)
        rule = "as expected" if ok else f"expected {_fmt(_plain(equals))}"
    elif one_of is not None:
        options = [_plain(v) for v in one_of]
        ok = _plain(value) in options
        rule = "one of " + ", ".join(_fmt(v) for v in options)
    else:
        number = _number("value", value)
        low = -math.inf if at_least is None else _number("at_least", at_least)
        high = math.inf if at_most is None else _number("at_most", at_most)
        ok = low <= number <= high
        parts = ([f"at least {at_least:g}"] if at_least is not None else []) + (
            [f"at most {at_most:g}"] if at_most is not None else []
        )
        rule = " and ".join(parts)
    if quick:
        rule, why, ok = f"{rule} in full mode", "QUICK mode: shown, not checked", True
    result = Expectation(what=what, value=_plain(value), rule=rule, why=why, ok=ok)
    _log(result)
    if not ok:
        broken = rule if rule.startswith("expected") else f"not {rule}"  # "expected [...]"
        raise ExpectationError(
            f"{what} = {_fmt(result.value)}, {broken}"
            + (f" ({why})" if why else "")
            + ": if you changed a cell above, undo it; otherwise run `mlliteracy doctor` "
            "and report this machine"
        )
    return result


def _plain(value: Any) -> Any:
    """Numbers, strings and containers as plain Python (numpy scalars, tuples, Series)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if callable(getattr(value, "to_dict", None)):  # pandas
        return _plain(value.to_dict())
    if callable(getattr(value, "tolist", None)):  # numpy, torch
        return _plain(value.tolist())
    return value


def _log(result: Expectation) -> None:
    path = os.environ.get(LOG_ENV)
    if not path:
        return
    line = {"cwd": Path.cwd().name, "what": result.what, "value": result.value, "ok": result.ok}
    with open(path, "a", encoding="utf-8") as fh:  # one short append per line: no torn JSON
        fh.write(json.dumps(line, default=str) + "\n")


@dataclass(frozen=True)
class Verdict:
    """A sentence computed from a measurement, shown as Markdown in the notebook.

    Lessons never state in static prose what a measurement decides; a result's verdict or
    explain method builds this instead, so the sentence follows the number on every machine.
    """

    text: str
    """The sentence(s), in Markdown."""
    outcome: str
    """A short machine-readable label of which way the measurement fell (tests use it)."""

    def __repr__(self) -> str:
        return self.text

    def _repr_markdown_(self) -> str:
        return self.text
