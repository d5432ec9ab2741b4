"""Figures of designed experiments (issue 9): outcomes against the design's parameters (the
per-run table, e.g. /runs with a column per parameter), sensitivity indices (/sensitivity, Sobol
or Morris) and the distribution of each model's rank over parameter draws (/robustness).
Costs and equity are drawn from their own tables by outcome_figures.py.

/sensitivity and /robustness are wide tables (docs/results.md); `sensitivity_long` and
`rank_columns` read them. When a table is absent the function raises `Skip`, so `draw_all`
draws whatever the file holds. Tested on small designed runs made by govsim and on synthetic
tables (tests/report/python/test_design_figures.py).
"""
from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
from matplotlib.figure import Figure as MplFigure
from matplotlib.ticker import MaxNLocator

from . import labels
from .figures import Figure, Skip, _legend, _place, model_styles
from .stats import mean_interval

ID_COLUMNS = {"index", "scenario", "town", "model", "replicate", "design_point", "communities",
              "compounds", "units", "wall_seconds", "seed", "draw", "warmup"}

SKIP = {
    "en": {
        "no_design": "the file has no per-run table with design parameters",
        "no_sensitivity": "the file has no /sensitivity table (a Sobol or Morris design writes it)",
        "no_sensitivity_values": "/sensitivity has no finite index (no metric varies over the design)",
        "no_robustness": ("the file has no /robustness table (parameter draws of two or more "
                          "models write it)"),
    },
    "zh": {
        "no_design": "结果文件中没有含设计参数的逐次运行表",
        "no_sensitivity": "结果文件中没有 /sensitivity 表（Sobol 或 Morris 设计会写出该表）",
        "no_sensitivity_values": "/sensitivity 中没有有限的指数值（没有指标随设计变化）",
        "no_robustness": "结果文件中没有 /robustness 表（两个以上治理模式的参数抽样会写出该表）",
    },
}

