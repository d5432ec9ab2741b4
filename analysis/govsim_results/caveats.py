"""The caveats that go with a report: which values are facts, which calibrated, which assumed,
and what the intervals and metrics do not say. Written from README.md, docs/calibration.md and
docs/towns.md; each item is shown only when it applies to the file (which files the scenario
was composed from, which towns it ran, what the file records).
"""
from __future__ import annotations

import html

from . import labels
from .report import scenario_files

FACTS = {
    "en": ("<b>Facts</b> (from the source article on Nanhai's pilots, tagged [FACT] in the "
           "scenario files): Lishui's complaints about property compounds, 83 in 2014 and 131 in "
           "2015; Lishui's resident population expected to reach 190,000, with over 86% of home "
           "buyers from outside Foshan; about 300 communities and 1.3 million people in the "
           "district; and which measures each governance model consists of. The article gives no "
           "number for any measure: how strongly each lever acts is an assumption."),
    "zh": ("<b>事实</b>（来自关于南海试点的原始报道，情景文件中标为 [FACT]）：里水有关物业小区的投诉 2014 年 83 件、"
           "2015 年 131 件；里水常住人口预计达到 19 万，86% 以上的购房者不是佛山本地人；全区约 300 个社区、"
           "约 130 万人口；以及各治理模式包含哪些措施。报道没有给出任何措施的数值：每个措施的作用强度都是假设。"),
}

CALIBRATED = {
    "en": ("<b>Calibrated</b>: six values are fitted by ABC-SMC to seven patterns of Lishui at once "
           "(docs/calibration.md): three behavioural parameters (<code>escalation.escalate_base</code>, "
           "<code>households.fee_threshold_mean</code>, the residents' committees' mediation "
           "success) in <code>scenarios/parameters/calibrated-lishui.toml</code>, and three town "
           "figures (the occupancy path's start and growth, the share of resettlement compounds "
           "with a firm) in <code>scenarios/towns/lishui-calibrated.toml</code>. The patterns are "
           "the complaint counts of 2014 and 2015 (the only facts) and bands for mediation "
           "success, owners' committees, fee collection and firms' exits (other places' figures "
           "and assumptions). The fit narrows the fee threshold and a combination of escalation "
           "and mediation success; it does not identify the town figures. The shipped values "
           "are one point in the posterior's region, the nearest the patterns when the "
           "posterior's best particles and points around them are rerun at 100 replicates; it "
           "passes the predictive check at 100 replicates (docs/calibration.md says which and "
           "why). A design can draw from the whole posterior "
           "(<code>scenarios/pilot-robustness.toml</code>). "
           "Calibrated values are assumptions fitted to these patterns, not measurements."),
    "zh": ("<b>校准值</b>：六个数值用近似贝叶斯计算（ABC-SMC）同时拟合里水的七个模式（见 docs/calibration.md）："
           "三个行为参数（<code>escalation.escalate_base</code>、<code>households.fee_threshold_mean</code>、"
           "居委会调解成功率）在 <code>scenarios/parameters/calibrated-lishui.toml</code> 中，三个镇级数值"
           "（入住率路径的起点和增长、有物业公司的安置小区比例）在 <code>scenarios/towns/lishui-calibrated.toml</code> 中。"
           "这些模式是 2014 年和 2015 年的投诉数（唯一的事实）以及调解成功率、业主委员会、物业费收缴率和物业公司撤出的区间"
           "（来自其他地方的数据和假设）。拟合收窄了缴费阈值以及升级与调解成功率的组合，但无法确定镇级数值。"
           "所附数值是后验分布范围内的一个点：把后验中最好的粒子及其附近的点各以100次重复重新运行后最接近各模式的那个点，"
           "它通过了100次重复的后验预测检验（docs/calibration.md 说明是哪一个及原因）；试验设计可以从整个后验分布抽样"
           "（<code>scenarios/pilot-robustness.toml</code>）。校准值是按这些模式拟合的假设，不是测量值。"),
}

