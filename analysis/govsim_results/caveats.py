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
    "en": ("<b>Calibrated</b>: three behavioural parameters (<code>escalation.escalate_base</code>, "
           "<code>escalation.government_trust_weight</code>, "
           "<code>households.fee_threshold_mean</code>) are the posterior means of an ABC-SMC fit "
           "to Lishui's two complaint counts (<code>scenarios/parameters/calibrated-lishui.toml</code>, "
           "docs/calibration.md). Two numbers cannot identify three parameters: the first two are "
           "only identified together, and other assumed values would fit as well. The fit was made "
           "on an earlier version of the model, before owners, firms and committees made their own "
           "decisions, and is to be redone. Calibrated values are not measurements."),
    "zh": ("<b>校准值</b>：三个行为参数（<code>escalation.escalate_base</code>、"
           "<code>escalation.government_trust_weight</code>、<code>households.fee_threshold_mean</code>）"
           "取自以近似贝叶斯计算（ABC-SMC）拟合里水两个年度投诉数的后验均值"
           "（<code>scenarios/parameters/calibrated-lishui.toml</code>，见 docs/calibration.md）。"
           "两个数字无法确定三个参数：前两个参数只能共同确定，其他假设值下也可能同样吻合。"
           "这一拟合是在模型的早期版本（业主、物业公司和委员会尚不能自行决策）上做的，有待重新校准。校准值不是测量值。"),
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

ABANDONED = {
    "en": ("<b>Fewer complaints is not the same as more disputes solved</b>: in these runs "
           "{low:.0f}–{high:.0f}% of disputes (by town and model) end with the household giving "
           "up, and a model can reduce complaints partly by that. Read complaints beside the share "
           "resolved within 30 days and the share abandoned (yearly figure)."),
    "zh": ("<b>投诉减少不等于解决的纠纷增加</b>：在这些运行中，{low:.0f}–{high:.0f}% 的纠纷（按镇和模式）"
           "以住户放弃告终，某个模式减少投诉可能部分由此而来。"
           "应把投诉与 30 天内解决的比例和住户放弃的比例（年度图）一起看。"),
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
           "the article does not define Lishui's \"complaints about property compounds\"."),
    "zh": ("<b>投诉的含义</b>：模型统计住户将纠纷升级到政府渠道（热线、信访、职能部门）的次数，按提出年份计；"
           "原始报道没有说明里水“有关物业小区的投诉”的统计口径。"),
}

START = {
    "en": ("<b>Start-up</b>: every run starts on 1 January {year} with no dispute open, so the "
           "first year includes a start-up transient; and every model's measures act from the "
           "first day (the file records no policy start date), so the comparison is not \"what "
           "happens after a town adopts the model\"."),
    "zh": ("<b>起始阶段</b>：每次运行从 {year} 年 1 月 1 日开始，且没有未结纠纷，因此第一年包含起步阶段的过渡；"
           "各模式的措施从第一天起生效（结果文件没有记录政策开始日期），因此这一比较不是“某镇采用该模式之后会怎样”。"),
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
    shares = abandoned_range(results)
    if shares is not None:
        items.append(ABANDONED[lang].format(low=shares[0], high=shares[1]))
    items.append(COMPLAINT[lang])
    if "policy_start_day" not in results.attrs and "policy_start_date" not in results.attrs \
            and "warmup_days" not in results.attrs and results.start_year is not None:
        items.append(START[lang].format(year=results.start_year))
    return items
