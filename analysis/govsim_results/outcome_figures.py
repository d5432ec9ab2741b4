"""Figures of results format 3's own tables (issue 8): what each model's gains cost
(/cost_effectiveness) and which households gain (/equity_comparison). Kept apart from
figures.py and design_figures.py; uses their Figure, Skip and drawing helpers.
"""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure as MplFigure
from matplotlib.ticker import FuncFormatter

from . import labels
from .figures import Figure, Skip, SKIP, _legend, _place, _str, model_styles

TEXT = {
    "en": {
        "no_costs": "the file has no /cost_effectiveness table (results format 3 adds it)",
        "no_cost_rows": "no town has a model besides its baseline, so there is no extra cost",
        "no_equity": "the file has no /equity_comparison table (results format 3 adds it)",
        "cost_title": "Extra public cost against extra disputes resolved and complaints avoided",
        "cost_caption": ("Each point is a model's mean paired difference from its town's "
                         "baseline ({baselines}) over the evaluation period ({period}), a year: "
                         "extra public cost (x) against extra disputes resolved and complaints "
                         "avoided (y); bars are 95% Student-t intervals over replicates, both "
                         "ways. Up and left is better. Unit costs are assumptions [A] "
                         "(scenarios/parameters/nanhai.toml, [costs]); firms' staff, paid from "
                         "owners' fees, are not in the public cost."),
        "extra_cost": "extra public cost (million yuan per year)",
        "extra_resolved": "extra disputes resolved (per year)",
        "complaints_avoided": "complaints avoided (per year)",
        "equity_title": "Differences from the baseline by group of households — {town}",
        "equity_caption": ("Each point is a model's mean paired difference from the baseline "
                           "({baselines}) for one group of households over the evaluation "
                           "period ({period}), with its 95% Student-t interval over replicates; "
                           "columns are the ways households are grouped (housing type of the "
                           "compound, kind of community, tenure, owner's origin), rows the "
                           "outcomes. Shares in percentage points. A group is in every "
                           "column's total: the groups of one column partition the disputes, "
                           "except origin (owners only)."),
    },
    "zh": {
        "no_costs": "结果文件中没有 /cost_effectiveness 表（结果格式第3版才有）",
        "no_cost_rows": "没有哪个镇有基线以外的模式，因此没有额外成本",
        "no_equity": "结果文件中没有 /equity_comparison 表（结果格式第3版才有）",
        "cost_title": "额外公共成本与多解决的纠纷、少发生的投诉",
        "cost_caption": ("每个点是某模式与本镇基线（{baselines}）在评估期（{period}）内每年的配对差值均值："
                         "横轴为额外公共成本，纵轴为多解决的纠纷和少发生的投诉；误差线为各重复运行上的"
                         "95% Student-t 区间（两个方向）。越靠左上越好。单位成本均为假设 [A]"
                         "（scenarios/parameters/nanhai.toml 的 [costs]）；物业公司人员由业主缴费支付，不计入公共成本。"),
        "extra_cost": "额外公共成本（百万元/年）",
        "extra_resolved": "多解决的纠纷（件/年）",
        "complaints_avoided": "少发生的投诉（件/年）",
        "equity_title": "不同住户群体与基线的差值 — {town}",
        "equity_caption": ("每个点是某模式在评估期（{period}）内某一住户群体与基线（{baselines}）的配对差值均值，"
                           "附各重复运行上的95% Student-t 区间；各列为分组方式（小区住房类型、社区类型、"
                           "产权、业主户籍来源），各行为结果指标。比例以百分点表示。同一列的各组划分了全部纠纷"
                           "（户籍来源只含业主）。"),
    },
}


def _t(lang, key, **fields):
    return TEXT[lang][key].format(**fields) if fields else TEXT[lang][key]


def _period(results, lang):
    return labels.period(*(results.evaluation_period() or (None, None)), lang)


def _bars(ax, x, xlo, xhi, y, ylo, yhi, colour, marker):
    """A point with its interval both ways (NaN bounds draw no bar)."""
    if np.isfinite(xlo) and np.isfinite(xhi):
        ax.plot([xlo, xhi], [y, y], color=colour, linewidth=1.4)
    if np.isfinite(ylo) and np.isfinite(yhi):
        ax.plot([x, x], [ylo, yhi], color=colour, linewidth=1.4)
    ax.plot([x], [y], marker=marker, color=colour, markersize=7, linestyle="none")


# ------------------------------------------------------------------ cost against outcome

COST_OUTCOMES = ("extra_resolved", "complaints_avoided")


