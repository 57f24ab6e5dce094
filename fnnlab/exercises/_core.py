"""What every checker shares: the :class:`Result` it returns, the error it
raises for an answer of the wrong kind, and number formatting.

A checker never raises on a *wrong* answer: it returns a failed
:class:`Result` whose message says what is wrong. It raises
:class:`AnswerTypeError` only when the answer is of the wrong *kind* (a
string where a function was asked for, say), naming the argument.
``None`` means "not answered yet" and gives a failed result that says
what to pass.

Chapter: *Exercises*.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass
from typing import Any, Callable

from ..errors import FnnlabError

__all__ = ["Result", "AnswerTypeError", "Exercise", "fmt", "kind_of",
           "returned"]


WIDTH = 72
"""Results print wrapped to this many characters per line."""


class AnswerTypeError(FnnlabError, TypeError):
    """An answer of the wrong kind (not merely a wrong value)."""


@dataclass(frozen=True)
class Result:
    """The verdict of a checker.

    Attributes:
        exercise: the exercise's name, as in :data:`EXERCISES`.
        passed: True when the answer is right.
        message: what is right or, on failure, what is wrong: which entry,
            which shape, which point, and what was expected.

    ``bool(result)`` is ``result.passed``; the repr is the verdict and the
    message, wrapped to ``WIDTH`` (72) characters, e.g.
    ``swish_derivative: passed. ...``.
    """

    exercise: str
    passed: bool
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        verdict = "passed" if self.passed else "not yet"
        return textwrap.fill(
            f"{self.exercise}: {verdict}. {self.message}", width=WIDTH,
            subsequent_indent="    ", break_long_words=False,
            break_on_hyphens=False,
        )

    __str__ = __repr__


def passed(exercise: str, message: str) -> Result:
    return Result(exercise, True, message)


def failed(exercise: str, message: str) -> Result:
    return Result(exercise, False, message)


def not_answered(exercise: str, what: str) -> Result:
    """The failed result for ``None``: says what kind of answer to give."""
    return Result(exercise, False, f"no answer yet: pass {what}.")


@dataclass(frozen=True)
class Exercise:
    """One exercise of the chapter *Exercises*.

    Attributes:
        name: its key in :data:`EXERCISES` (``check(name, answer)``).
        title: a few words.
        answer: the kind of answer the checker takes, in words.
        check: the checker, ``check(answer) -> Result``.
    """

    name: str
    title: str
    answer: str
    check: Callable[[Any], Result]

    def __repr__(self) -> str:
        return f"Exercise({self.name!r}: {self.title}; answer: {self.answer})"


def kind_of(value: Any) -> str:
    """A short description of ``value`` for error messages."""
    text = repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{text} (a {type(value).__name__})"


def returned(value: Any) -> str:
    """``returned <what>`` for a learner's function that gave ``value``."""
    if value is None:
        return "returned None (is a return statement missing?)"
    return f"returned {kind_of(value)}"


def fmt(x: Any, other: Any = None) -> str:
    """Format a number briefly (6 significant digits), with as many more
    digits as it takes to tell it apart from ``other``."""
    x = float(x)
    if math.isnan(x) or math.isinf(x):
        return str(x)
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    for digits in range(6, 18):
        text = f"{x:.{digits}g}"
        if other is None or text != f"{float(other):.{digits}g}":
            return text
    return repr(x)
