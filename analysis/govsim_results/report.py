"""One self-contained HTML page for a results file: provenance, comparison tables, figures and
caveats. Figures are embedded as PNG data URIs; the page loads nothing from outside (no
external scripts, style sheets or fonts), so it opens offline and can be mailed as one file.
"""
from __future__ import annotations

import base64
import html
import os
import re
import tempfile

import numpy as np

from . import figures as figs
from . import labels

SECTIONS = ("provenance", "comparison", "robustness", "figures", "caveats")
OPTIONAL_SECTIONS = {"robustness": "robustness"}  # section: the table it needs

T = {
    "en": {
        "title": "govsim report — {name}",
        "provenance": "What was run",
        "comparison": "Comparison of governance models",
        "robustness": "Robustness to the assumptions",
        "figures": "Figures",
        "caveats": "What the numbers rest on",
        "contents": "Contents",
        "scenario": "scenario", "scenario_path": "scenario file", "command": "command",
        "version": "govsim version", "build": "build type", "created": "results written (UTC)",
        "seed": "seed", "replicates": "replicates per town and model", "threads": "threads",
        "towns": "towns", "models": "governance models", "years": "years simulated",
        "runs": "runs", "files": "scenario files (as composed, in the order read)",
        "scenario_text": "Full scenario text stored in the results file",
        "results_file": "results file",
        "format": "results format version",
        "means_caption": "{town}: each metric per run over the {period}, mean over {n} replicates [95% interval]",
        "diff_caption": ("{town}: paired difference from {baseline} over the {period} (same "
                         "replicate, common random numbers), mean [95% interval], and below it "
                         "the change relative to {baseline}'s mean [95% paired-bootstrap "
                         "interval]; in bold where the interval excludes zero. Read complaints "
                         "beside government cases and the shares resolved and abandoned: fewer "
                         "complaints with more disputes abandoned is not a gain"),
        "effect_caption": ("{town}: time to effect — the first calendar year whose own difference "
                           "from {baseline} has a 95% interval excluding zero (policy start: "
                           "{start}); a dash (—) where no year's did"),
        "cost_caption": ("{town}: what the gains cost over the {period}, a year, against "
                         "{baseline} — mean paired difference [95% interval]; cost per extra "
                         "dispute resolved and per complaint avoided with 95% paired-bootstrap "
                         "intervals, a dash (—) where the gain is not clearly above zero. Unit "
                         "costs are assumptions [A] (scenarios/parameters/nanhai.toml, [costs])"),
        "cost_columns": ("extra public cost (yuan)", "extra disputes resolved",
                         "complaints avoided", "yuan per extra dispute resolved",
                         "yuan per complaint avoided"),
        "no_start": "not recorded",
        "design": "design",
        "design_value": "{kind}: {points} points, {factors} parameters, seed {seed}",
        "design_no_comparison": ("A designed experiment ({kind}, {points} points): govsim writes "
                                 "no /comparison for designs, whose runs differ in their "
                                 "parameters. Each run's outcomes are in /runs (govsim export "
                                 "RESULTS.h5 runs); the sections below summarise the design."),
        "robustness_lead": ("How surely each model beats {baseline} when the assumptions vary. "
                            "The experiment was run on {draws} draws of its parameters from their "
                            "priors, every model on every draw with common random numbers, and "
                            "the models were compared draw by draw (each model's mean over its "
                            "replicates). Each cell gives the share of draws on which the model "
                            "is better than {baseline} (shaded from red, never, to green, always) "
                            "and, below it, its expected regret: how far it falls short of the "
                            "best model on the same draw, on average over the draws, in the "
                            "metric's units (percentage points for shares; 0 = best on every "
                            "draw). Hover over a cell for the model's mean and its 5th–95th "
                            "percentiles over the draws. Read across a row: a model worth "
                            "piloting beats the baseline on most draws for complaints and for "
                            "the shares resolved and abandoned together, at a cost one can bear."),
        "robustness_caption": ("{town}: share of the {draws} parameter draws on which each model "
                               "beats {baseline}, and its expected regret"),
        "the_baseline": "the baseline",
        "design_skipped": ("a designed experiment's runs differ in their parameters, so govsim "
                           "writes no comparison of models (/comparison, /cost_effectiveness, "
                           "/equity_comparison) for it"),
        "regret": "regret",
        "lower_better": "lower is better",
        "higher_better": "higher is better",
        "draw_means": "mean {mean} {unit}; 5–95% of draws: {p05}–{p95}",
        "single_model": "Each town has a single model here, so there are no differences from a baseline.",
        "skipped": "Not drawn: {name} — {reason}.",
        "footer": "Made by govsim report from {path}.",
        "figure_names": {"comparison": "forest plot of differences",
                         "relative": "forest plot of relative changes", "yearly": "yearly outcomes",
                         "monthly": "monthly series", "daily": "daily backlog and load",
                         "cost": "cost against outcome", "ranks": "rank distributions",
                         "equity": "differences by group of households",
                         "sweep": "sweep curves", "sensitivity": "sensitivity indices"},
        "pct": "%",
    },
    "zh": {
        "title": "govsim 报告 — {name}",
        "provenance": "运行内容",
        "comparison": "治理模式比较",
        "robustness": "对假设的稳健性",
        "figures": "图表",
        "caveats": "数字的依据与局限",
        "contents": "目录",
        "scenario": "情景", "scenario_path": "情景文件", "command": "命令",
        "version": "govsim 版本", "build": "构建类型", "created": "结果写入时间（UTC）",
        "seed": "随机种子", "replicates": "每个镇和模式的重复运行次数", "threads": "线程数",
        "towns": "镇（街道）", "models": "治理模式", "years": "模拟年份",
        "runs": "运行次数", "files": "情景文件（按读取顺序组合）",
        "scenario_text": "结果文件中保存的完整情景文本",
        "results_file": "结果文件",
        "format": "结果格式版本",
        "means_caption": "{town}：各指标按每次运行的{period}计算，{n}次重复运行的均值 [95%区间]",
        "diff_caption": ("{town}：{period}与{baseline}的配对差值（同一重复运行，共同随机数），均值 [95%区间]，"
                         "其下为相对{baseline}均值的变化 [95%配对自助法区间]；区间不含零者以粗体显示。"
                         "投诉应与政府受理案件、已解决和放弃的比例一起看：投诉减少而放弃增多不是改善"),
        "effect_caption": ("{town}：见效时间——与{baseline}之差的95%区间首次不含零的日历年份"
                           "（政策开始：{start}）；“—”表示没有任何一年如此"),
        "cost_caption": ("{town}：{period}内每年取得这些改善的成本（相对{baseline}）——配对差值均值 [95%区间]；"
                         "每多解决一件纠纷和每少一件投诉的成本附95%配对自助法区间，改善不明确大于零时为“—”。"
                         "单位成本均为假设 [A]（scenarios/parameters/nanhai.toml 的 [costs]）"),
        "cost_columns": ("额外公共成本（元）", "多解决的纠纷", "少发生的投诉", "每多解决一件纠纷的成本（元）",
                         "每少一件投诉的成本（元）"),
        "no_start": "未记录",
        "design": "试验设计",
        "design_value": "{kind}：{points} 个设计点，{factors} 个参数，随机种子 {seed}",
        "design_no_comparison": ("这是一个设计试验（{kind}，{points} 个设计点）：各次运行的参数不同，govsim 不为设计写出 "
                                 "/comparison。每次运行的结果见 /runs（govsim export RESULTS.h5 runs）；下面各部分概括该设计。"),
        "robustness_lead": ("假设变化时各治理模式胜过{baseline}的把握有多大。试验在 {draws} 组按先验分布抽取的参数上运行，"
                            "每组抽样下所有模式都运行（共同随机数），并逐次抽样比较各模式（重复运行的均值）。"
                            "每格给出该模式优于{baseline}的抽样比例（红色为从不，绿色为总是），其下为期望遗憾值："
                            "在同一抽样下与最好模式的差距在各抽样上的平均，单位为指标自身的单位（比例为百分点；"
                            "0 表示在每次抽样中都最好）。鼠标悬停可看该模式在各抽样上的均值及第5–95百分位。"
                            "按行阅读：值得试点的模式应在大多数抽样中同时在投诉、已解决和放弃比例上胜过基线，且成本可以承受。"),
        "robustness_caption": "{town}：在 {draws} 组参数抽样中各模式胜过{baseline}的比例及其期望遗憾值",
        "the_baseline": "基线",
        "design_skipped": "设计试验的各次运行参数不同，govsim 不为其写出治理模式比较（/comparison、/cost_effectiveness、/equity_comparison）",
        "regret": "遗憾值",
        "lower_better": "越低越好",
        "higher_better": "越高越好",
        "draw_means": "均值 {mean} {unit}；第5–95百分位：{p05}–{p95}",
        "single_model": "每个镇只有一个治理模式，因此没有与基线的差值。",
        "skipped": "未绘制：{name} — {reason}。",
        "footer": "由 govsim report 根据 {path} 生成。",
        "figure_names": {"comparison": "差值森林图", "relative": "相对变化森林图",
                         "yearly": "年度结果", "monthly": "月度序列",
                         "daily": "每日积压与负荷", "cost": "成本与结果", "ranks": "排名分布",
                         "equity": "不同住户群体的差值", "sweep": "参数扫描曲线",
                         "sensitivity": "敏感性指数"},
        "pct": "%",
    },
}


