"""Column mappings: which source column feeds which canonical field, and how codes translate.

One model serves three ways of saying it: ``--map FIELD=COLUMN`` on the command line, a YAML
mapping file, and the built-in profiles for known lists (``ingest/profiles/*.yaml``). A YAML
file looks like::

    fields:
      full_name: name                       # a column; the file must have it
      sex: {column: gender, values: {M: male, F: female}}
      age_years: {column: [age, العمر], optional: true}   # first present alternative
      date_of_birth: {column: dob, format: "%d/%m/%Y", optional: true}
      status: {value: killed}               # the same value for every row
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from uncounted.core.errors import MappingError, MappingUsageError
from uncounted.core.fields import CANONICAL_FIELDS, SEX_VALUES, STATUS_VALUES
from uncounted.ingest.values import SEX_CODES, STATUS_CODES, fold

_CODE_TARGETS = {"sex": SEX_VALUES, "status": STATUS_VALUES}
_DEFAULT_CODES = {"sex": SEX_CODES, "status": STATUS_CODES}


@dataclass(frozen=True)
class FieldRule:
    """How one canonical field is filled."""

    columns: tuple[str, ...] = ()
    constant: str | None = None
    values: Mapping[str, str] = field(default_factory=dict)
    date_format: str | None = None
    optional: bool = False


@dataclass(frozen=True)
class ColumnMapping:
    """A complete mapping, before it meets a file."""

    fields: Mapping[str, FieldRule]
    name: str = "command line"
    description: str = ""
    release_pattern: str | None = None

    def release_from_filename(self, filename: str) -> str | None:
        if not self.release_pattern:
            return None
        match = re.search(self.release_pattern, filename)
        if not match:
            return None
        digits = re.sub(r"\D", "", match.group(1))
        return f"{digits[:4]}-{digits[4:6]}-{digits[6:8]}" if len(digits) == 8 else None

    def expected_columns(self) -> set[str]:
        return {c for rule in self.fields.values() for c in rule.columns}


@dataclass(frozen=True)
class ResolvedField:
    field: str
    column: str | None
    constant: str | None
    codes: Mapping[str, str]
    date_format: str | None


@dataclass(frozen=True)
class ResolvedMapping:
    """A mapping matched against a file's columns."""

    name: str
    fields: tuple[ResolvedField, ...]
    missing_optional: tuple[str, ...]
    unmapped_columns: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "fields": {
                f.field: {
                    k: v for k, v in asdict(f).items() if k != "field" and v not in (None, {})
                }
                for f in self.fields
            },
            "missing_optional": list(self.missing_optional),
            "unmapped_columns": list(self.unmapped_columns),
        }


def resolve(
    mapping: ColumnMapping, columns: Iterable[str], file: str, exclude: Iterable[str] = ()
) -> ResolvedMapping:
    """Match ``mapping`` to the file's columns; ``exclude`` columns are treated as absent."""
    present = list(columns)
    excluded = {fold(c) for c in exclude}
    by_folded = {fold(c): c for c in present if fold(c) not in excluded}
    resolved: list[ResolvedField] = []
    missing_optional: list[str] = []
    used: set[str] = set()
    for name, rule in mapping.fields.items():
        codes = _codes_for(name, rule)
        if rule.constant is not None:
            resolved.append(ResolvedField(name, None, rule.constant, codes, rule.date_format))
            continue
        column = next((by_folded[fold(c)] for c in rule.columns if fold(c) in by_folded), None)
        if column is None:
            if rule.optional:
                missing_optional.append(name)
                continue
            wanted = " or ".join(repr(c) for c in rule.columns)
            raise MappingError(
                f"{mapping.name}: field {name} needs column {wanted}, which the file does not "
                f"have; its columns are {present}",
                file=file,
                field=name,
            )
        used.add(column)
        resolved.append(ResolvedField(name, column, None, codes, rule.date_format))
    unmapped = tuple(c for c in present if c not in used)
    return ResolvedMapping(mapping.name, tuple(resolved), tuple(missing_optional), unmapped)


def _codes_for(name: str, rule: FieldRule) -> dict[str, str]:
    if name not in _CODE_TARGETS:
        return {}
    codes = dict(_DEFAULT_CODES[name])
    codes.update({fold(k): v for k, v in rule.values.items()})
    return codes


# -- building mappings -----------------------------------------------------------------------------
def from_pairs(pairs: Iterable[str]) -> ColumnMapping:
    """``["full_name=name_en", "sex=gender"]`` as typed after ``--map``.

    A mistake here is in the command typed, so it is a usage error (exit status 2)."""
    rules: dict[str, FieldRule] = {}
    for pair in pairs:
        if "=" not in pair:
            raise MappingUsageError(
                f"--map {pair!r}: write FIELD=COLUMN, e.g. full_name=name_en", field="--map"
            )
        name, column = (part.strip() for part in pair.split("=", 1))
        _check_field(name, f"--map {pair!r}", MappingUsageError)
        if not column:
            raise MappingUsageError(f"--map {pair!r}: the column name is empty", field="--map")
        rules[name] = FieldRule(columns=(column,))
    if not rules:
        raise MappingUsageError("no --map given", field="--map")
    return ColumnMapping(rules)


