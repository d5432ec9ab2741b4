"""Figures of tables that the results format does not have yet: per-run design points
(sweeps), sensitivity indices and rank distributions (issue 9). Costs and equity, which
results format 3 has, are drawn from its own tables by outcome_figures.py.

Each function is written against the layout documented in docs/report.md ("Tables the figures
expect") and tested on small synthetic files of that layout (tests/report/python/
test_design_figures.py). When a table is absent the function raises `Skip`, so `draw_all` draws
whatever the file holds. If the tables land with other names or columns, adapt the `find_*`
helpers here and the documented layout together.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure as MplFigure

from . import labels
from .figures import Figure, Skip, _legend, _place, model_styles
from .stats import mean_interval

ID_COLUMNS = {"index", "scenario", "town", "model", "replicate", "design_point", "communities",
              "compounds", "units", "wall_seconds", "seed", "draw", "warmup"}

SKIP = {
    "en": {
        "no_design": "the file has no per-run table with design parameters",
        "no_sensitivity": "the file has no /sensitivity table",
        "no_ranks": "the file has no /ranks table",
    },
    "zh": {
        "no_design": "结果文件中没有含设计参数的逐次运行表",
        "no_sensitivity": "结果文件中没有 /sensitivity 表",
        "no_ranks": "结果文件中没有 /ranks 表",
    },
}

TEXT = {
    "en": {
        "sweep_title": "Outcomes against design parameters — {town}",
        "sweep_caption": ("Mean over runs at each parameter value (over replicates and the other "
                          "parameters' values) with its 95% Student-t interval.{binned}"),
        "binned": (" Parameters with more than {n} values (sampled designs) are grouped in {n} "
                   "bins of equal count, plotted at the bin's mean value."),
        "sensitivity_title": "Sensitivity indices with 95% intervals{where}",
        "sensitivity_caption": ("Each point is an index's estimate, the bar its interval as "
                                "stored in /sensitivity (e.g. bootstrap for Sobol indices)."),
        "index_value": "index value",
        "ranks_title": "Rank of each model across parameter draws — {town}",
        "ranks_caption": ("Share of parameter draws in which the model has each rank for the "
                          "metric (1 = best), from /ranks."),
        "share_of_draws": "share of draws (%)",
        "rank": "rank {k}",
    },
    "zh": {
        "sweep_title": "结果随设计参数的变化 — {town}",
        "sweep_caption": "每个参数取值下各次运行（跨重复运行和其他参数取值）的均值及其95% Student-t 区间。{binned}",
        "binned": "取值多于 {n} 个的参数（抽样设计）按等数量分为 {n} 组，以组内均值作图。",
        "sensitivity_title": "敏感性指数及95%区间{where}",
        "sensitivity_caption": "每个点为指数估计值，横线为 /sensitivity 中给出的区间（如 Sobol 指数的自助法区间）。",
        "index_value": "指数值",
        "ranks_title": "各参数抽样下各模式的排名 — {town}",
        "ranks_caption": "在各参数抽样中，该模式在该指标上取得各名次的比例（1 = 最好），数据来自 /ranks。",
        "share_of_draws": "抽样占比（%）",
        "rank": "第{k}名",
    },
}

MAX_LEVELS = 8  # a parameter with more distinct values is binned
MAX_PANELS = 4


def _t(lang, key, **fields):
    return TEXT[lang][key].format(**fields)


def _s(series):
    return series.astype(str)


def _interval(ax, x, y, lo, hi, colour, marker, horizontal=False):
    """A point with its interval (skipped where the bounds are not finite)."""
    if np.isfinite(lo) and np.isfinite(hi):
        if horizontal:
            ax.plot([lo, hi], [y, y], color=colour, linewidth=2.0, solid_capstyle="butt")
        else:
            ax.plot([x, x], [lo, hi], color=colour, linewidth=1.4, solid_capstyle="butt")
    ax.plot([x], [y], marker=marker, color=colour, markersize=6, linestyle="none")


# ------------------------------------------------------------------ sweeps (per-run table)


def find_design(results):
    """(table name, design parameter columns, metric columns) of the per-run table, or None.

    The per-run table has one row per run with `town`, `model`, `replicate`, the design
    parameters (listed in the dataset attribute `design_parameters`, else every column whose
    name is a scenario key with a dot, such as `escalation.escalate_base`) and the metrics
    (columns named as /comparison's metrics, else every other numeric column)."""
    for name, table in results.tables.items():
        if not {"town", "model", "replicate"} <= set(table.columns) or len(table) == 0:
            continue
        declared = table.attrs.get("design_parameters")
        if isinstance(declared, str):
            declared = [p for p in declared.replace(",", " ").split() if p]
        parameters = [c for c in (declared or [c for c in table.columns if "." in c])
                      if c in table.columns]
        if not parameters:
            continue
        known = results.orders.get("metric", [])
        metrics = [m for m in known if m in table.columns]
        if not metrics:
            metrics = [c for c in table.columns if c not in ID_COLUMNS and c not in parameters
                       and c != "date" and table[c].dtype.kind in "iuf"]
        if metrics:
            return name, parameters, metrics
    return None


def sweep_curves(results, lang="en"):
    """Each metric against each design parameter, lines per model, one figure per town."""
    found = find_design(results)
    if found is None:
        raise Skip(SKIP[lang]["no_design"])
    name, parameters, metrics = found
    table = results.tables[name]
    varied = [p for p in parameters if table[p].nunique() > 1][:MAX_PANELS]
    if not varied:
        raise Skip(SKIP[lang]["no_design"])
    metrics = metrics[:MAX_PANELS]
    styles = model_styles(results.models)
    binned_any = False
    out = []
    for town in results.towns:
        sub = table[table["town"] == town].copy()
        if len(sub) == 0:
            continue
        models = [m for m in results.models if (sub["model"] == m).any()]
        height = 2.4 * len(metrics) + 1.0
        fig = MplFigure(figsize=(max(4.0 * len(varied), 6.5), height))
        axes = fig.subplots(len(metrics), len(varied), squeeze=False)
        for c, parameter in enumerate(varied):
            x = sub[parameter].astype(float)
            if x.nunique() > MAX_LEVELS:  # a sampled design: bins of equal count
                binned_any = True
                bins = pd.qcut(x.rank(method="first"), MAX_LEVELS, labels=False)
                sub["_x"] = x.groupby(bins).transform("mean")
            else:
                sub["_x"] = x
            for r, metric in enumerate(metrics):
                ax = axes[r][c]
                label, unit, scale = labels.metric(metric, lang)
                stats = mean_interval(sub, ["model", "_x"], metric)
                for model in models:
                    s = stats[stats["model"] == model]
                    colour, marker = styles[model]
                    ax.plot(s["_x"], scale * s["mean"], color=colour, marker=marker, markersize=4,
                            linewidth=1.3)
                    if s["lower"].notna().any():
                        ax.fill_between(s["_x"], scale * s["lower"], scale * s["upper"],
                                        color=colour, alpha=0.12, linewidth=0)
                if c == 0:
                    ax.set_ylabel(f"{label}\n({unit})" if unit else label)
                if r == len(metrics) - 1:
                    ax.set_xlabel(parameter)
        _legend(fig, models, styles, lang)
        _place(fig, len(metrics), len(varied), left=1.0, right=0.2, top=0.6, bottom=0.6,
               wgap=0.6, hgap=0.35)
        binned = _t(lang, "binned", n=MAX_LEVELS) if binned_any else ""
        out.append(Figure(f"sweep-{town}", _t(lang, "sweep_title", town=labels.name(town, lang)),
                          _t(lang, "sweep_caption", binned=binned), fig))
    return out


# ------------------------------------------------------------------ sensitivity indices


def sensitivity_indices(results, lang="en"):
    """Sensitivity indices (one panel per metric, parameters on the y axis, one colour per kind
    of index) with their intervals, one figure per town and model when the table has them."""
    table = results.tables.get("sensitivity")
    if table is None or len(table) == 0:
        raise Skip(SKIP[lang]["no_sensitivity"])
    group_by = [c for c in ("town", "model") if c in table.columns]
    groups = [((), table)] if not group_by else list(table.groupby(group_by, observed=True, sort=True))
    kinds = list(dict.fromkeys(_s(table["index"])))
    colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"]
    markers = ["o", "s", "^", "D", "v"]
    out = []
    for key, sub in groups:
        key = key if isinstance(key, tuple) else (key,)
        metrics = list(dict.fromkeys(_s(sub["metric"])))[:6]
        parameters = list(dict.fromkeys(_s(sub["parameter"])))
        ncols = min(3, len(metrics))
        nrows = math.ceil(len(metrics) / ncols)
        panel_h = 0.32 * len(parameters) + 0.5
        height = nrows * (panel_h + 0.9) + 0.6
        fig = MplFigure(figsize=(11.5, height))
        axes = fig.subplots(nrows, ncols, squeeze=False, sharey=True)
        offsets = np.linspace(-0.15, 0.15, len(kinds)) if len(kinds) > 1 else [0.0]
        for i, metric in enumerate(metrics):
            ax = axes[i // ncols][i % ncols]
            m = sub[_s(sub["metric"]) == metric]
            for j, parameter in enumerate(parameters):
                for k, kind in enumerate(kinds):
                    row = m[(_s(m["parameter"]) == parameter) & (_s(m["index"]) == kind)]
                    if len(row) == 0:
                        continue
                    row = row.iloc[0]
                    _interval(ax, row["estimate"], -j + offsets[k], row["lower"], row["upper"],
                              colours[k % 5], markers[k % 5], horizontal=True)
            ax.axvline(0.0, color="#333333", linewidth=0.8, zorder=2.5)
            ax.set_title(labels.metric(metric, lang)[0])
            ax.set_xlabel(_t(lang, "index_value"))
            ax.set_yticks([-j for j in range(len(parameters))])
            ax.set_yticklabels(parameters)
            ax.grid(axis="y", visible=False)
        for j in range(len(metrics), nrows * ncols):
            axes[j // ncols][j % ncols].set_visible(False)
        handles = [fig.axes[0].plot([], [], color=colours[k % 5], marker=markers[k % 5],
                                    linestyle="none")[0] for k in range(len(kinds))]
        fig.legend(handles, kinds, loc="upper center", ncol=len(kinds), frameon=False)
        longest = max(len(p) for p in parameters)
        _place(fig, nrows, ncols, left=0.3 + 0.068 * longest, right=0.25, top=0.6, bottom=0.6,
               wgap=0.3, hgap=0.9)
        names = [labels.name(v, lang, "model" if c == "model" else "") for c, v in zip(group_by, key)]
        where = f" — {' · '.join(names)}" if names else ""
        suffix = "-".join(str(v) for v in key)
        out.append(Figure("sensitivity" + (f"-{suffix}" if suffix else ""),
                          _t(lang, "sensitivity_title", where=where),
                          _t(lang, "sensitivity_caption"), fig))
    return out


# ------------------------------------------------------------------ rank distributions


def rank_distributions(results, lang="en"):
    """For each town: per metric, each model's distribution of ranks over parameter draws as a
    stacked bar (rank 1 = best)."""
    table = results.tables.get("ranks")
    if table is None or len(table) == 0:
        raise Skip(SKIP[lang]["no_ranks"])
    out = []
    for town in [t for t in results.towns if (table["town"] == t).any()]:
        sub = table[table["town"] == town]
        metrics = list(dict.fromkeys(_s(sub["metric"])))[:3]
        models = [m for m in results.models if (sub["model"] == m).any()]
        ranks = sorted(int(k) for k in sub["rank"].unique())
        cmap = [matplotlib_colour(k, len(ranks)) for k in range(len(ranks))]
        height = 0.35 * len(models) + 1.6
        fig = MplFigure(figsize=(11.5, height))
        axes = fig.subplots(1, len(metrics), squeeze=False, sharey=True)[0]
        for ax, metric in zip(axes, metrics):
            m = sub[_s(sub["metric"]) == metric]
            for y, model in enumerate(models):
                left = 0.0
                for k, rank in enumerate(ranks):
                    p = m[(_s(m["model"]) == model) & (m["rank"] == rank)]["probability"].sum()
                    ax.barh(-y, 100 * p, left=left, color=cmap[k], height=0.7,
                            label=_t(lang, "rank", k=rank) if y == 0 else None)
                    left += 100 * p
            ax.set_xlim(0, 100)
            ax.set_title(labels.metric(metric, lang)[0])
            ax.set_xlabel(_t(lang, "share_of_draws"))
            ax.set_yticks([-y for y in range(len(models))])
            ax.set_yticklabels([labels.name(m, lang, "model") for m in models])
            ax.grid(axis="y", visible=False)
        handles, names = axes[0].get_legend_handles_labels()
        fig.legend(handles, names, loc="upper center", ncol=len(ranks), frameon=False)
        longest = max(len(labels.name(m, lang, "model")) for m in models)
        _place(fig, 1, len(metrics), left=0.3 + (0.12 if lang == "zh" else 0.075) * longest, right=0.25, top=0.65,
               bottom=0.6, wgap=0.3, hgap=0.3)
        out.append(Figure(f"ranks-{town}", _t(lang, "ranks_title", town=labels.name(town, lang)),
                          _t(lang, "ranks_caption"), fig))
    return out


def matplotlib_colour(k, n):
    """Rank k of n on a green (best) to red (worst) scale."""
    from matplotlib import colormaps

    return colormaps["RdYlGn_r"](0.1 + 0.8 * (k / max(n - 1, 1)))