def _t(lang, key, **fields):
    return T[lang][key].format(**fields) if fields else T[lang][key]


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def scenario_files(text: str) -> list:
    """The files the composed scenario text was made from (its "# ---- file: X ----" markers)."""
    return re.findall(r"^# ---- file: (.*?) ----\s*$", text or "", flags=re.MULTILINE)


def _file_blocks(text: str) -> list:
    """(file, text) for each file of the composed scenario text, in order."""
    parts = re.split(r"^# ---- file: (.*?) ----\s*$", text or "", flags=re.MULTILINE)
    if len(parts) == 1:
        return [("", parts[0])]
    return list(zip(parts[1::2], parts[2::2]))


def _run_description(block: str) -> str | None:
    table = ""
    for line in block.splitlines():
        header = re.match(r"^\s*\[([^\]]+)\]", line)
        if header:
            table = header.group(1).strip()
            continue
        found = re.match(r'^\s*description\s*=\s*"((?:[^"\\]|\\.)*)"', line)
        if found and table == "run":
            return found.group(1)
    return None


def scenario_description(text: str, scenario_path: str = "") -> str | None:
    """The run's description (`run.description`): from the scenario file named on the command
    line if it sets one, else the last file of the composition that does."""
    found = None
    for name, block in _file_blocks(text):
        description = _run_description(block)
        if description is None:
            continue
        if scenario_path and os.path.normpath(name) == os.path.normpath(scenario_path):
            return description
        found = description
    return found