def from_yaml_text(text: str, source: str) -> ColumnMapping:
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise MappingError(f"not valid YAML: {exc}", file=source) from None
    if not isinstance(document, dict) or not isinstance(document.get("fields"), dict):
        raise MappingError("a mapping file needs a 'fields:' section", file=source)
    rules = {str(name): _rule(str(name), spec, source) for name, spec in document["fields"].items()}
    pattern = document.get("release_from_filename")
    if pattern is not None:
        try:
            re.compile(str(pattern))
        except re.error as exc:
            raise MappingError(
                f"release_from_filename is not a valid pattern: {exc}", file=source
            ) from None
    return ColumnMapping(
        rules,
        name=str(document.get("name") or Path(source).stem),
        description=str(document.get("description") or ""),
        release_pattern=str(pattern) if pattern else None,
    )


def from_yaml_file(path: str | Path) -> ColumnMapping:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise MappingError(
            f"cannot read the mapping file: {exc.strerror}", file=str(path)
        ) from None
    except UnicodeDecodeError:
        raise MappingError("the mapping file is not UTF-8 text", file=str(path)) from None
    return from_yaml_text(text, str(path))


def _rule(name: str, spec: Any, source: str) -> FieldRule:
    _check_field(name, source)
    if isinstance(spec, str):
        return FieldRule(columns=(spec,))
    if isinstance(spec, list):
        return FieldRule(columns=tuple(map(str, spec)))
    if not isinstance(spec, dict):
        raise MappingError(f"field {name}: give a column name or a table", file=source, field=name)
    unknown = set(spec) - {"column", "value", "values", "format", "optional"}
    if unknown:
        raise MappingError(f"field {name}: unknown keys {sorted(unknown)}", file=source, field=name)
    column = spec.get("column")
    columns = (
        tuple(map(str, column)) if isinstance(column, list) else ((str(column),) if column else ())
    )
    constant = spec.get("value")
    if not columns and constant is None:
        raise MappingError(f"field {name}: give 'column' or 'value'", file=source, field=name)
    values = {str(k): str(v) for k, v in (spec.get("values") or {}).items()}
    targets = _CODE_TARGETS.get(name)
    if values and targets is None:
        raise MappingError(
            f"field {name}: 'values' only applies to sex and status", file=source, field=name
        )
    for code, target in values.items():
        if targets is not None and target not in targets:
            raise MappingError(
                f"field {name}: code {code!r} maps to {target!r}; allowed: {list(targets)}",
                file=source,
                field=name,
            )
    if constant is not None and targets is not None and str(constant) not in targets:
        raise MappingError(
            f"field {name}: value {constant!r} is not one of {list(targets)}",
            file=source,
            field=name,
        )
    return FieldRule(
        columns=columns,
        constant=None if constant is None else str(constant),
        values=values,
        date_format=str(spec["format"]) if spec.get("format") else None,
        optional=bool(spec.get("optional", False)),
    )


def _check_field(name: str, source: str, error: type[MappingError] = MappingError) -> None:
    if name not in CANONICAL_FIELDS:
        raise error(
            f"{name!r} is not a canonical field{_did_you_mean(name, CANONICAL_FIELDS)}; use one "
            f"of {', '.join(CANONICAL_FIELDS)}",
            file=source,
            field=name,
        )


def _did_you_mean(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {close[0]}?)" if close else ""


# -- built-in profiles -----------------------------------------------------------------------------
def profile_names() -> list[str]:
    folder = resources.files("uncounted.ingest") / "profiles"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_profile(name: str) -> ColumnMapping:
    known = profile_names()
    if name not in known:
        # A usage error: the name was typed after --profile.
        raise MappingUsageError(
            f"unknown profile {name!r}{_did_you_mean(name, known)}; the built-in profiles are "
            f"{', '.join(known)} (uncounted profiles describes them)",
            field="--profile",
        )
    text = (resources.files("uncounted.ingest") / "profiles" / f"{name}.yaml").read_text("utf-8")
    return from_yaml_text(text, f"profile {name}")


def detect_profile(columns: Iterable[str]) -> str | None:
    """The one built-in profile whose required columns the file has, if exactly one fits."""
    present = {fold(c) for c in columns}
    fitting = []
    for name in profile_names():
        profile = load_profile(name)
        required = [r for r in profile.fields.values() if r.columns and not r.optional]
        if required and all(any(fold(c) in present for c in r.columns) for r in required):
            fitting.append(name)
    return fitting[0] if len(fitting) == 1 else None
