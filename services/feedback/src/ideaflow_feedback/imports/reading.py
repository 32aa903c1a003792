"""Reading an uploaded file row by row, as feedback items: streamed, never loaded whole.

Row numbers are the file's line numbers where the row starts (the CSV header is row 1), so
people find a refused row in any editor or spreadsheet.
"""

import csv
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ideaflow_feedback.imports.models import ImportFormat
from ideaflow_feedback.imports.schemas import ColumnMapping, ImportCreate

FIELDS = tuple(ColumnMapping.model_fields)
_INTEGER = re.compile(r"[+-]?[0-9]{1,9}")
# A CSV cell may be as long as the longest text a feedback item takes, with room for quoting.
csv.field_size_limit(1_000_000)


class UnreadableFile(Exception):
    """The file cannot be imported at all (its header does not fit the mapping); the message says why."""


@dataclass(frozen=True, slots=True)
class Row:
    number: int
    # The item as `POST /v1/feedback` takes it, or None when the row could not be read at all.
    item: dict[str, Any] | None
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class Layout:
    """Where each field sits in the file, and how to name that place in the error report."""

    csv_positions: dict[str, int]
    locations: dict[str, str]

    def location(self, loc: tuple[int | str, ...]) -> str:
        if not loc:
            return ""
        field = self.locations.get(str(loc[0]), str(loc[0]))
        return field + "".join(f"/{part}" for part in loc[1:]) if field.startswith("/") else field


def _open(path: Path) -> Any:
    # utf-8-sig: spreadsheet programs start their CSV exports with a byte order mark.
    return path.open(encoding="utf-8-sig", newline="")


def _explicit(options: ImportCreate) -> dict[str, str]:
    return options.columns.model_dump(exclude_none=True)


def csv_layout(header: list[str], options: ImportCreate) -> Layout:
    """Match the header against the mapping; UnreadableFile names mapped columns it lacks."""
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        positions.setdefault(name.strip(), index)
    explicit = _explicit(options)
    missing = [column for column in explicit.values() if column not in positions]
    if missing:
        raise UnreadableFile(
            f"The header has no column {', '.join(map(repr, missing))}; it has {', '.join(map(repr, positions))}."
        )
    columns = {field: explicit.get(field, field) for field in FIELDS}
    found = {field: positions[column] for field, column in columns.items() if column in positions}
    if "text" not in found:
        raise UnreadableFile("No column holds the feedback text: name it in `columns.text`, or call a column `text`.")
    return Layout(csv_positions=found, locations={field: columns[field] for field in found})


def ndjson_layout(options: ImportCreate) -> Layout:
    keys = {field: _explicit(options).get(field, field) for field in FIELDS}
    pointers = {field: "/" + key.replace("~", "~0").replace("/", "~1") for field, key in keys.items()}
    return Layout(csv_positions={}, locations=pointers)


def read_header(path: Path, options: ImportCreate) -> Layout:
    """The layout of an uploaded file, checked before the job is queued."""
    if options.format is ImportFormat.NDJSON:
        return ndjson_layout(options)
    with _open(path) as file:
        try:
            header = next(csv.reader(file, delimiter=options.delimiter), None)
        except csv.Error as error:
            raise UnreadableFile(f"The header row cannot be read: {error}.") from None
    if not header:
        raise UnreadableFile("The file is empty: a CSV file starts with its header row.")
    return csv_layout(header, options)


def _with_defaults(item: dict[str, Any], options: ImportCreate) -> dict[str, Any]:
    """Fill empty fields from the defaults, and give a row without an external id a stable one.

    The id is a digest of the row's own values, so importing the same file again updates (or leaves
    unchanged) the items of the first run instead of adding them a second time.
    """
    if "external_id" not in item:
        digest = hashlib.sha256(json.dumps(item, sort_keys=True, default=str).encode()).hexdigest()
        item["external_id"] = f"row-{digest[:32]}"
    for field, value in options.defaults.model_dump(exclude_none=True).items():
        if value and field not in item:
            item[field] = value
    return item


def _cell(field: str, cell: str, options: ImportCreate) -> Any:
    if field == "tags":
        return [tag for tag in (part.strip() for part in cell.split(options.tag_separator)) if tag]
    if field in ("rating", "nps") and _INTEGER.fullmatch(cell):
        return int(cell)
    return cell


def _csv_rows(path: Path, options: ImportCreate) -> Iterator[Row]:
    with _open(path) as file:
        reader = csv.reader(file, delimiter=options.delimiter)
        header = next(reader)
        layout = csv_layout(header, options)
        while True:
            number = reader.line_num + 1
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                yield Row(number, None, f"This row cannot be read as CSV: {error}.")
                continue
            if not record:
                continue
            if len(record) != len(header):
                yield Row(number, None, f"This row has {len(record)} fields; the header has {len(header)}.")
                continue
            item = {}
            for field, position in layout.csv_positions.items():
                cell = record[position].strip()
                if cell:
                    item[field] = _cell(field, cell, options)
            yield Row(number, _with_defaults(item, options))


def _ndjson_rows(path: Path, options: ImportCreate) -> Iterator[Row]:
    keys = {field: _explicit(options).get(field, field) for field in FIELDS}
    with _open(path) as file:
        for number, line in enumerate(file, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except ValueError:
                yield Row(number, None, "This line is not valid JSON.")
                continue
            if not isinstance(value, dict):
                yield Row(number, None, "This line is not a JSON object.")
                continue
            item = {field: value[key] for field, key in keys.items() if value.get(key) is not None}
            yield Row(number, _with_defaults(item, options))


def read_rows(path: Path, options: ImportCreate) -> Iterator[Row]:
    """Every non-blank row of the file, in order, one at a time."""
    if options.format is ImportFormat.NDJSON:
        return _ndjson_rows(path, options)
    return _csv_rows(path, options)


def count_rows(path: Path, options: ImportCreate) -> int:
    """How many rows `read_rows` will yield, without building the items."""
    with _open(path) as file:
        if options.format is ImportFormat.NDJSON:
            return sum(1 for line in file if line.strip())
        reader = csv.reader(file, delimiter=options.delimiter)
        next(reader, None)
        count = 0
        while True:
            try:
                count += 1 if next(reader) else 0
            except StopIteration:
                return count
            except csv.Error:
                count += 1