# ------------------------------------------------------------------ sections


def _provenance(results, lang) -> str:
    a = results.attrs
    rows = []

    def row(key, value):
        if value is not None and value != "":
            rows.append(f"<tr><th>{_e(_t(lang, key))}</th><td>{value}</td></tr>")

    row("scenario", _e(a.get("scenario_name", "")))
    row("scenario_path", f"<code>{_e(a.get('scenario_path', ''))}</code>")
    row("command", f"<code>{_e(a.get('command_line', ''))}</code>")
    row("version", _e(a.get("version", "")))
    row("build", _e(a.get("build_type", "")))
    row("created", _e(a.get("created_utc", "")))
    row("seed", _e(a.get("seed", "")))
    row("replicates", _e(a.get("replicates", "")))
    row("threads", _e(a.get("threads", "")))
    comma = "、" if lang == "zh" else ", "
    row("towns", _e(comma.join(labels.name(t, lang) for t in results.towns)))
    row("models", _e(comma.join(labels.name(m, lang, "model") for m in results.models)))
    if results.summary is not None and len(results.summary):
        years = sorted(results.summary["year"].unique())
        row("years", _e(f"{years[0]}–{years[-1]}" if len(years) > 1 else years[0]))
    if results.runs is not None:
        row("runs", _e(len(results.runs)))
    if a.get("design_kind"):
        row("design", _e(_t(lang, "design_value", kind=a["design_kind"],
                            points=a.get("design_points", ""), factors=a.get("design_factors", ""),
                            seed=a.get("design_seed", ""))))
    row("results_file", f"<code>{_e(os.path.basename(results.path))}</code>")
    row("format", _e(a.get("format_version", "")))
    out = [f'<table class="kv">{"".join(rows)}</table>']
    files = scenario_files(a.get("scenario_text", ""))
    if files:
        out.append(f"<p>{_e(_t(lang, 'files'))}:</p><ul class=\"files\">")
        out += [f"<li><code>{_e(f)}</code></li>" for f in files]
        out.append("</ul>")
    if a.get("scenario_text"):
        out.append(f"<details><summary>{_e(_t(lang, 'scenario_text'))}</summary>"
                   f"<pre>{_e(a['scenario_text'])}</pre></details>")
    return "\n".join(out)