UNCALIBRATED = {
    "en": ("<b>Not calibrated</b>: this run does not use the parameters calibrated to Lishui's "
           "complaints; its complaint counts are not fitted to any observation."),
    "zh": "<b>未校准</b>：本次运行没有使用按里水投诉数校准的参数，其投诉数未与任何观测值拟合。",
}

ASSUMED = {
    "en": ("<b>Assumptions</b>: everything else — dispute rates, handlers' staffing, speed and "
           "success, escalation, the feedback from satisfaction to fees and firms, lever "
           "strengths, and the towns' housing, tenure and firm figures (Guicheng's and Dali's "
           "populations come from encyclopaedia entries, tagged [weak]) — is an assumption "
           "([A]) or taken from other places ([S], [weak]), with its reasoning beside it in the "
           "scenario files (docs/towns.md, docs/models.md). Read the results as what the model's "
           "mechanisms imply under these assumptions, not as forecasts."),
    "zh": ("<b>假设</b>：其余一切——纠纷发生率、各级处理者的人员、速度和成功率、升级、满意度对缴费和物业公司的反馈、"
           "各措施的强度，以及各镇的住房、产权和物业公司数据（桂城和大沥的人口来自百科条目，标为 [weak]）——"
           "都是假设（[A]）或取自其他地方的资料（[S]、[weak]），理由写在情景文件中相应数值旁"
           "（docs/towns.md、docs/models.md）。应把结果理解为在这些假设下模型机制的推论，而不是预测。"),
}

OTHER_TOWNS = {
    "en": ("<b>Other towns</b>: {towns} have no complaint data; running them with Lishui's "
           "calibrated parameters assumes that households and firms behave alike across Nanhai."),
    "zh": "<b>其他镇</b>：{towns}没有投诉数据；用里水的校准参数模拟它们，是假设全区住户和物业公司的行为相同。",
}

INTERVALS = {
    "en": ("<b>Intervals</b> are 95% Student-t intervals over {n} replicates: they measure the "
           "model's randomness only, not the uncertainty of the assumed or calibrated parameters. "
           "Differences are paired by replicate (common random numbers), so they are narrower "
           "than the spread of each model's own values. A difference whose interval excludes zero "
           "is clear against that randomness; it may still change under other assumptions."),
    "zh": ("<b>区间</b>为 {n} 次重复运行上的 95% Student-t 区间，只反映模型的随机性，不反映假设参数或校准参数的不确定性。"
           "差值按重复运行配对（共同随机数），因此比各模式自身数值的波动窄。区间不含零的差值相对于随机性是明确的，"
           "但在其他假设下仍可能改变。"),
}

DESIGN = {
    "en": ("<b>A designed experiment</b> ({kind}, {points} points): its runs differ in the "
           "design's parameters as well as in their random numbers. The yearly, monthly and "
           "daily figures average every run of every point, so their bands cover the spread "
           "over the design's parameter values as well as replicate noise, and no figure "
           "compares models at equal parameters; the per-run table (/runs), the sweep, "
           "sensitivity and robustness figures are the design's results."),
    "zh": ("<b>试验设计</b>（{kind}，{points} 个设计点）：各次运行不仅随机数不同，设计参数也不同。"
           "年度、月度和每日图对所有设计点的所有运行取平均，因此色带既包含设计参数取值范围内的差异，也包含重复运行的随机性；"
           "这些图并非在相同参数下比较各模式。试验设计的结果见逐次运行表（/runs）以及参数扫描、敏感性和稳健性图。"),
}

