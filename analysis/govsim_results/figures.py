"""Figures of a results file, drawn with matplotlib.

Each figure function takes a `Results` (see reader.py) and a language ("en" or "zh") and
returns a list of `Figure`s, or raises `Skip` with the reason when the file does not hold what
it draws (a table absent, or nothing to compare). `draw_all` runs every function in `FIGURES`
and returns the figures drawn and the notes on those skipped.

Every axis is labelled with its unit; intervals are 95% Student-t intervals over replicates
(the comparison's own for the forest plot), drawn as error bars or bands.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure as MplFigure  # noqa: E402  (not kept by pyplot)

from . import calendar, labels  # noqa: E402
from .stats import mean_interval  # noqa: E402


class Skip(Exception):
    """A figure that the file has no data for; the message says why (in the report's language)."""


@dataclass
class Figure:
    key: str  # file stem: "comparison", "monthly-lishui", ...
    title: str
    caption: str
    figure: matplotlib.figure.Figure


# Skip reasons in both languages.
SKIP = {
    "en": {
        "no_table": "the file has no {table} table",
        "one_model": "every town has a single model, so there are no differences from a baseline",
        "no_start_year": "the file does not say the calendar year of day 0",
        "no_relative": "the comparison has no relative changes (results format 3 adds them)",
        "no_years": "the comparison has no rows by year (results format 3 adds them)",
    },
    "zh": {
        "no_table": "结果文件中没有 {table} 表",
        "one_model": "每个镇只有一个治理模式，没有与基线的差值",
        "no_start_year": "结果文件未给出第0天的日历年份",
        "no_relative": "比较表中没有相对变化（结果格式第3版才有）",
        "no_years": "比较表中没有逐年的行（结果格式第3版才有）",
    },
}


def _skip(lang, key, **fields):
    return Skip(SKIP[lang][key].format(**fields))


CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK TC", "WenQuanYi Zen Hei",
             "Droid Sans Fallback")


def cjk_font() -> str | None:
    """The first CJK font matplotlib can use (fonts-noto-cjk gives "Noto Sans CJK JP": its
    collection's first face, which holds the simplified Chinese glyphs too)."""
    available = {f.name for f in font_manager.fontManager.ttflist}
    for name in CJK_FONTS:
        if name in available:
            return name
    return None


def style(lang: str) -> dict:
    """matplotlib rc settings for the figures; Chinese needs a CJK font as fall-back."""
    rc = {
        "font.size": 9.5,
        "axes.titlesize": 10,
        "axes.labelsize": 9.5,
        "legend.fontsize": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.color": "#dddddd",
        "grid.linewidth": 0.6,
        "figure.dpi": 100,
        "savefig.dpi": 110,
        "svg.fonttype": "none",
        "svg.hashsalt": "govsim",  # reproducible SVG ids
        "font.family": ["DejaVu Sans"],
    }
    if lang == "zh":
        font = cjk_font()
        if font is None:
            raise RuntimeError("no CJK font for Chinese labels: install Debian's fonts-noto-cjk "
                               "(scripts/install-deps.sh does)")
        rc["font.family"] = ["DejaVu Sans", font]  # matplotlib >= 3.6 falls back per glyph
        rc["axes.unicode_minus"] = True
    return rc


_PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b",
            "#e377c2", "#bcbd22"]
_MARKERS = ["o", "s", "^", "D", "v", "P", "X", "<", ">"]


def model_styles(models: list) -> dict:
    """A colour and marker per model, in the experiment's order; the baseline in dark grey."""
    styles, k = {}, 0
    for model in models:
        if model == "baseline":
            styles[model] = ("#404040", "o")
        else:
            styles[model] = (_PALETTE[k % len(_PALETTE)], _MARKERS[(k + 1) % len(_MARKERS)])
            k += 1
    return styles


def policy_start(results):
    """The (first) policy start date (pandas Timestamp) if the file records one (see
    `Results.policy_starts`: a root attribute, else the scenario's `policy_start`); else None."""
    starts = results.policy_starts()
    return starts[0] if starts else None