def _number(value, scale=1.0) -> str:
    if value is None or not np.isfinite(value):
        return "—"
    v = value * scale
    if abs(v) >= 100:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def _cell(mean, lower, upper, scale, signed=False) -> str:
    text = _number(mean, scale)
    if signed and np.isfinite(mean) and mean * scale > 0:
        text = "+" + text
    if np.isfinite(lower) and np.isfinite(upper):
        text += f' <span class="ci">[{_number(lower, scale)}, {_number(upper, scale)}]</span>'
    return text


def _relative_cell(r) -> str:
    """The relative change (%) and its interval, below the absolute difference."""
    rel, lo, hi = r["relative"], r["relative_lower"], r["relative_upper"]
    if not np.isfinite(rel):
        return ""
    return f'<br><span class="rel">{_cell(rel, lo, hi, 100.0, signed=True)} %</span>'


def _period_text(results, lang) -> str:
    return labels.period(*(results.evaluation_period() or (None, None)), lang)


def _comparison(results, lang) -> str:
    table = results.evaluation()
    if table is None or len(table) == 0:
        if results.attrs.get("design_kind"):
            return (f"<p>{_e(_t(lang, 'design_no_comparison', kind=results.attrs['design_kind'], points=results.attrs.get('design_points', '')))}</p>")
        return f"<p>{_e(figs.SKIP[lang]['no_table'].format(table='/comparison'))}</p>"
    present = set(table["metric"].astype(str))
    metrics = [m for m in results.orders.get("metric", []) if m in present]
    head = "".join(
        f"<th>{_e(labels.metric(m, lang)[0])}<br><span class=\"unit\">"
        f"{_e(labels.metric(m, lang)[1])}</span></th>" for m in metrics)
    period = _period_text(results, lang)
    relative = "relative" in table.columns
    out = []
    any_difference = False
    for town in results.towns:
        sub = table[table["town"] == town]
        if len(sub) == 0:
            continue
        town_name = labels.name(town, lang)
        models = [m for m in results.models if (sub["model"] == m).any()]
        n = int(sub["replicates"].max())
        body = []
        for model in models:
            cells = []
            for metric in metrics:
                r = sub[(sub["model"] == model) & (sub["metric"] == metric)]
                if len(r) == 0:
                    cells.append("<td>—</td>")
                    continue
                r = r.iloc[0]
                scale = labels.metric(metric, lang)[2]
                cells.append(f"<td>{_cell(r['mean'], r['lower'], r['upper'], scale)}</td>")
            body.append(f"<tr><th>{_e(labels.name(model, lang, 'model'))}</th>{''.join(cells)}</tr>")
        out.append(f'<div class="scroll"><table class="data"><caption>'
                   f'{_e(_t(lang, "means_caption", town=town_name, n=n, period=period))}</caption>'
                   f'<thead><tr><th>{_e(labels.text("model", lang))}</th>{head}</tr></thead>'
                   f'<tbody>{"".join(body)}</tbody></table></div>')
        baseline = str(sub["baseline"].iloc[0])
        others = [m for m in models if m != baseline]
        if not others:
            continue
        any_difference = True
        body = []
        for model in others:
            cells = []
            for metric in metrics:
                r = sub[(sub["model"] == model) & (sub["metric"] == metric)]
                if len(r) == 0:
                    cells.append("<td>—</td>")
                    continue
                r = r.iloc[0]
                scale = labels.metric(metric, lang)[2]
                lo, hi = r["difference_lower"], r["difference_upper"]
                clear = np.isfinite(lo) and np.isfinite(hi) and (lo > 0 or hi < 0)
                text = _cell(r["difference"], lo, hi, scale, signed=True)
                if relative:
                    text += _relative_cell(r)
                cells.append(f'<td class="{"clear" if clear else ""}">{text}</td>')
            body.append(f"<tr><th>{_e(labels.name(model, lang, 'model'))}</th>{''.join(cells)}</tr>")
        baseline_name = labels.name(baseline, lang, "model")
        caption = _t(lang, "diff_caption", town=town_name, baseline=baseline_name, period=period)
        out.append(f'<div class="scroll"><table class="data diff"><caption>{_e(caption)}</caption>'
                   f'<thead><tr><th>{_e(labels.text("model", lang))}</th>{head}</tr></thead>'
                   f'<tbody>{"".join(body)}</tbody></table></div>')
        if "first_significant_year" in sub.columns:
            out.append(_time_to_effect(results, sub, others, metrics, head, town_name,
                                       baseline_name, lang))
        out.append(_costs(results, town, town_name, baseline_name, period, lang))
    if not any_difference:
        out.append(f"<p>{_e(_t(lang, 'single_model'))}</p>")
    return "\n".join(out)