ABANDONED = {
    "en": ("<b>Fewer complaints is not the same as more disputes solved</b>: in these runs "
           "{low:.0f}–{high:.0f}% of disputes (by town and model) end with the household giving "
           "up, and any added handler level cuts complaints even if it resolves nothing. Read "
           "complaints beside government cases (complaints, grid referrals and rapid-response "
           "timer escalations, each a case the government handles) and the shares resolved, "
           "abandoned and still open: the comparison tables and the yearly figure show them "
           "together."),
    "zh": ("<b>投诉减少不等于解决的纠纷增加</b>：在这些运行中，{low:.0f}–{high:.0f}% 的纠纷（按镇和模式）"
           "以住户放弃告终；任何新增的处理层级即使什么也没解决，也会减少投诉。"
           "应把投诉与政府受理案件（投诉、网格转办和快速响应的超时升级，每件都由政府处理）以及已解决、"
           "放弃和仍未结的比例一起看：比较表和年度图把它们并列显示。"),
}

BURDEN = {
    "en": ("<b>The unresolved burden</b> counts, per 1,000 households and year, the days disputes "
           "stayed unresolved; a dispute the household gave up on stays unresolved until the end "
           "of the run, since giving up solves nothing. Unlike complaints, it cannot fall because "
           "households give up."),
    "zh": ("<b>未解决负担</b>统计每千户每年纠纷未获解决的天数；住户放弃的纠纷一直计为未解决，直至运行结束，"
           "因为放弃并不解决任何问题。与投诉不同，它不会因为住户放弃而下降。"),
}

COSTS = {
    "en": ("<b>Costs are assumptions</b>: every unit cost (a staff-year of each kind, a "
           "volunteer's allowance, a joint meeting, the information platform, an interim "
           "manager's subsidy, a party branch's funds; yuan at 2016 prices) is an assumption [A] "
           "in <code>scenarios/parameters/nanhai.toml</code>, section <code>[costs]</code>: no "
           "source gives them for Nanhai. The public cost leaves out property firms' staff, paid "
           "from owners' fees. Costs per extra dispute resolved or per complaint avoided are shown "
           "only where the gain is clearly above zero; they scale with the assumed unit costs."),
    "zh": ("<b>成本是假设值</b>：所有单位成本（各类人员的人年成本、志愿者补贴、联席会议、信息平台、"
           "临时物业管理补贴、党支部经费；2016年价格，单位为元）都是 <code>scenarios/parameters/nanhai.toml</code> "
           "中 <code>[costs]</code> 部分的假设 [A]：没有资料给出南海的这些数值。公共成本不含由业主物业费支付的物业公司人员。"
           "每多解决一件纠纷或每少一件投诉的成本只在改善明确大于零时给出，并随假设的单位成本成比例变化。"),
}

EVALUATION = {
    "en": ("<b>History, then policy</b>: before the policy start ({start}) every model runs the "
           "baseline, so on common random numbers its runs are the baseline's; from that date its "
           "measures act. The comparison tables, forest plots, costs and equity panels cover the "
           "{period} (the whole calendar years after the policy start); the yearly figure and the "
           "time to effect show each year."),
    "zh": ("<b>先历史、后政策</b>：政策开始（{start}）之前，各模式都按基线运行，在共同随机数下与基线的运行完全相同；"
           "自该日起各模式的措施生效。比较表、森林图、成本和群体差值覆盖{period}（政策开始后的完整日历年）；"
           "年度图和见效时间按年显示。"),
}

NO_POLICY_START = {
    "en": ("<b>No policy start</b>: the scenario sets none, so every model's measures act from "
           "the first day and the comparison covers the {period}; it is not \"what happens after "
           "a town adopts the model\"."),
    "zh": ("<b>没有政策开始日期</b>：情景未设定，因此各模式的措施从第一天起生效，比较覆盖{period}；"
           "这一比较不是“某镇采用该模式之后会怎样”。"),
}

WARMUP = {
    "en": ("<b>Warm-up</b>: {years} simulated year(s) before {year}, on the same occupancy path, "
           "let disputes, satisfaction and firms settle from their initial state; they are not "
           "reported (no /summary or /comparison row) and the monthly and daily figures leave "
           "them out."),
    "zh": ("<b>预热期</b>：{year} 年之前模拟了 {years} 年（按同一入住路径），使纠纷、满意度和物业公司从初始状态趋于稳定；"
           "预热期不报告（不进入 /summary 和 /comparison），月度和每日图也不显示。"),
}

