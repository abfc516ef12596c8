"""Errors a planner can act on: every problem names its file, line, field, expectation and finding."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Problem", "InputError", "ScenarioError", "GeodataError", "OutputExistsError"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, printed as `FILE:LINE: path: expected …, found …`."""

    file: str
    line: int | None
    path: str
    expected: str
    found: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        path = f" {self.path}:" if self.path else ""
        found = f", found {self.found}" if self.found else ""
        return f"{where}:{path} expected {self.expected}{found}"


class InputError(Exception):
    """Bad input (exit code 2). Holds every problem found, not only the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(dict.fromkeys(problems))  # the same problem once, in order
        super().__init__("\n".join(str(p) for p in self.problems))


class ScenarioError(InputError):
    """A scenario file is unreadable, malformed, or fails validation."""


class GeodataError(InputError):
    """A geometry reference or GIS file is missing, unreadable, or unusable."""


class OutputExistsError(InputError):
    """The output folder exists and `--overwrite` was not given."""