def _time_to_effect(results, sub, models, metrics, head, town_name, baseline_name, lang) -> str:
    """Per model and metric, the first year the difference from the baseline was significant."""
    body = []
    for model in models:
        cells = []
        for metric in metrics:
            r = sub[(sub["model"] == model) & (sub["metric"] == metric)]
            year = int(r["first_significant_year"].iloc[0]) if len(r) else 0
            cells.append(f"<td>{year if year > 0 else '—'}</td>")
        body.append(f"<tr><th>{_e(labels.name(model, lang, 'model'))}</th>{''.join(cells)}</tr>")
    starts = results.policy_starts()
    start = ", ".join(d.strftime("%Y-%m-%d") for d in starts) if starts else _t(lang, "no_start")
    caption = _t(lang, "effect_caption", town=town_name, baseline=baseline_name, start=start)
    return (f'<div class="scroll"><table class="data effect"><caption>{_e(caption)}</caption>'
            f'<thead><tr><th>{_e(labels.text("model", lang))}</th>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')


COST_COLUMNS = ("extra_cost", "extra_resolved", "complaints_avoided", "cost_per_extra_resolved",
                "cost_per_complaint_avoided")


def _costs(results, town, town_name, baseline_name, period, lang) -> str:
    """/cost_effectiveness for one town (format 3): empty without it."""
    table = results.cost_effectiveness
    if table is None:
        return ""
    sub = table[table["town"] == town]
    if len(sub) == 0:
        return ""
    head = "".join(f"<th>{_e(name)}</th>" for name in _t(lang, "cost_columns"))
    body = []
    for model in [m for m in results.models if (sub["model"] == m).any()]:
        r = sub[sub["model"] == model].iloc[0]
        cells = "".join(
            f"<td>{_cell(r[c], r[c + '_lower'], r[c + '_upper'], 1.0, signed=c.startswith('extra'))}</td>"
            for c in COST_COLUMNS)
        body.append(f"<tr><th>{_e(labels.name(model, lang, 'model'))}</th>{cells}</tr>")
    caption = _t(lang, "cost_caption", town=town_name, baseline=baseline_name, period=period)
    return (f'<div class="scroll"><table class="data costs"><caption>{_e(caption)}</caption>'
            f'<thead><tr><th>{_e(labels.text("model", lang))}</th>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')