def _year_x(date):
    """A date on a yearly axis where year Y is drawn at x = Y (its middle)."""
    return date.year + (date.dayofyear - 1) / 365.0 - 0.5


def _mark_policy_start(ax, results, lang, as_year=False):
    for k, start in enumerate(results.policy_starts()):
        x = _year_x(start) if as_year else start
        ax.axvline(x, color="#555555", linestyle="--", linewidth=1.0, zorder=0)
        if k == 0:
            ax.annotate(labels.text("policy_start", lang), xy=(x, 1.0),
                        xycoords=("data", "axes fraction"), xytext=(2, -2),
                        textcoords="offset points", fontsize=8, color="#555555", va="top",
                        ha="left")


def _need(results, table, lang):
    if not results.has(table):
        raise _skip(lang, "no_table", table="/" + table)
    return results.tables[table]


def _str(series) -> pd.Series:
    return series.astype(str)


def _legend(fig, models, styles, lang, ncol=None):
    handles = [matplotlib.lines.Line2D([], [], color=styles[m][0], marker=styles[m][1],
                                       linewidth=1.6, markersize=6)
               for m in models]
    names = [labels.name(m, lang, "model") for m in models]
    fig.legend(handles, names, loc="upper center", ncol=ncol or min(len(models), 5),
               frameon=False, bbox_to_anchor=(0.5, 1.0))


def _date_axis(ax, first, last, lang, wide=False):
    """Ticks at each 1 January (labelled with the year), and at each quarter or half-year
    (labelled with the month) when the span is short for the panel's width. Set explicitly:
    matplotlib's automatic date locators cost more than the rest of a panel."""
    first, last = pd.Timestamp(first), pd.Timestamp(last)
    years = last.year - first.year + 1
    if wide:
        step = 3 if years <= 3 else (6 if years <= 6 else 12)
    else:
        step = 3 if years <= 1 else (6 if years <= 2 else 12)
    ticks, names = [], []
    for year in range(first.year, last.year + 2):
        for month in range(1, 13, step):
            t = pd.Timestamp(year=year, month=month, day=1)
            if first - pd.Timedelta(days=1) <= t <= last + pd.Timedelta(days=31):
                ticks.append(t)
                names.append(str(year) if month == 1 else
                             (f"{month}月" if lang == "zh" else t.strftime("%b")))
    ax.set_xticks(ticks)
    ax.set_xticklabels(names)
    ax.set_xlim(first - pd.Timedelta(days=10), last + pd.Timedelta(days=10))


def _place(fig, nrows, ncols, left, right, top, bottom, wgap, hgap):
    """Sets the subplot margins and gaps in inches (instead of tight_layout, which costs more
    than drawing the figure)."""
    width, height = fig.get_size_inches()
    axis_w = (width - left - right - (ncols - 1) * wgap) / ncols
    axis_h = (height - top - bottom - (nrows - 1) * hgap) / nrows
    fig.subplots_adjust(left=left / width, right=1 - right / width, bottom=bottom / height,
                        top=1 - top / height, wspace=wgap / axis_w, hspace=hgap / axis_h)


# --------------------------------------------------------------------------- /comparison


