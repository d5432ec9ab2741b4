"""One call from a results file to tidy pandas frames.

`load(path)` reads every table of a govsim results file (docs/results.md) and returns a
`Results`: its provenance attributes as Python values and each table as a DataFrame in which

- text columns hold `str`, whether the file stores them as fixed-length byte strings (as
  format versions 1 and 2 do) or as variable-length strings;
- `scenario`, `town`, `model`, `metric`, `category`, `level`, `last_level`, `outcome` and
  `baseline` are ordered pandas Categoricals, in the model's order: towns and models in the
  experiment's order (`/runs`), dispute categories in the order of `/summary_by_category`,
  handler levels in escalation order (the order of `/daily`'s columns), metrics in the order of
  `/comparison`;
- tables with a `day` column gain `date` (the calendar date of the day) and those with a
  `month` column gain `date` (the first day of the month), on the model's 365-day calendar.

Tables and columns the reader does not know (added by later format versions) are read the same
way, so any results file loads; the figures check for the tables and columns they need.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import h5py
import numpy as np
import pandas as pd

from . import calendar

RESULTS_FORMAT = "govsim-results"
KNOWN_FORMAT_VERSIONS = (1, 2, 3, 4, 5)

# Values whose order is the model's, not the alphabet's (docs/results.md). Levels and
# categories are read from the file where it records their order; these are the fall-backs.
OUTCOME_ORDER = ("open", "resolved", "abandoned")
LEVEL_ORDER = ("self_governance", "firm", "owners_committee", "residents_committee",
               "department", "coordination")
CATEGORY_ORDER = ("parking", "property_service", "owners_rights", "neighbour", "construction",
                  "sanitation")
LEVEL_COLUMN_PREFIXES = ("busy_server_days_", "servers_")


class ResultsError(Exception):
    """The input is not a readable govsim results file (one message for the user)."""


def _python_value(value):
    """An HDF5 attribute value as a plain Python value (str, int, float or list)."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray):
        return [_python_value(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _text_column(values: np.ndarray) -> np.ndarray:
    """A column of fixed-length bytes, variable-length bytes or str, as an object array of str."""
    if values.dtype.kind == "S":
        # Decode each distinct value once: text columns hold few distinct values in many rows.
        distinct, inverse = np.unique(values, return_inverse=True)
        return np.array([v.decode("utf-8") for v in distinct], dtype=object)[inverse]
    if values.dtype.kind == "U":
        return values.astype(object)
    out = np.empty(len(values), dtype=object)
    for i, v in enumerate(values):
        out[i] = v.decode("utf-8") if isinstance(v, bytes) else v
    return out


def _is_text(values: np.ndarray) -> bool:
    if values.dtype.kind in "SU":
        return True
    if values.dtype.kind == "O":
        return len(values) == 0 or isinstance(values[0], (bytes, str))
    return False


def _enum_column(values: np.ndarray, names: dict) -> np.ndarray:
    """Codes of an HDF5 enumeration as an object array of their names (None for a code the
    enumeration does not name)."""
    by_code = {code: name for name, code in names.items()}
    distinct, inverse = np.unique(values, return_inverse=True)
    return np.array([by_code.get(int(v)) for v in distinct], dtype=object)[inverse]


def _read_table(dataset: h5py.Dataset) -> pd.DataFrame:
    data = dataset[()]
    columns = {}
    for name in data.dtype.names:
        values = data[name]
        member = dataset.dtype.fields[name][0]
        enum = h5py.check_enum_dtype(member)
        if values.ndim != 1:  # an array-valued member: keep each row's array
            columns[name] = list(values)
        elif enum is not None:  # format 5's /disputes: categorical columns as enumerations
            columns[name] = _enum_column(values, enum)
        elif _is_text(values) or h5py.check_string_dtype(member):
            columns[name] = _text_column(values)
        else:
            columns[name] = values
    return pd.DataFrame(columns, columns=list(data.dtype.names))


_RUN_KEY = ("scenario", "town", "model", "replicate")


def _add_run_keys(frames: dict, f: h5py.File) -> None:
    """Format 5's /disputes names its run by `run`, the run's index in /runs: put the run's
    scenario, town, model and replicate in front of it, as every other table has them."""
    disputes = frames.get("disputes")
    if disputes is None or "run" not in disputes.columns or "runs" not in f:
        return
    runs = frames.get("runs")
    if runs is None:
        runs = _read_table(f["runs"])
    by_index = runs.set_index("index")
    at = by_index.index.get_indexer(disputes["run"].to_numpy())
    if (at < 0).any():
        raise ResultsError("/disputes names a run that /runs does not hold")
    for position, column in enumerate(_RUN_KEY):
        disputes.insert(position, column, by_index[column].to_numpy()[at])


def _first_appearance(values) -> list:
    """The distinct str values in order of first appearance."""
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(object)
    return [v for v in pd.unique(np.asarray(values, dtype=object)) if isinstance(v, str)]


def _ordered(values: list, preferred) -> list:
    """`preferred` (where present in `values`), then the others in order of appearance."""
    present = set(values)
    head = [v for v in preferred if v in present]
    return head + [v for v in values if v not in set(head)]


@dataclass
class Results:
    """A results file in memory: provenance attributes and tables (DataFrames) by name."""

    path: str
    attrs: dict
    tables: dict = field(default_factory=dict)
    start_year: int | None = None
    orders: dict = field(default_factory=dict)  # column -> list of values in the model's order

    # The tables of format versions 1 and 2, by attribute (None when the file does not hold them).
    @property
    def runs(self):
        return self.tables.get("runs")

    @property
    def summary(self):
        return self.tables.get("summary")

    @property
    def summary_by_category(self):
        return self.tables.get("summary_by_category")

    @property
    def daily(self):
        return self.tables.get("daily")

    @property
    def monthly(self):
        return self.tables.get("monthly")

    @property
    def comparison(self):
        return self.tables.get("comparison")

    @property
    def disputes(self):
        return self.tables.get("disputes")

    # Format 3 (docs/results.md): the comparison by period, costs and equity.
    @property
    def cost_effectiveness(self):
        return self.tables.get("cost_effectiveness")

    @property
    def equity_comparison(self):
        return self.tables.get("equity_comparison")

    def evaluation(self) -> pd.DataFrame | None:
        """`/comparison`'s rows for the evaluation period: those with `year` 0 in format 3 (the
        whole years after the policy start, `first_year` to `last_year`); every row in formats
        1 and 2, whose comparison has one row per town, model and metric over the whole run."""
        table = self.comparison
        if table is None:
            return None
        if "year" not in table.columns:
            return table
        return table[table["year"] == 0].reset_index(drop=True)

    def comparison_by_year(self) -> pd.DataFrame | None:
        """`/comparison`'s rows of single calendar years (format 3; None before it)."""
        table = self.comparison
        if table is None or "year" not in table.columns:
            return None
        return table[table["year"] != 0].reset_index(drop=True)

    def evaluation_period(self) -> tuple | None:
        """(first year, last year) of the comparison's evaluation period (format 3), else None."""
        rows = self.evaluation()
        if rows is None or len(rows) == 0 or "first_year" not in rows.columns:
            return None
        return int(rows["first_year"].min()), int(rows["last_year"].max())

    def policy_starts(self) -> list:
        """The policy start dates (pandas Timestamps, distinct, in order) the scenario sets: the
        root attribute `policy_start_date` (ISO) or `policy_start_day` (a model day) if the
        file has one, else every `policy_start = YYYY-MM-DD` of the stored scenario text (the
        `[model]` key: results format 3 records it only there)."""
        attrs = self.attrs
        if "policy_start_day" in attrs and self.start_year is not None:
            return [calendar.date_of_day(int(attrs["policy_start_day"]), self.start_year)]
        if "policy_start_date" in attrs:
            return [pd.Timestamp(str(attrs["policy_start_date"]))]
        text = attrs.get("scenario_text")
        if not isinstance(text, str):
            return []
        found = re.findall(r"^\s*policy_start\s*=\s*(\d{4}-\d{2}-\d{2})", text, flags=re.MULTILINE)
        return sorted({pd.Timestamp(d) for d in found})

    def reported(self, name: str) -> pd.DataFrame | None:
        """Table `name` without its warm-up rows (format 3 flags them `warmup` = 1 and gives them
        negative days and months); the table itself when it has no such flag."""
        table = self.tables.get(name)
        if table is None or "warmup" not in table.columns:
            return table
        return table[table["warmup"] == 0].reset_index(drop=True)

    def has(self, name: str) -> bool:
        """Whether the file holds table `name` with at least one row."""
        table = self.tables.get(name)
        return table is not None and len(table) > 0

    @property
    def towns(self) -> list:
        return list(self.orders.get("town", []))

    @property
    def models(self) -> list:
        return list(self.orders.get("model", []))

    @property
    def levels(self) -> list:
        return list(self.orders.get("level", []))

    def baseline_of(self, town: str) -> str | None:
        """The model a town's differences are taken from (the comparison's `baseline` column)."""
        table = self.comparison
        if table is None or len(table) == 0:
            return None
        rows = table[table["town"] == town]
        return None if len(rows) == 0 else str(rows["baseline"].iloc[0])

    def daily_by_level(self, warmup: bool = True) -> pd.DataFrame:
        """`/daily`'s handler columns in long form: one row per run, day and handler level, with
        `busy_server_days`, `servers` and `utilisation` (busy / servers; NaN with no servers).
        warmup=False leaves out the warm-up's days."""
        daily = self.daily if warmup else self.reported("daily")
        if daily is None:
            raise KeyError("the file has no /daily table")
        keys = [c for c in ("scenario", "town", "model", "replicate", "day", "date")
                if c in daily.columns]
        parts = []
        for level in self.levels:
            part = daily[keys].copy()
            part["level"] = level
            part["busy_server_days"] = daily["busy_server_days_" + level].to_numpy()
            part["servers"] = daily["servers_" + level].to_numpy()
            parts.append(part)
        long = pd.concat(parts, ignore_index=True)
        servers = long["servers"].astype(float)
        long["utilisation"] = np.where(servers > 0, long["busy_server_days"] / servers.where(servers > 0), np.nan)
        long["level"] = pd.Categorical(long["level"], categories=self.levels, ordered=True)
        return long.sort_values(keys[:-1] + ["level"] if "date" in keys else keys + ["level"],
                                kind="stable", ignore_index=True)


def _start_year(attrs: dict, tables: dict) -> int | None:
    """The calendar year of day 0: a `start_year` attribute if the file has one, else the first
    year of `/summary` (year = start year + year index), else `run.start_year` in the scenario
    text when it names a single value."""
    if "start_year" in attrs:
        return int(attrs["start_year"])
    summary = tables.get("summary")
    if summary is not None and len(summary) > 0 and "year" in summary:
        return int(summary["year"].min())
    text = attrs.get("scenario_text")
    if isinstance(text, str):
        years = set(re.findall(r"^\s*start_year\s*=\s*(\d{4})", text, flags=re.MULTILINE))
        if len(years) == 1:
            return int(years.pop())
    return None


def _orders(tables: dict) -> dict:
    orders = {}
    runs = tables.get("runs")
    for column in ("scenario", "town", "model"):
        seen = []
        # /runs is in experiment order; other tables add what /runs does not hold.
        for name in (["runs"] if "runs" in tables else []) + sorted(t for t in tables if t != "runs"):
            table = tables[name]
            if column in table.columns:
                seen += _first_appearance(table[column])
        if seen:
            orders[column] = _first_appearance(seen)
    if runs is None and "model" in orders and "comparison" in tables:
        orders["model"] = _first_appearance(list(tables["comparison"]["model"]) + orders["model"])
    levels = []
    for table in tables.values():
        for column in table.columns:
            for prefix in LEVEL_COLUMN_PREFIXES:
                if column.startswith(prefix):
                    levels.append(column[len(prefix):])
    for table in tables.values():
        for column in ("level", "last_level"):
            if column in table.columns:
                levels += _first_appearance(table[column])
    if levels:
        found = _first_appearance(levels)
        # The file's column order is the model's; the documented order only fills gaps.
        orders["level"] = found if any(c.startswith(LEVEL_COLUMN_PREFIXES[0]) for t in tables.values()
                                       for c in t.columns) else _ordered(found, LEVEL_ORDER)
    categories = []
    if "summary_by_category" in tables:
        categories += _first_appearance(tables["summary_by_category"]["category"])
    for table in tables.values():
        if "category" in table.columns:
            categories += _first_appearance(table["category"])
    if categories:
        found = _first_appearance(categories)
        orders["category"] = found if "summary_by_category" in tables else _ordered(found, CATEGORY_ORDER)
    outcomes = []
    for table in tables.values():
        if "outcome" in table.columns:
            outcomes += _first_appearance(table["outcome"])
    if outcomes:
        orders["outcome"] = _ordered(_first_appearance(outcomes), OUTCOME_ORDER)
    metrics = []
    for name in ["comparison"] + [t for t in tables if t != "comparison"]:
        table = tables.get(name)
        if table is not None and "metric" in table.columns:
            metrics += _first_appearance(table["metric"])
    if metrics:
        orders["metric"] = _first_appearance(metrics)
    return orders


# Columns that take the order of another vocabulary.
_ORDER_OF = {"last_level": "level", "baseline": "model"}


def _apply_orders(tables: dict, orders: dict) -> None:
    for table in tables.values():
        for column in table.columns:
            vocabulary = orders.get(_ORDER_OF.get(column, column))
            if vocabulary is None or table[column].dtype != object:
                continue
            values = table[column]
            extra = [v for v in _first_appearance(values) if v not in set(vocabulary)]
            table[column] = pd.Categorical(values, categories=list(vocabulary) + extra, ordered=True)


def _add_dates(tables: dict, start_year: int | None) -> None:
    if start_year is None:
        return
    for table in tables.values():
        if "date" in table.columns:
            continue
        if "day" in table.columns and table["day"].dtype.kind in "iu":
            table["date"] = calendar.day_dates(table["day"].to_numpy(), start_year)
        elif "month" in table.columns and table["month"].dtype.kind in "iu":
            table["date"] = calendar.month_dates(table["month"].to_numpy(), start_year)


def _table_datasets(group: h5py.Group, prefix: str = ""):
    """(name, dataset) for every one-dimensional compound dataset, groups walked in order."""
    for key in group:
        item = group[key]
        name = prefix + key
        if isinstance(item, h5py.Group):
            yield from _table_datasets(item, name + "/")
        elif isinstance(item, h5py.Dataset) and item.dtype.names and item.ndim == 1:
            yield name, item


def load(path, tables=None, skip=(), check_format: bool = True) -> Results:
    """Read a results file.

    path: the HDF5 file. tables: names of the tables to read (default: all). skip: names of
    tables not to read (`/disputes` can be large: skip=["disputes"]). check_format: require the
    root attribute
    format = "govsim-results" (set False to read other govsim files, e.g. a calibration's
    posterior). Raises ResultsError when the file is missing, not HDF5, or not a results file.
    """
    path = str(path)
    try:
        handle = h5py.File(path, "r")
    except FileNotFoundError:
        raise ResultsError(f"{path}: no such file") from None
    except OSError as e:
        raise ResultsError(f"{path}: not an HDF5 file ({e})") from None
    with handle as f:
        attrs = {k: _python_value(v) for k, v in f.attrs.items()}
        if check_format and attrs.get("format") != RESULTS_FORMAT:
            found = attrs.get("format")
            raise ResultsError(
                f"{path}: not a govsim results file (root attribute 'format' is "
                f"{found!r}, expected {RESULTS_FORMAT!r})")
        frames = {}
        for name, dataset in _table_datasets(f):
            if (tables is not None and name not in tables) or name in skip:
                continue
            frames[name] = _read_table(dataset)
            # The dataset's attributes (description, design_parameters, ...) travel with it.
            frames[name].attrs.update({k: _python_value(v) for k, v in dataset.attrs.items()})
        _add_run_keys(frames, f)
    orders = _orders(frames)
    _apply_orders(frames, orders)
    start_year = _start_year(attrs, frames)
    _add_dates(frames, start_year)
    return Results(path=path, attrs=attrs, tables=frames, start_year=start_year, orders=orders)