def _shade(p) -> str:
    """A light background from red (p = 0) through white (0.5) to green (1)."""
    if not np.isfinite(p):
        return ""
    low, mid, high = (244, 199, 195), (255, 255, 255), (182, 226, 174)
    a, b, f = (low, mid, 2 * p) if p < 0.5 else (mid, high, 2 * p - 1)
    rgb = tuple(round(x + (y - x) * f) for x, y in zip(a, b))
    return f' style="background:#{rgb[0]:02x}{rgb[1]:02x}{rgb[2]:02x}"'


def _robustness(results, lang) -> str:
    """/robustness per town: for the headline metrics, each model's probability of beating the
    baseline over the parameter draws (shaded) and its expected regret."""
    from .design_figures import chosen_metrics

    table = results.tables.get("robustness")
    if table is None or len(table) == 0:
        return ""
    out = []
    def baseline_name(model):
        return _t(lang, "the_baseline") if model == "baseline" else labels.name(model, lang, "model")

    baselines = [str(b) for b in dict.fromkeys(table["baseline"].astype(str))]
    draws_all = int(table["draws"].max())
    baseline_names = ", ".join(baseline_name(b) for b in baselines)
    out.append(f'<p>{_e(_t(lang, "robustness_lead", baseline=baseline_names, draws=draws_all))}</p>')
    for town in [t for t in results.towns if (table["town"] == t).any()]:
        sub = table[table["town"] == town]
        present = [m for m in results.orders.get("metric", []) if (sub["metric"] == m).any()]
        metrics = chosen_metrics(present, 5)
        models = [m for m in results.models if (sub["model"] == m).any()]
        baseline = str(sub["baseline"].iloc[0])
        head = []
        for metric in metrics:
            label, unit, _ = labels.metric(metric, lang)
            rows = sub[sub["metric"] == metric]
            better = "lower_better" if int(rows["lower_is_better"].iloc[0]) else "higher_better"
            head.append(f"<th>{_e(label)}<br><span class=\"unit\">{_e(unit)}<br>"
                        f"{_e(_t(lang, better))}</span></th>")
        body = []
        for model in models:
            cells = []
            for metric in metrics:
                r = sub[(sub["model"] == model) & (sub["metric"] == metric)]
                if len(r) == 0:
                    cells.append("<td>—</td>")
                    continue
                r = r.iloc[0]
                _, unit, scale = labels.metric(metric, lang)
                p = float(r["p_beats_baseline"])
                share = "—" if not np.isfinite(p) else f"{100 * p:.0f}%"
                tip = _t(lang, "draw_means", mean=_number(r["mean"], scale), unit=unit,
                         p05=_number(r["p05"], scale), p95=_number(r["p95"], scale))
                cells.append(f'<td{_shade(p)} title="{_e(tip)}"><span class="p">{share}</span>'
                             f'<br><span class="regret">{_e(_t(lang, "regret"))} '
                             f'{_number(r["expected_regret"], scale)}</span></td>')
            body.append(f"<tr><th>{_e(labels.name(model, lang, 'model'))}</th>{''.join(cells)}</tr>")
        caption = _t(lang, "robustness_caption", town=labels.name(town, lang),
                     draws=int(sub["draws"].max()), baseline=baseline_name(baseline))
        out.append(f'<div class="scroll"><table class="data robust"><caption>{_e(caption)}</caption>'
                   f'<thead><tr><th>{_e(labels.text("model", lang))}</th>{"".join(head)}</tr></thead>'
                   f'<tbody>{"".join(body)}</tbody></table></div>')
    return "\n".join(out)


COMPARISON_FIGURES = ("comparison", "relative", "cost", "equity")  # need a comparison of models


def _design_skips(results, skipped, lang) -> list:
    """On a designed experiment without /comparison, the notes of the figures that need a
    comparison of models become one note saying why designs have none."""
    if not results.attrs.get("design_kind") or results.has("comparison"):
        return skipped
    names = [n for n, _ in skipped if n in COMPARISON_FIGURES]
    if not names:
        return skipped
    others = [(n, r) for n, r in skipped if n not in COMPARISON_FIGURES]
    figure_names = _t(lang, "figure_names")
    joined = ("、" if lang == "zh" else ", ").join(figure_names.get(n, n) for n in names)
    return [(joined, _t(lang, "design_skipped"))] + others