START = {
    "en": ("<b>Start-up</b>: every run starts on 1 January {year} with no dispute open and no "
           "warm-up, so the first year includes a start-up transient."),
    "zh": "<b>起始阶段</b>：每次运行从 {year} 年 1 月 1 日开始，没有未结纠纷，也没有预热期，因此第一年包含起步阶段的过渡。",
}


def abandoned_range(results):
    """The lowest and highest share (%) of disputes abandoned, over towns and models; None
    without /summary."""
    summary = results.summary
    if summary is None or len(summary) == 0:
        return None
    totals = summary.groupby(["town", "model"], observed=True)[["abandoned", "disputes"]].sum()
    totals = totals[totals["disputes"] > 0]
    if len(totals) == 0:
        return None
    shares = 100.0 * totals["abandoned"] / totals["disputes"]
    return float(shares.min()), float(shares.max())

COMPLAINT = {
    "en": ("<b>What a complaint is</b>: the model counts a household's escalation of a dispute "
           "to a government channel (hotline, petition, department) in the year it is made; "
           "the article does not define Lishui's \"complaints about property compounds\". A grid "
           "worker's referral and a rapid-response timer's escalation are not counted as "
           "complaints but, with them, as government cases."),
    "zh": ("<b>投诉的含义</b>：模型统计住户将纠纷升级到政府渠道（热线、信访、职能部门）的次数，按提出年份计；"
           "原始报道没有说明里水“有关物业小区的投诉”的统计口径。网格员转办和快速响应的超时升级不计为投诉，"
           "而与投诉一起计入政府受理案件。"),
}


def caveats(results, lang: str) -> list:
    """The caveats (HTML fragments) that apply to `results`."""
    files = scenario_files(results.attrs.get("scenario_text", ""))
    calibrated = any("calibrated-lishui" in f for f in files)
    items = [FACTS[lang], CALIBRATED[lang] if calibrated else UNCALIBRATED[lang], ASSUMED[lang]]
    others = [t for t in results.towns if t != "lishui"]
    if calibrated and others:
        separator = "、" if lang == "zh" else ", "
        names = separator.join(html.escape(labels.name(t, lang)) for t in others)
        items.append(OTHER_TOWNS[lang].format(towns=names))
    replicates = results.attrs.get("replicates")
    items.append(INTERVALS[lang].format(n=html.escape(str(replicates))))
    if results.attrs.get("design_kind"):
        items.append(DESIGN[lang].format(kind=html.escape(str(results.attrs["design_kind"])),
                                         points=html.escape(str(results.attrs.get("design_points", "")))))
    shares = abandoned_range(results)
    if shares is not None:
        items.append(ABANDONED[lang].format(low=shares[0], high=shares[1]))
    metrics = set(results.orders.get("metric", []))
    if "burden_per_1000_households_per_year" in metrics:
        items.append(BURDEN[lang])
    if "public_cost_per_year" in metrics or results.tables.get("cost_effectiveness") is not None:
        items.append(COSTS[lang])
    items.append(COMPLAINT[lang])
    period = labels.period(*(results.evaluation_period() or (None, None)), lang)
    starts = results.policy_starts()
    if starts:
        start = ", ".join(d.strftime("%Y-%m-%d") for d in starts)
        items.append(EVALUATION[lang].format(start=start, period=html.escape(period)))
    elif results.evaluation() is not None:
        items.append(NO_POLICY_START[lang].format(period=html.escape(period)))
    warmup = int(results.attrs.get("warmup_years", 0) or 0)
    if warmup > 0 and results.start_year is not None:
        items.append(WARMUP[lang].format(years=warmup, year=results.start_year))
    elif results.start_year is not None:
        items.append(START[lang].format(year=results.start_year))
    return items