TEXT = {
    "en": {
        "sweep_title": "Outcomes against design parameters — {town}",
        "sweep_caption": ("Mean over runs at each parameter value (over replicates and the other "
                          "parameters' values) with its 95% Student-t interval.{binned}"),
        "binned": (" Parameters with more than {n} values (sampled designs) are grouped in {n} "
                   "bins of equal count, plotted at the bin's mean value."),
        "sobol_title": "Sobol sensitivity indices with {confidence}% intervals{where}",
        "sobol_caption": ("Share of each metric's variance over the design due to each "
                          "parameter: first-order (the parameter alone; Saltelli et al. 2010) and "
                          "total-order (with its interactions; Jansen 1999), from the means over "
                          "replicates of each design point ({points} base samples); the bar is a "
                          "{confidence}% percentile-bootstrap interval over the base samples. "
                          "Indices lie in [0, 1]: estimates and intervals beyond are cut at the "
                          "panel's edge (a hollow marker where the estimate itself is), which "
                          "happens with few base samples. A first-order index near 0 with a "
                          "total-order index well above it means the parameter acts through "
                          "interactions. Metrics that do not vary over the design are left out."),
        "morris_title": "Morris elementary effects with {confidence}% intervals{where}",
        "morris_caption": ("μ*: the mean absolute change of the metric for a step of the "
                           "parameter's whole range ({points} trajectories), with a "
                           "{confidence}% bootstrap interval over trajectories; σ: the standard "
                           "deviation of those changes (large against μ*: the effect depends on "
                           "the other parameters or is not linear). Both in each metric's units (the x axis); "
                           "metrics that do not vary over the design are left out."),
        "kind_first_order": "first-order index (S₁)",
        "kind_total_order": "total-order index (S_T)",
        "kind_mu_star": "μ* (mean |elementary effect|)",
        "kind_sigma": "σ (spread of elementary effects)",
        "index_value": "share of variance",
        "metric_units": "metric's units",
        "ranks_title": "Rank of each model across parameter draws — {town}",
        "ranks_caption": ("Share of the {draws} parameter draws in which the model has each rank "
                          "among the town's models (1 = best) for the metric, each model's mean "
                          "over replicates compared draw by draw (/robustness); tied models share "
                          "the tied ranks."),
        "share_of_draws": "share of draws (%)",
        "rank": "rank {k}",
        "lower_better": "lower is better",
        "higher_better": "higher is better",
    },
    "zh": {
        "sweep_title": "结果随设计参数的变化 — {town}",
        "sweep_caption": "每个参数取值下各次运行（跨重复运行和其他参数取值）的均值及其95% Student-t 区间。{binned}",
        "binned": "取值多于 {n} 个的参数（抽样设计）按等数量分为 {n} 组，以组内均值作图。",
        "sobol_title": "Sobol 敏感性指数及{confidence}%区间{where}",
        "sobol_caption": ("各参数对指标在设计范围内方差的贡献：一阶指数（参数单独作用；Saltelli 等 2010）和"
                          "总效应指数（含交互作用；Jansen 1999），由各设计点重复运行的均值计算（基础样本 {points} 个）；"
                          "横线为基于基础样本的{confidence}%百分位自助法区间。指数应在 [0, 1] 之内：超出的估计值和区间"
                          "在图边截断（估计值本身超出时用空心标记），基础样本少时常见。一阶指数接近 0 而总效应指数明显更大，"
                          "说明该参数通过交互作用起作用。不随设计变化的指标不显示。"),
        "morris_title": "Morris 基本效应及{confidence}%区间{where}",
        "morris_caption": ("μ*：参数在整个取值范围内变动一步时指标变化绝对值的均值（{points} 条轨迹），"
                           "附基于轨迹的{confidence}%自助法区间；σ：这些变化的标准差（相对 μ* 较大说明效应依赖其他参数或非线性）。"
                           "两者的单位均为各指标自身的单位（横轴）；不随设计变化的指标不显示。"),
        "kind_first_order": "一阶指数（S₁）",
        "kind_total_order": "总效应指数（S_T）",
        "kind_mu_star": "μ*（基本效应绝对值的均值）",
        "kind_sigma": "σ（基本效应的标准差）",
        "index_value": "方差占比",
        "metric_units": "指标单位",
        "ranks_title": "各参数抽样下各模式的排名 — {town}",
        "ranks_caption": ("在 {draws} 次参数抽样中，该模式在本镇各模式中就该指标取得各名次的比例（1 = 最好），"
                          "逐次抽样比较各模式重复运行的均值（/robustness）；并列的模式平分并列的名次。"),
        "share_of_draws": "抽样占比（%）",
        "rank": "第{k}名",
        "lower_better": "越低越好",
        "higher_better": "越高越好",
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
    metrics = chosen_metrics(metrics, MAX_PANELS)
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

# The outcomes a pilot planner reads first, in this order (the pilot comparison's headline
# metrics); figures with room for few panels take these, then the file's others.
HEADLINE = ("complaints_per_year", "resolved_share", "abandoned_share",
            "burden_per_1000_households_per_year", "public_cost_per_year")

# /sensitivity's wide columns (docs/results.md) as kinds of index: (kind, estimate column,
# lower, upper); a kind without interval columns is drawn as a point alone.
INDEX_KINDS = {
    "sobol": (("first_order", "first_order", "first_order_lower", "first_order_upper"),
              ("total_order", "total_order", "total_order_lower", "total_order_upper")),
    "morris": (("mu_star", "mu_star", "mu_star_lower", "mu_star_upper"),
               ("sigma", "sigma", None, None)),
}
SOBOL_RANGE = (-0.15, 1.15)  # Sobol indices lie in [0, 1]; estimates beyond are cut here


def chosen_metrics(present, limit, first=HEADLINE):
    """The metrics of `first` that are in `present`, then the others of `present` in their
    order, at most `limit`."""
    present = list(present)
    head = [m for m in first if m in present]
    return (head + [m for m in present if m not in head])[:limit]


def sensitivity_long(table):
    """/sensitivity's wide rows in long form: one row per town, model, metric, parameter and
    kind of index (`first_order`, `total_order` for Sobol; `mu_star`, `sigma` for Morris) with
    `method`, `estimate`, `lower`, `upper` (NaN where the table has no interval). Rows whose
    estimate is NaN (the other method's columns, a metric that does not vary) are left out."""
    keys = [c for c in ("town", "model", "metric", "parameter", "method") if c in table.columns]
    parts = []
    for method, kinds in INDEX_KINDS.items():
        rows = table[_s(table["method"]) == method]
        for kind, estimate, lower, upper in kinds:
            if len(rows) == 0 or estimate not in rows.columns:
                continue
            part = rows[keys].copy()
            part["index"] = kind
            part["estimate"] = rows[estimate].to_numpy(dtype=float)
            part["lower"] = rows[lower].to_numpy(dtype=float) if lower in rows.columns else np.nan
            part["upper"] = rows[upper].to_numpy(dtype=float) if upper in rows.columns else np.nan
            parts.append(part)
    if not parts:
        return pd.DataFrame(columns=keys + ["index", "estimate", "lower", "upper"])
    long = pd.concat(parts, ignore_index=True)
    return long[np.isfinite(long["estimate"])].reset_index(drop=True)


def _cut(value, low, high):
    return min(max(value, low), high)


def sensitivity_indices(results, lang="en"):
    """Sensitivity indices of /sensitivity, one figure per town, model and method: a panel per
    metric (the headline ones first, at most six), the design's parameters on the y axis, one
    colour per kind of index (Sobol: first- and total-order; Morris: mu* and sigma), each with
    its bootstrap interval where the table has one."""
    table = results.tables.get("sensitivity")
    if table is None or len(table) == 0 or "method" not in table.columns:
        raise Skip(SKIP[lang]["no_sensitivity"])
    long = sensitivity_long(table)
    if len(long) == 0:
        raise Skip(SKIP[lang]["no_sensitivity_values"])
    colours = ["#1f77b4", "#d62728"]
    markers = ["o", "s"]
    out = []
    for (town, model, method), sub in long.groupby(["town", "model", "method"], observed=True,
                                                   sort=True):
        method = str(method)
        kinds = [k for k, *_ in INDEX_KINDS[method]]
        present = [m for m in results.orders.get("metric", []) if (_s(sub["metric"]) == m).any()]
        metrics = chosen_metrics(present or dict.fromkeys(_s(sub["metric"])), 6)
        # The design's parameters in design order (the table's), not only those with values.
        every = table[(_s(table["town"]) == str(town)) & (_s(table["model"]) == str(model))]
        parameters = list(dict.fromkeys(_s(every["parameter"])))
        ncols = min(3, len(metrics))
        nrows = math.ceil(len(metrics) / ncols)
        panel_h = 0.32 * len(parameters) + 0.5
        height = nrows * (panel_h + 0.9) + 0.6
        fig = MplFigure(figsize=(11.5, height))
        axes = fig.subplots(nrows, ncols, squeeze=False, sharey=True)
        offsets = [-0.12, 0.12]
        for i, metric in enumerate(metrics):
            ax = axes[i // ncols][i % ncols]
            m = sub[_s(sub["metric"]) == metric]
            scale = 1.0 if method == "sobol" else labels.metric(metric, lang)[2]
            for j, parameter in enumerate(parameters):
                for k, kind in enumerate(kinds):
                    row = m[(_s(m["parameter"]) == parameter) & (m["index"] == kind)]
                    if len(row) == 0:
                        continue
                    row = row.iloc[0]
                    x, lo, hi = (scale * row["estimate"], scale * row["lower"],
                                 scale * row["upper"])
                    y = -j + offsets[k]
                    if method == "sobol":
                        cut = _cut(x, *SOBOL_RANGE)
                        if np.isfinite(lo) and np.isfinite(hi):
                            lo, hi = _cut(lo, *SOBOL_RANGE), _cut(hi, *SOBOL_RANGE)
                        if cut != x:  # the estimate itself is out of range: a hollow marker
                            _interval(ax, cut, y, lo, hi, colours[k], markers[k], horizontal=True)
                            ax.lines[-1].set_markerfacecolor("white")
                            continue
                    _interval(ax, x, y, lo, hi, colours[k], markers[k], horizontal=True)
            ax.axvline(0.0, color="#333333", linewidth=0.8, zorder=2.5)
            label, unit, _ = labels.metric(metric, lang)
            ax.set_title(label)
            if method == "sobol":
                ax.set_xlim(*SOBOL_RANGE)
                ax.set_xlabel(_t(lang, "index_value"))
            else:
                ax.set_xlim(left=0.0)
                ax.xaxis.set_major_locator(MaxNLocator(nbins=4))
                ax.ticklabel_format(axis="x", style="sci", scilimits=(-2, 5), useMathText=True)
                ax.set_xlabel(unit or _t(lang, "metric_units"))
            ax.set_yticks([-j for j in range(len(parameters))])
            ax.set_yticklabels(parameters)
            ax.set_ylim(-len(parameters) + 0.5, 0.5)
            ax.grid(axis="y", visible=False)
        for j in range(len(metrics), nrows * ncols):
            axes[j // ncols][j % ncols].set_visible(False)
        handles = [fig.axes[0].plot([], [], color=colours[k], marker=markers[k],
                                    linestyle="none")[0] for k in range(len(kinds))]
        fig.legend(handles, [_t(lang, "kind_" + k) for k in kinds], loc="upper center",
                   ncol=len(kinds), frameon=False)
        longest = max(len(p) for p in parameters)
        _place(fig, nrows, ncols, left=0.3 + 0.068 * longest, right=0.25, top=0.6, bottom=0.6,
               wgap=0.3, hgap=0.9)
        where = f" — {labels.name(town, lang)} · {labels.name(model, lang, 'model')}"
        points = int(table["points"].max()) if "points" in table.columns else 0
        confidence = float(table["confidence"].max()) if "confidence" in table.columns else 0.95
        out.append(Figure(f"sensitivity-{town}-{model}",
                          _t(lang, f"{method}_title", where=where,
                             confidence=round(100 * confidence)),
                          _t(lang, f"{method}_caption", points=points,
                             confidence=round(100 * confidence)), fig))
    return out


# ------------------------------------------------------------------ rank distributions


def rank_columns(table) -> list:
    """/robustness's `rank_1`, `rank_2`, … columns in rank order."""
    found = [c for c in table.columns if re.fullmatch(r"rank_\d+", c)]
    return sorted(found, key=lambda c: int(c.split("_")[1]))


def rank_distributions(results, lang="en"):
    """For each town: per metric (the headline ones, at most six), each model's distribution of
    ranks over the parameter draws of /robustness as a stacked bar (rank 1 = best)."""
    table = results.tables.get("robustness")
    if table is None or len(table) == 0 or not rank_columns(table):
        raise Skip(SKIP[lang]["no_robustness"])
    ranks = rank_columns(table)
    cmap = [matplotlib_colour(k, len(ranks)) for k in range(len(ranks))]
    out = []
    for town in [t for t in results.towns if (table["town"] == t).any()]:
        sub = table[table["town"] == town]
        present = [m for m in results.orders.get("metric", []) if (_s(sub["metric"]) == m).any()]
        metrics = chosen_metrics(present, 6)
        models = [m for m in results.models if (sub["model"] == m).any()]
        ncols = min(3, len(metrics))
        nrows = math.ceil(len(metrics) / ncols)
        panel_h = 0.35 * len(models) + 0.3
        height = nrows * (panel_h + 0.95) + 0.5
        fig = MplFigure(figsize=(11.5, height))
        axes = fig.subplots(nrows, ncols, squeeze=False, sharey=True)
        for i, metric in enumerate(metrics):
            ax = axes[i // ncols][i % ncols]
            m = sub[_s(sub["metric"]) == metric]
            for y, model in enumerate(models):
                row = m[_s(m["model"]) == model]
                left = 0.0
                for k, column in enumerate(ranks):
                    p = float(row[column].iloc[0]) if len(row) else 0.0
                    p = p if np.isfinite(p) else 0.0
                    ax.barh(-y, 100 * p, left=left, color=cmap[k], height=0.7,
                            label=_t(lang, "rank", k=k + 1) if y == 0 else None)
                    left += 100 * p
            ax.set_xlim(0, 100)
            label = labels.metric(metric, lang)[0]
            lower_is_better = (bool(m["lower_is_better"].iloc[0])
                               if "lower_is_better" in m.columns and len(m) else True)
            ax.set_title(f"{label} ({_t(lang, 'lower_better' if lower_is_better else 'higher_better')})")
            ax.set_xlabel(_t(lang, "share_of_draws"))
            ax.set_yticks([-y for y in range(len(models))])
            ax.set_yticklabels([labels.name(m, lang, "model") for m in models])
            ax.set_ylim(-len(models) + 0.4, 0.6)
            ax.grid(axis="y", visible=False)
        for j in range(len(metrics), nrows * ncols):
            axes[j // ncols][j % ncols].set_visible(False)
        handles, names = axes[0][0].get_legend_handles_labels()
        fig.legend(handles, names, loc="upper center", ncol=len(ranks), frameon=False)
        longest = max(len(labels.name(m, lang, "model")) for m in models)
        _place(fig, nrows, ncols, left=0.3 + (0.12 if lang == "zh" else 0.075) * longest,
               right=0.25, top=0.6, bottom=0.6, wgap=0.3, hgap=0.95)
        draws = int(sub["draws"].max()) if "draws" in sub.columns else 0
        out.append(Figure(f"ranks-{town}", _t(lang, "ranks_title", town=labels.name(town, lang)),
                          _t(lang, "ranks_caption", draws=draws), fig))
    return out

def matplotlib_colour(k, n):
    """Rank k of n on a green (best) to red (worst) scale."""
    from matplotlib import colormaps

    return colormaps["RdYlGn_r"](0.1 + 0.8 * (k / max(n - 1, 1)))