def shown_sections(results) -> list:
    """The report's sections for this file: every one of SECTIONS but those whose table the
    file does not hold (the robustness section without /robustness)."""
    return [s for s in SECTIONS if s not in OPTIONAL_SECTIONS or results.has(OPTIONAL_SECTIONS[s])]


def _figures(rendered, skipped, lang, figures_dir=None) -> str:
    """The figures as HTML (PNG data URIs); with figures_dir, each also as PNG (the same bytes)
    and SVG files there."""
    out = []
    if figures_dir is not None:
        os.makedirs(figures_dir, exist_ok=True)
    for f in rendered:
        if figures_dir is not None:
            with open(os.path.join(figures_dir, f"{f.key}.png"), "wb") as file:
                file.write(f.png)
            with open(os.path.join(figures_dir, f"{f.key}.svg"), "wb") as file:
                file.write(f.svg)
        uri = "data:image/png;base64," + base64.b64encode(f.png).decode("ascii")
        out.append(f'<figure id="fig-{_e(f.key)}"><h3>{_e(f.title)}</h3>'
                   f'<img src="{uri}" alt="{_e(f.title)}">'
                   f"<figcaption>{_e(f.caption)}</figcaption></figure>")
    names = _t(lang, "figure_names")
    for name, reason in skipped:
        out.append(f'<p class="note">{_e(_t(lang, "skipped", name=names.get(name, name), reason=reason))}</p>')
    return "\n".join(out)


def _caveats(results, lang) -> str:
    from .caveats import caveats

    items = "".join(f"<li>{item}</li>" for item in caveats(results, lang))
    return f"<ul class=\"caveats\">{items}</ul>"


CSS = """
body { font-family: "DejaVu Sans", "Noto Sans CJK SC", "Noto Sans", sans-serif; margin: 0;
       color: #1a1a1a; background: #fff; line-height: 1.45; }
:lang(zh) body, body:lang(zh) { font-family: "Noto Sans CJK SC", "DejaVu Sans", sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 1.2em 1.6em 3em; }
h1 { font-size: 1.6em; margin: 0.2em 0 0.3em; }
h2 { font-size: 1.25em; border-bottom: 2px solid #2c5d8a; padding-bottom: 0.2em; margin-top: 2em; }
h3 { font-size: 1.02em; margin: 0.2em 0 0.4em; }
p.lead { color: #444; margin-top: 0; }
nav ol { margin: 0.3em 0; padding-left: 1.4em; }
nav a, a { color: #2c5d8a; }
table { border-collapse: collapse; font-size: 0.88em; }
table.kv th { text-align: left; font-weight: 600; padding: 0.2em 1.2em 0.2em 0; vertical-align: top;
              white-space: nowrap; }
table.kv td { padding: 0.2em 0; word-break: break-word; }
div.scroll { overflow-x: auto; margin: 0.8em 0 1.4em; }
/* A caption is as wide as its table, which may be wider than its scroll box: kept to the
   visible width it wraps there, and stays in view when the table is scrolled. */
table.data caption { text-align: left; font-weight: 600; padding-bottom: 0.4em;
                     position: sticky; left: 0; max-width: min(1180px, 100vw - 3.2rem); }
table.data th, table.data td { border-bottom: 1px solid #ddd; padding: 0.3em 0.6em; }
table.data thead th { background: #f0f4f8; font-weight: 600; text-align: center; vertical-align: bottom; }
table.data tbody th { text-align: left; white-space: nowrap; }
table.data td { text-align: right; white-space: nowrap; }
table.diff td.clear { font-weight: 700; }
span.ci { color: #666; font-size: 0.92em; }
span.rel { color: #2c5d8a; font-size: 0.92em; }
table.effect td { text-align: center; }
table.robust td { text-align: center; min-width: 7em; }
table.robust span.p { font-size: 1.15em; font-weight: 700; }
table.robust span.regret { color: #444; font-size: 0.88em; }
span.unit { font-weight: 400; color: #555; font-size: 0.9em; }
figure { margin: 1.4em 0 2.2em; }
figure img { max-width: 100%; height: auto; display: block; border: 1px solid #eee; }
figcaption { color: #333; font-size: 0.9em; margin-top: 0.4em; max-width: 60em; }
p.note { color: #7a4b00; background: #fff6e5; padding: 0.4em 0.7em; border-left: 3px solid #e0a030; }
ul.caveats li { margin-bottom: 0.5em; max-width: 60em; }
ul.files { columns: 2; font-size: 0.88em; }
pre { font-size: 0.78em; background: #f7f7f7; padding: 0.8em; overflow-x: auto; max-height: 30em; }
footer { color: #777; font-size: 0.82em; margin-top: 3em; border-top: 1px solid #ddd; padding-top: 0.6em; }
"""

