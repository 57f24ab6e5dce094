"""Multiple-choice questions: the conceptual exercises.

A question holds its choices, each with the reason it is right or wrong.
The checker accepts a letter (``"B"``, ``"b"``, ``"B)"``) or, when several
choices are right, any collection of letters (``"AC"``, ``"A, C"``,
``["A", "C"]``). A wrong answer is told why each choice it made is wrong
and how many right ones it missed, without naming them.

Chapter: *Exercises*.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ._core import AnswerTypeError, Result, failed, kind_of, not_answered, passed

__all__ = ["Choice", "Question"]


@dataclass(frozen=True)
class Choice:
    """One choice: its text, whether it is right, and why."""

    text: str
    right: bool
    why: str


@dataclass(frozen=True)
class Question:
    """A multiple-choice question.

    Attributes:
        name: the exercise's name.
        prompt: the question, in one or two sentences (Markdown with math).
        choices: the choices, lettered A, B, C, ... in this order.
        several: True when every right choice must be picked ("select all
            that apply"); False when exactly one choice is right.
    """

    name: str
    prompt: str
    choices: tuple
    several: bool = False

    @property
    def letters(self) -> str:
        return "ABCDEFGH"[: len(self.choices)]

    def markdown(self) -> str:
        """The question and its lettered choices, as Markdown."""
        lines = [self.prompt, ""]
        for letter, choice in zip(self.letters, self.choices):
            lines.append(f"- **{letter}.** {choice.text}")
        return "\n".join(lines)

    def right_letters(self) -> str:
        return "".join(
            l for l, c in zip(self.letters, self.choices) if c.right
        )

    def _parse(self, answer: Any) -> str:
        expected = (
            "one letter, e.g. 'A'" if not self.several
            else "the letters of every right choice, e.g. 'AC'"
        ) + " (choices " + ", ".join(self.letters) + ")"
        if isinstance(answer, str):
            parts = re.findall(r"[A-Za-z]+", answer)
            letters = "".join(parts).upper()
        elif isinstance(answer, (list, tuple, set, frozenset)) and all(
            isinstance(a, str) for a in answer
        ):
            letters = "".join(a.strip().upper() for a in answer)
        else:
            raise AnswerTypeError(
                f"answer: got {kind_of(answer)}, expected {expected}"
            )
        if not letters or any(c not in self.letters for c in letters):
            raise AnswerTypeError(
                f"answer: got {answer!r}, expected {expected}"
            )
        if not self.several and len(set(letters)) != 1:
            raise AnswerTypeError(
                f"answer: got {answer!r}, expected {expected}: exactly one "
                "choice is right"
            )
        return "".join(sorted(set(letters)))

    def check(self, answer: Any) -> Result:
        """Check ``answer``; see the module docstring for what it accepts."""
        if answer is None:
            what = ("one letter, such as 'A'" if not self.several
                    else "the letters of every right choice, such as 'AB'")
            return not_answered(self.name, what)
        chosen = self._parse(answer)
        by_letter = dict(zip(self.letters, self.choices))
        right = set(self.right_letters())
        wrong_picks = [l for l in chosen if l not in right]
        missed = len(right - set(chosen))
        if not wrong_picks and not missed:
            reasons = " ".join(f"{l}: {by_letter[l].why}" for l in chosen)
            return passed(self.name, reasons)
        parts = [f"{l} is not right: {by_letter[l].why}" for l in wrong_picks]
        if missed and self.several:
            parts.append(
                f"{missed} right choice{'s are' if missed > 1 else ' is'} "
                "missing from your answer"
            )
        return failed(self.name, " ".join(
            p if p.endswith(".") else p + "." for p in parts
        ))