def cost_effectiveness(results, lang="en"):
    """Each model's extra public cost (x) against its extra disputes resolved and complaints
    avoided a year (y), paired differences from the baseline with both intervals, from
    /cost_effectiveness: one row of panels per town."""
    table = results.tables.get("cost_effectiveness")
    if table is None:
        raise Skip(_t(lang, "no_costs"))
    if len(table) == 0:
        raise Skip(_t(lang, "no_cost_rows"))
    styles = model_styles(results.models)
    towns = [t for t in results.towns if (table["town"] == t).any()]
    models = [m for m in results.models if (table["model"] == m).any()]
    height = 2.7 * len(towns) + 1.0
    fig = MplFigure(figsize=(10.5, height))
    axes = fig.subplots(len(towns), len(COST_OUTCOMES), squeeze=False)
    million = 1e-6
    for r, town in enumerate(towns):
        sub = table[table["town"] == town]
        for c, outcome in enumerate(COST_OUTCOMES):
            ax = axes[r][c]
            for model in models:
                row = sub[sub["model"] == model]
                if len(row) == 0:
                    continue
                row = row.iloc[0]
                colour, marker = styles[model]
                _bars(ax, million * row["extra_cost"], million * row["extra_cost_lower"],
                      million * row["extra_cost_upper"], row[outcome], row[outcome + "_lower"],
                      row[outcome + "_upper"], colour, marker)
            ax.axhline(0.0, color="#333333", linewidth=0.9, zorder=2.5)
            ax.axvline(0.0, color="#333333", linewidth=0.9, zorder=2.5)
            ax.set_xlabel(_t(lang, "extra_cost"))
            ax.set_ylabel(f"{labels.name(town, lang)}\n{_t(lang, outcome)}" if c == 0
                          else _t(lang, outcome))
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    _legend(fig, models, styles, lang)
    _place(fig, len(towns), len(COST_OUTCOMES), left=1.1, right=0.2, top=0.7, bottom=0.6,
           wgap=0.9, hgap=0.75)
    baselines = ", ".join(sorted({labels.name(b, lang, "model") for b in _str(table["baseline"])}))
    return [Figure("cost", _t(lang, "cost_title"),
                   _t(lang, "cost_caption", baselines=baselines, period=_period(results, lang)),
                   fig)]


# ------------------------------------------------------------------ equity


def equity_differences(results, lang="en", towns=None):
    """Per town (of `towns`, default all): each model's paired difference from the baseline by
    group of households, one column per dimension (housing, community, tenure, origin) and one
    row per metric of /equity_comparison, with 95% intervals."""
    table = results.tables.get("equity_comparison")
    if table is None or len(table) == 0:
        raise Skip(_t(lang, "no_equity"))
    table = table.copy()
    for column in ("model", "baseline", "dimension", "group", "metric"):
        table[column + "_s"] = _str(table[column])
    rows = table[table["model_s"] != table["baseline_s"]]
    if len(rows) == 0:
        raise Skip(SKIP[lang]["one_model"])
    styles = model_styles(results.models)
    out = []
    for town in towns or results.towns:
        sub = rows[rows["town"] == town]
        if len(sub) == 0:
            continue
        dimensions = list(dict.fromkeys(sub["dimension_s"]))
        metrics = [m for m in results.orders.get("metric", []) if m in set(sub["metric_s"])]
        models = [m for m in results.models if m in set(sub["model_s"])]
        height = 2.1 * len(metrics) + 1.1
        fig = MplFigure(figsize=(12.5, height))
        axes = fig.subplots(len(metrics), len(dimensions), squeeze=False, sharex="col",
                            sharey="row")
        width = 0.6 / max(len(models), 1)
        for c, dimension in enumerate(dimensions):
            d = sub[sub["dimension_s"] == dimension]
            groups = list(dict.fromkeys(d["group_s"]))
            for r, metric in enumerate(metrics):
                ax = axes[r][c]
                label, unit, scale = labels.metric(metric, lang)
                if scale == 100.0:
                    unit = labels.text("pp", lang)
                for k, model in enumerate(models):
                    colour, marker = styles[model]
                    for g, group in enumerate(groups):
                        row = d[(d["metric_s"] == metric) & (d["model_s"] == model)
                                & (d["group_s"] == group)]
                        if len(row) == 0:
                            continue
                        row = row.iloc[0]
                        x = g + (k - (len(models) - 1) / 2) * width
                        lo, hi = scale * row["difference_lower"], scale * row["difference_upper"]
                        if np.isfinite(lo) and np.isfinite(hi):
                            ax.plot([x, x], [lo, hi], color=colour, linewidth=1.4)
                        ax.plot([x], [scale * row["difference"]], marker=marker, color=colour,
                                markersize=5, linestyle="none")
                ax.axhline(0.0, color="#333333", linewidth=0.9, zorder=2.5)
                if r == len(metrics) - 1:  # the column shares this axis
                    ax.set_xticks(range(len(groups)))
                    ax.set_xticklabels([labels.name(g, lang) for g in groups], fontsize=8)
                    ax.set_xlim(-0.5, len(groups) - 0.5)
                else:
                    ax.tick_params(labelbottom=False)
                if r == 0:
                    ax.set_title(labels.name(dimension, lang))
                if c == 0:
                    ax.set_ylabel(f"{label}\n({unit})" if unit else label, fontsize=8.5)
        _legend(fig, models, styles, lang)
        _place(fig, len(metrics), len(dimensions), left=1.0, right=0.15, top=0.75, bottom=0.55,
               wgap=0.35, hgap=0.3)
        baselines = ", ".join(sorted({labels.name(b, lang, "model") for b in sub["baseline_s"]}))
        out.append(Figure(f"equity-{town}", _t(lang, "equity_title", town=labels.name(town, lang)),
                          _t(lang, "equity_caption", baselines=baselines,
                             period=_period(results, lang)), fig))
    if not out:
        raise Skip(SKIP[lang]["one_model"])
    return out