# Marks the page once it has loaded: how many images decoded and how many did not. Only reads
# the page; loads nothing. The test suite reads these attributes through headless Chromium.
CHECK_SCRIPT = """
window.addEventListener("error", function () {
  document.documentElement.dataset.scriptErrors = String(Number(document.documentElement.dataset.scriptErrors || 0) + 1);
});
window.addEventListener("load", function () {
  var images = Array.prototype.slice.call(document.images);
  var ok = images.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
  document.documentElement.dataset.imagesLoaded = String(ok);
  document.documentElement.dataset.imagesBroken = String(images.length - ok);
});
"""


def build(results, lang="en", figures_dir=None, figure_names=None):
    """The report's HTML text; with figures_dir, each figure is also written there as PNG and
    SVG. figure_names: only these figures (names of figures.FIGURES; default all)."""
    if lang not in labels.LANGUAGES:
        raise ValueError(f"language {lang!r}: expected one of {', '.join(labels.LANGUAGES)}")
    rendered, skipped = figs.render_all(results, lang, figure_names, svg=figures_dir is not None)
    skipped = _design_skips(results, skipped, lang)
    figure_html = _figures(rendered, skipped, lang, figures_dir)
    name = results.attrs.get("scenario_name", os.path.basename(results.path))
    description = scenario_description(results.attrs.get("scenario_text", ""),
                                       results.attrs.get("scenario_path", ""))
    title = _t(lang, "title", name=name)
    shown = shown_sections(results)
    nav = "".join(f'<li><a href="#{s}">{_e(_t(lang, s))}</a></li>' for s in shown)
    bodies = {
        "provenance": _provenance(results, lang),
        "comparison": _comparison(results, lang),
        "robustness": _robustness(results, lang),
        "figures": figure_html,
        "caveats": _caveats(results, lang),
    }
    sections = "\n".join(f'<section id="{s}"><h2>{_e(_t(lang, s))}</h2>\n{bodies[s]}\n</section>'
                         for s in shown)
    html_lang = "zh-CN" if lang == "zh" else "en"
    lead = f'<p class="lead">{_e(description)}</p>' if description else ""
    footer = _t(lang, "footer", path=os.path.basename(results.path))
    return (f'<!DOCTYPE html>\n<html lang="{html_lang}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{_e(title)}</title>\n<style>{CSS}</style>\n"
            f"<script>{CHECK_SCRIPT}</script>\n</head>\n<body>\n<main>\n"
            f"<header><h1>{_e(title)}</h1>{lead}</header>\n"
            f"<nav><strong>{_e(_t(lang, 'contents'))}</strong><ol>{nav}</ol></nav>\n"
            f"{sections}\n<footer>{_e(footer)}</footer>\n</main>\n</body>\n</html>\n")


def write(results, path, lang="en", figures_dir=None, figure_names=None) -> None:
    """Builds the report and writes it to `path` atomically (a temporary file renamed into place)."""
    text = build(results, lang, figures_dir, figure_names)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=os.path.basename(path) + ".tmp-", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
