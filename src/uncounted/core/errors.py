"""Errors that reach the user. The CLI turns each into a message and its ``exit_status``: 1 for
a problem in the data or the environment, 2 for a usage error (as typer's own)."""

from __future__ import annotations

from dataclasses import dataclass


class UncountedError(Exception):
    """A problem in the data or the environment that the user can fix.

    ``file``, ``row`` and ``field`` locate the problem when there is a place to point at.
    """

    exit_status: int = 1

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.row = row
        self.field = field

    def location(self) -> str:
        parts = []
        if self.file:
            parts.append(str(self.file))
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.field:
            parts.append(f"field {self.field!r}")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.location()
        return f"{where}: {self.message}" if where else self.message

    def to_dict(self) -> dict[str, object]:
        return {
            "type": type(self).__name__,
            "message": self.message,
            "file": self.file,
            "row": self.row,
            "field": self.field,
        }


class UnreadableFileError(UncountedError):
    """The file cannot be read at all (garbage, truncated, empty, unknown encoding)."""


class MappingError(UncountedError):
    """A column mapping, mapping file or profile does not fit the file."""


class UsageError(UncountedError):
    """What was asked for cannot be: an unknown field, profile or column named in an option, or
    options that exclude each other. Raised where the rule lives (the mapping knows its fields,
    the estimate its strata), so that the command line holds no copy of it; the CLI exits 2, as
    it does for the usage errors typer finds itself."""

    exit_status = 2


class MappingUsageError(MappingError, UsageError):
    """A mapping given in options (``--map``, ``--profile``) that cannot be: an unknown field or
    profile, a pair without ``=``. The same mistake inside a mapping file is a MappingError."""


class ProjectError(UncountedError):
    """The project folder is missing, not a project, or from a newer version."""


@dataclass(frozen=True)
class FieldProblem:
    """Why one value of one row could not be used."""

    field: str
    column: str | None
    value: str | None
    reason: str

    def to_dict(self) -> dict[str, str | None]:
        return {
            "field": self.field,
            "column": self.column,
            "value": self.value,
            "reason": self.reason,
        }