def _forest(results, lang, relative):
    """Forest plot of the evaluation period's paired differences from each town's baseline:
    absolute (in each metric's unit) or relative (% of the baseline's mean)."""
    table = results.evaluation()
    if table is None or len(table) == 0:
        raise _skip(lang, "no_table", table="/comparison")
    if relative and "relative" not in table.columns:
        raise _skip(lang, "no_relative")
    table = table.copy()
    table["model_s"], table["baseline_s"] = _str(table["model"]), _str(table["baseline"])
    rows = table[table["model_s"] != table["baseline_s"]]
    if len(rows) == 0:
        raise _skip(lang, "one_model")
    towns = [t for t in results.towns if t in set(_str(rows["town"]))]
    models = [m for m in results.models if m in set(rows["model_s"])]
    metrics = [m for m in results.orders["metric"] if m in set(_str(rows["metric"]))]
    styles = model_styles(results.models)
    columns = (("relative", "relative_lower", "relative_upper") if relative else
               ("difference", "difference_lower", "difference_upper"))

    # One row per (town, model), towns in blocks separated by a gap.
    positions, y = [], 0.0
    for town in towns:
        for model in models:
            if ((rows["town"] == town) & (rows["model_s"] == model)).any():
                positions.append((town, model, y))
                y -= 1.0
        y -= 0.6
    ncols = min(4, len(metrics))
    nrows = math.ceil(len(metrics) / ncols)
    panel_h = max(0.3 * len(positions) + 0.3, 1.2)
    height = nrows * (panel_h + 1.05) + 0.75
    fig = MplFigure(figsize=(13.5, height))
    axes = fig.subplots(nrows, ncols, squeeze=False, sharey=True)
    for i, metric in enumerate(metrics):
        ax = axes[i // ncols][i % ncols]
        label, unit, scale = labels.metric(metric, lang)
        if relative:
            scale, unit = 100.0, labels.text("pct_of_baseline", lang)
        elif scale == 100.0:
            unit = labels.text("pp", lang)
        sub = rows[_str(rows["metric"]) == metric]
        for town, model, ypos in positions:
            r = sub[(sub["town"] == town) & (sub["model_s"] == model)]
            if len(r) == 0:
                continue
            r = r.iloc[0]
            d, lo, hi = (scale * r[columns[0]], scale * r[columns[1]], scale * r[columns[2]])
            colour, marker = styles[model]
            if np.isfinite(lo) and np.isfinite(hi):
                ax.plot([lo, hi], [ypos, ypos], color=colour, linewidth=2.0, solid_capstyle="butt")
            if np.isfinite(d):
                ax.plot([d], [ypos], marker=marker, color=colour, markersize=6, linestyle="none")
        ax.axvline(0.0, color="#333333", linewidth=1.0, zorder=2.5)
        ax.set_title(label)
        ax.set_xlabel(f"{labels.text('difference_from_baseline', lang)}\n({unit})")
        ax.grid(axis="y", visible=False)
        ax.set_yticks([p[2] for p in positions])
        ax.set_yticklabels([f"{labels.name(t, lang)} · {labels.name(m, lang, 'model')}"
                            for t, m, _ in positions])
        ax.tick_params(axis="y", length=0)
        for k in range(1, len(positions)):
            if positions[k][0] != positions[k - 1][0]:
                ax.axhline((positions[k][2] + positions[k - 1][2]) / 2, color="#bbbbbb",
                           linewidth=0.6)
    for j in range(len(metrics), nrows * ncols):
        axes[j // ncols][j % ncols].set_visible(False)
    _legend(fig, models, styles, lang)
    longest = max(len(f"{labels.name(t, lang)} · {labels.name(m, lang, 'model')}")
                  for t, m, _ in positions)
    left = 0.25 + longest * (0.11 if lang == "zh" else 0.068)
    _place(fig, nrows, ncols, left=left, right=0.25, top=0.75, bottom=0.75, wgap=0.3, hgap=1.05)
    baselines = ", ".join(sorted({labels.name(b, lang, "model") for b in rows["baseline_s"]}))
    period = results.evaluation_period()
    when = labels.period(*(period or (None, None)), lang)
    key = "relative" if relative else "forest"
    return [Figure("comparison-relative" if relative else "comparison",
                   labels.text(f"{key}_title", lang, period=when),
                   labels.text(f"{key}_caption", lang, baselines=baselines, period=when), fig)]


def comparison_forest(results, lang="en"):
    """Forest plot: each model's paired difference from its town's baseline over the evaluation
    period, for every town, model and metric of /comparison, with the 95% interval."""
    return _forest(results, lang, relative=False)


def relative_forest(results, lang="en"):
    """Forest plot of the same differences relative to the baseline's mean (%), with the
    comparison's paired-bootstrap 95% intervals (results format 3)."""
    return _forest(results, lang, relative=True)


# --------------------------------------------------------------------------- /summary

YEARLY_METRICS = ("complaints", "dispute_rate_per_1000_households", "mean_resolution_days",
                  "share_resolved_within_30_days", "abandoned_share")
# Format 3: the comparison's metrics by calendar year. Complaints beside government cases and
# the shares resolved and abandoned, so that fewer complaints from giving up shows as such.
YEARLY_COMPARISON_METRICS = ("complaints_per_year", "government_cases_per_year",
                             "resolved_share", "abandoned_share",
                             "burden_per_1000_households_per_year", "public_cost_per_year")


def _yearly_stats(results):
    """(stats, metrics, source): per town, model, metric and year the mean and 95% interval —
    /comparison's rows by year (format 3), else the mean over /summary's replicates."""
    by_year = results.comparison_by_year()
    if by_year is not None and len(by_year) > 0:
        metrics = [m for m in YEARLY_COMPARISON_METRICS if m in set(_str(by_year["metric"]))]
        stats = by_year[_str(by_year["metric"]).isin(metrics)][
            ["town", "model", "metric", "year", "mean", "lower", "upper"]].copy()
        stats["metric"] = _str(stats["metric"])
        return stats, metrics, "comparison"
    summary = results.summary.copy()
    if "abandoned_share" not in summary.columns:
        summary["abandoned_share"] = summary["abandoned"] / summary["disputes"].where(summary["disputes"] > 0)
    metrics = [m for m in YEARLY_METRICS if m in summary.columns]
    parts = []
    for metric in metrics:
        part = mean_interval(summary, ["town", "model", "year"], metric)
        part["metric"] = metric
        parts.append(part)
    return pd.concat(parts, ignore_index=True), metrics, "summary"


def yearly_outcomes(results, lang="en"):
    """Yearly outcomes by model (and town) around the policy start, with 95% intervals: from
    /comparison's rows by year (format 3: complaints, government cases, resolved and abandoned
    shares, unresolved burden, public cost), else from /summary. The warm-up is in neither."""
    if results.comparison_by_year() is None or len(results.comparison_by_year()) == 0:
        _need(results, "summary", lang)
    stats, metrics, source = _yearly_stats(results)
    towns = [t for t in results.towns if (stats["town"] == t).any()]
    models = [m for m in results.models if (stats["model"] == m).any()]
    styles = model_styles(results.models)
    years = sorted(int(y) for y in stats["year"].unique())
    period = results.evaluation_period() if source == "comparison" else None
    width = 0.5 / max(len(models), 1)
    height = 2.2 * len(towns) + 1.6
    fig = MplFigure(figsize=(2.3 * len(metrics) + 1.4, height))
    axes = fig.subplots(len(towns), len(metrics), squeeze=False, sharex=True)
    for r, town in enumerate(towns):
        sub = stats[stats["town"] == town]
        for c, metric in enumerate(metrics):
            ax = axes[r][c]
            label, unit, scale = labels.metric(metric, lang)
            m_rows = sub[sub["metric"] == metric]
            for k, model in enumerate(models):
                s_ = m_rows[m_rows["model"] == model].sort_values("year")
                if len(s_) == 0:
                    continue
                x = s_["year"].to_numpy(dtype=float) + (k - (len(models) - 1) / 2) * width
                mean = scale * s_["mean"].to_numpy(dtype=float)
                err = scale * (s_["upper"] - s_["mean"]).to_numpy(dtype=float)
                colour, marker = styles[model]
                ax.errorbar(x, mean, yerr=None if np.all(np.isnan(err)) else err, color=colour,
                            marker=marker, markersize=5, linewidth=1.0, capsize=2.5)
            ax.set_title(f"{label}\n({unit})" if r == 0 else "")
            if c == 0:
                ax.set_ylabel(labels.name(town, lang), fontweight="bold", fontsize=11)
            if r == len(towns) - 1:
                ax.set_xlabel(labels.text("year", lang))
            ax.set_xticks(years)
            ax.set_xticklabels([str(y) for y in years])
            ax.set_xlim(years[0] - 0.5, years[-1] + 0.5)
            if period is not None:  # the evaluation period, lightly shaded
                ax.axvspan(period[0] - 0.5, period[1] + 0.5, color="#2c5d8a", alpha=0.06,
                           linewidth=0, zorder=0)
            _mark_policy_start(ax, results, lang, as_year=True)
    _legend(fig, models, styles, lang)
    _place(fig, len(towns), len(metrics), left=0.95, right=0.2, top=1.0, bottom=0.6, wgap=0.65,
           hgap=0.3)
    caption = labels.text("yearly_caption" if source == "summary" else "yearly_comparison_caption",
                          lang)
    return [Figure("yearly", labels.text("yearly_title", lang), _design_note(results, caption, lang),
                   fig)]


def _design_note(results, caption: str, lang: str) -> str:
    """`caption`, followed for a designed experiment by what its means and bands are over."""
    if not results.attrs.get("design_kind"):
        return caption
    return caption + " " + labels.text("design_means_note", lang)


# --------------------------------------------------------------------------- /monthly

# The range each monthly quantity can take (bands are clipped to it).
MONTHLY_RANGE = {"mean_satisfaction": (0, 1), "mean_trust": (0, 1), "fee_collection": (0, 1),
                 "managed_compounds": (0, None), "abandonments": (0, None),
                 "owners_committees": (0, None), "functioning_committees": (0, None)}
MONTHLY_COLUMNS = ("mean_satisfaction", "mean_trust", "fee_collection", "managed_compounds",
                   "abandonments", "owners_committees", "functioning_committees", "firm_balance")


def _band_panel(ax, frame, value, models, styles, scale=1.0, x="date", clip=(None, None)):
    """Mean over replicates (line) and its 95% interval (band), one per model. The band is
    clipped to the quantity's range `clip` (a mean of counts is never negative)."""
    stats = mean_interval(frame, ["model", x], value)
    for bound in ("lower", "upper"):
        values = stats[bound].to_numpy()
        if clip[0] is not None:
            values = np.maximum(values, clip[0])  # NaN (no interval) stays NaN
        if clip[1] is not None:
            values = np.minimum(values, clip[1])
        stats[bound] = values
    for model in models:
        s = stats[stats["model"] == model]
        if len(s) == 0:
            continue
        colour, _ = styles[model]
        ax.plot(s[x], scale * s["mean"], color=colour, linewidth=1.4)
        if s["lower"].notna().any():
            ax.fill_between(s[x], scale * s["lower"], scale * s["upper"], color=colour, alpha=0.1,
                            linewidth=0)


def monthly_series(results, lang="en", towns=None):
    """Monthly satisfaction, trust, fee collection, firms and committees by model, one figure
    per town (of `towns`, default all), with bands (95% interval of the mean over replicates);
    without the warm-up, the policy start marked."""
    _need(results, "monthly", lang)
    monthly = results.reported("monthly")  # the warm-up is left out
    if "date" not in monthly.columns:
        raise _skip(lang, "no_start_year")
    columns = [c for c in MONTHLY_COLUMNS if c in monthly.columns]
    styles = model_styles(results.models)
    out = []
    for town in towns or results.towns:
        sub = monthly[monthly["town"] == town]
        if len(sub) == 0:
            continue
        models = [m for m in results.models if (sub["model"] == m).any()]
        ncols = 4
        nrows = math.ceil(len(columns) / ncols)
        height = 2.3 * nrows + 0.7
        fig = MplFigure(figsize=(12.5, height))
        axes = fig.subplots(nrows, ncols, squeeze=False, sharex=True)
        first, last = sub["date"].min(), sub["date"].max()
        for i, column in enumerate(columns):
            ax = axes[i // ncols][i % ncols]
            label, unit, scale = labels.metric(column, lang)
            _band_panel(ax, sub, column, models, styles, scale, clip=MONTHLY_RANGE.get(column, (None, None)))
            ax.set_title(label)
            ax.set_ylabel(unit)
            _date_axis(ax, first, last, lang)
            _mark_policy_start(ax, results, lang)
        for j in range(len(columns), nrows * ncols):
            axes[j // ncols][j % ncols].set_visible(False)
        _legend(fig, models, styles, lang)
        _place(fig, nrows, ncols, left=0.75, right=0.15, top=0.7, bottom=0.4, wgap=0.85,
               hgap=0.45)
        town_name = labels.name(town, lang)
        out.append(Figure(f"monthly-{town}", labels.text("monthly_title", lang, town=town_name),
                          _design_note(results, labels.text("monthly_caption", lang), lang), fig))
    return out


# --------------------------------------------------------------------------- /daily


def daily_load(results, lang="en", towns=None):
    """Daily backlog (open disputes) by model with bands, and each handler level's utilisation
    (weekly means), one figure per town (of `towns`, default all)."""
    _need(results, "daily", lang)
    daily = results.reported("daily")  # the warm-up is left out
    if "date" not in daily.columns:
        raise _skip(lang, "no_start_year")
    long = results.daily_by_level(warmup=False)
    long["week"] = long["day"] // 7
    styles = model_styles(results.models)
    out = []
    for town in towns or results.towns:
        sub = daily[daily["town"] == town]
        if len(sub) == 0:
            continue
        models = [m for m in results.models if (sub["model"] == m).any()]
        lv = long[long["town"] == town]
        staffed = [lev for lev in results.levels
                   if (lv.loc[lv["level"] == lev, "servers"] > 0).any()]
        ncols = 3
        nrows = 1 + math.ceil(len(staffed) / ncols)
        height = 2.4 * nrows + 0.5
        fig = MplFigure(figsize=(12.5, height))
        first, last = sub["date"].min(), sub["date"].max()
        grid = fig.add_gridspec(nrows, ncols)
        ax = fig.add_subplot(grid[0, :])
        _band_panel(ax, sub, "open", models, styles, clip=(0, None))
        ax.set_title(labels.metric("open", lang)[0])
        ax.set_ylabel(labels.text("backlog", lang))
        _date_axis(ax, first, last, lang, wide=True)
        _mark_policy_start(ax, results, lang)
        _, unit, scale = labels.metric("utilisation", lang)
        for i, level in enumerate(staffed):
            a = fig.add_subplot(grid[1 + i // ncols, i % ncols])  # own ticks: not shared
            part = lv[lv["level"] == level]
            weekly = (part.groupby(["model", "week"], observed=True)
                      .agg(utilisation=("utilisation", "mean"), date=("date", "min"))
                      .reset_index())
            for model in models:
                w = weekly[weekly["model"] == model]
                if len(w) and w["utilisation"].notna().any():
                    a.plot(w["date"], scale * w["utilisation"], color=styles[model][0], linewidth=1.2)
            a.set_title(labels.name(level, lang))
            a.set_ylabel(f"{labels.metric('utilisation', lang)[0]} ({unit})")
            a.set_ylim(bottom=0)
            _date_axis(a, first, last, lang)
            _mark_policy_start(a, results, lang)
        _legend(fig, models, styles, lang)
        _place(fig, nrows, ncols, left=0.8, right=0.15, top=0.7, bottom=0.4, wgap=0.85,
               hgap=0.65)
        town_name = labels.name(town, lang)
        out.append(Figure(f"daily-{town}", labels.text("daily_title", lang, town=town_name),
                          _design_note(results, labels.text("daily_caption", lang), lang), fig))
    return out


# --------------------------------------------------------------------------- all

from . import design_figures as _design  # noqa: E402  (uses Figure, Skip and helpers above)
from . import outcome_figures as _outcome  # noqa: E402  (format 3: costs and equity)

# Every figure, in the report's order: (name, function).
FIGURES = (
    ("comparison", comparison_forest),
    ("relative", relative_forest),
    ("cost", _outcome.cost_effectiveness),
    ("ranks", _design.rank_distributions),
    ("yearly", yearly_outcomes),
    ("equity", _outcome.equity_differences),
    ("monthly", monthly_series),
    ("daily", daily_load),
    ("sweep", _design.sweep_curves),
    ("sensitivity", _design.sensitivity_indices),
)


def draw_all(results, lang="en", names=None):
    """Every figure the file has data for: (figures, skipped), where skipped lists
    (figure name, reason) for the others. names: draw only these figures of FIGURES."""
    figures, skipped = [], []
    with plt.rc_context(style(lang)):
        for name, function in FIGURES:
            if names is not None and name not in names:
                continue
            try:
                figures += function(results, lang)
            except Skip as why:
                skipped.append((name, str(why)))
    return figures, skipped


# Figures drawn one town at a time when the report draws in parallel.
PER_TOWN = ("monthly", "daily", "equity")


@dataclass
class Rendered:
    """A figure rendered to bytes (what the report embeds and --figures writes)."""

    key: str
    title: str
    caption: str
    png: bytes
    svg: bytes | None


def _render_unit(unit):
    """Draws one unit of work, (name, towns), and renders its figures: (name, rendered, reason)."""
    import io

    name, towns = unit
    results, lang, svg = _WORK["results"], _WORK["lang"], _WORK["svg"]
    function = dict(FIGURES)[name]
    with plt.rc_context(style(lang)):
        try:
            drawn = function(results, lang, towns=towns) if towns else function(results, lang)
        except Skip as why:
            return name, [], str(why)
        out = []
        for f in drawn:
            png = io.BytesIO()
            f.figure.savefig(png, format="png")
            text = None
            if svg:
                buffer = io.StringIO()
                f.figure.savefig(buffer, format="svg", metadata={"Date": None})
                text = buffer.getvalue().encode("utf-8")
            out.append(Rendered(f.key, f.title, f.caption, png.getvalue(), text))
    return name, out, None


_WORK = {}  # what the worker processes read (inherited by fork, never pickled)


def render_all(results, lang="en", names=None, svg=False, jobs=None):
    """Like draw_all, but returns each figure rendered as PNG (and SVG) bytes, drawing in `jobs`
    processes (default: up to 2, or $GOVSIM_REPORT_JOBS; 1 draws here). The figures and their
    order are the same whatever the number of processes. Returns (rendered, skipped)."""
    import multiprocessing
    import os

    style(lang)  # fails here, once, when Chinese has no font
    units = []
    for name, _ in FIGURES:
        if names is not None and name not in names:
            continue
        if name in PER_TOWN and len(results.towns) > 1:
            units += [(name, (town,)) for town in results.towns]
        else:
            units.append((name, None))
    if jobs is None:
        jobs = int(os.environ.get("GOVSIM_REPORT_JOBS", "0")) or min(2, os.cpu_count() or 1)
    jobs = max(1, min(jobs, len(units)))
    _WORK.update(results=results, lang=lang, svg=svg)
    try:
        if jobs > 1 and "fork" in multiprocessing.get_all_start_methods():
            with multiprocessing.get_context("fork").Pool(jobs) as pool:
                done = pool.map(_render_unit, units, chunksize=1)
        else:
            done = [_render_unit(unit) for unit in units]
    finally:
        _WORK.clear()
    rendered, skipped = [], []
    for name, figures_of_unit, reason in done:
        rendered += figures_of_unit
        if reason is not None and name not in [n for n, _ in skipped]:
            skipped.append((name, reason))
    return rendered, skipped


def save(figure: Figure, folder, formats=("png", "svg")) -> list:
    """Writes a figure as FOLDER/<key>.<format> for each format; returns the paths."""
    import pathlib

    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in formats:
        path = folder / f"{figure.key}.{fmt}"
        figure.figure.savefig(path, format=fmt, metadata={"Date": None} if fmt == "svg" else None)
        paths.append(path)
    return paths
