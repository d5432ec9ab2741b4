"""Labels of figures and the report in English and Chinese (`lang` = "en" or "zh").

Names the file holds (towns, models, metrics, levels, categories) are translated here for
display; a name without a translation is shown as it is in the file.
"""

LANGUAGES = ("en", "zh")

# Towns and models of the shipped scenarios. The source article's Chinese text (a machine
# translation) misspells the towns; these are their real names.
NAMES = {
    "zh": {
        "guicheng": "桂城", "dali": "大沥", "lishui": "里水", "nanhai": "南海区",
        "baseline": "基线", "denghu": "登湖模式", "shenzhen": "深圳模式",
        "nanhai-opinions": "南海《意见》综合治理",
        "lishui-model": "里水模式",
        "self_governance": "自治团体", "firm": "物业公司", "owners_committee": "业主委员会",
        "residents_committee": "居委会", "department": "职能部门", "coordination": "统筹协调",
        "parking": "停车", "property_service": "物业服务与收费", "owners_rights": "业主权益",
        "neighbour": "邻里", "construction": "违章搭建", "sanitation": "环境卫生",
        "housing_type": "住房类型", "community_type": "社区类型", "tenure": "产权", "origin": "户籍来源",
        "commodity": "商品房", "resettlement": "安置房", "old": "老旧小区",
        "village_converted": "村改居", "urban": "城市社区", "owner": "业主", "tenant": "租户",
        "local": "本地", "non_local": "外地",
        "housing": "住房类型", "community": "社区类型", "old_unmanaged": "老旧无物业小区",
        "owner_occupier": "自住业主", "absent_owner": "不在住业主", "local_owner": "本地业主",
        "nonlocal_owner": "外地业主",
    },
    "en": {
        "guicheng": "Guicheng", "dali": "Dali", "lishui": "Lishui", "nanhai": "Nanhai",
        "baseline": "baseline", "denghu": "Denghu", "shenzhen": "Shenzhen",
        "nanhai-opinions": "Nanhai opinions", "lishui-model": "Lishui",
        "self_governance": "self-governance groups", "firm": "property firms",
        "owners_committee": "owners' committees", "residents_committee": "residents' committees",
        "department": "town departments", "coordination": "coordination",
        "parking": "parking", "property_service": "property service and fees",
        "owners_rights": "owners' rights", "neighbour": "neighbours",
        "construction": "illegal construction", "sanitation": "sanitation",
        "housing_type": "housing type", "community_type": "community type", "tenure": "tenure",
        "origin": "origin", "commodity": "commodity", "resettlement": "resettlement",
        "old": "old", "village_converted": "village-converted", "urban": "urban",
        "owner": "owner", "tenant": "tenant", "local": "local", "non_local": "non-local",
        "housing": "housing type", "community": "community type",
        "old_unmanaged": "old / unmanaged", "owner_occupier": "owner-occupier",
        "absent_owner": "absent owner", "local_owner": "local owner",
        "nonlocal_owner": "non-local owner",
    },
}

# A model that shares its town's name ("lishui") is shown as "Lishui model" where both appear.
MODEL_NAME_SUFFIX = {"en": " model", "zh": ""}


def name(value, lang: str, kind: str = "") -> str:
    """Display name of a town, model, level or category."""
    value = str(value)
    if kind == "model" and value == "lishui":
        return NAMES[lang]["lishui-model"] + MODEL_NAME_SUFFIX[lang]
    shown = NAMES[lang].get(value, value)
    if kind == "model" and value in ("denghu", "shenzhen"):
        shown += MODEL_NAME_SUFFIX[lang]
    return shown


# Metrics: (label, unit, scale): values are multiplied by scale for display (100 for shares
# shown in %, 1e-6 for yuan shown in millions).
METRICS = {
    "en": {
        "dispute_rate_per_1000_households_per_year": ("disputes", "per 1,000 households per year", 1.0),
        "dispute_rate_per_1000_households": ("disputes", "per 1,000 households per year", 1.0),
        "complaints_per_year": ("complaints", "per year", 1.0),
        "complaints": ("complaints", "per year", 1.0),
        "mean_resolution_days": ("mean time to resolution", "days", 1.0),
        "median_resolution_days": ("median time to resolution", "days", 1.0),
        "p90_resolution_days": ("90th percentile time to resolution", "days", 1.0),
        "share_resolved_within_30_days": ("resolved within 30 days", "% of disputes", 100.0),
        "abandoned_share": ("abandoned by the household", "% of disputes", 100.0),
        "mean_satisfaction": ("satisfaction with service", "mean, 0–1", 1.0),
        "mean_trust": ("trust in institutions", "mean, 0–1", 1.0),
        "fee_collection": ("fee collection", "% of households paying", 100.0),
        "managed_compounds": ("compounds managed by a firm", "count", 1.0),
        "abandonments": ("firms leaving compounds", "count per month", 1.0),
        "owners_committees": ("compounds with an owners' committee", "count", 1.0),
        "functioning_committees": ("functioning owners' committees", "count", 1.0),
        "firm_balance": ("firms' cumulative result", "fee units", 1.0),
        "open": ("open disputes (backlog)", "count", 1.0),
        "utilisation": ("utilisation", "% of staff busy", 100.0),
        "cost_per_year": ("cost", "yuan per year", 1.0),
        "abandoned_share_of_disputes": ("abandoned by the household", "% of disputes", 100.0),
        "resolved_share": ("resolved", "% of disputes", 100.0),
        "government_cases_per_year": ("government cases", "per year", 1.0),
        "government_cases": ("government cases", "per year", 1.0),
        "grid_referrals": ("grid referrals", "per year", 1.0),
        "timer_escalations": ("timer escalations", "per year", 1.0),
        "open_share_at_end": ("still open at the end", "% of disputes", 100.0),
        "burden_per_1000_households_per_year": ("unresolved dispute-days",
                                                "per 1,000 households per year", 1.0),
        "burden_per_1000_households": ("unresolved dispute-days", "per 1,000 households per year",
                                       1.0),
        "public_cost_per_year": ("public cost", "million yuan per year", 1e-6),
        "public_cost": ("public cost", "million yuan per year", 1e-6),
        "fee_funded_cost": ("cost paid from fees", "million yuan per year", 1e-6),
    },
    "zh": {
        "dispute_rate_per_1000_households_per_year": ("纠纷发生率", "每千户每年", 1.0),
        "dispute_rate_per_1000_households": ("纠纷发生率", "每千户每年", 1.0),
        "complaints_per_year": ("投诉", "件/年", 1.0),
        "complaints": ("投诉", "件/年", 1.0),
        "mean_resolution_days": ("平均解决时间", "天", 1.0),
        "median_resolution_days": ("解决时间中位数", "天", 1.0),
        "p90_resolution_days": ("解决时间第90百分位", "天", 1.0),
        "share_resolved_within_30_days": ("30天内解决", "占纠纷的%", 100.0),
        "abandoned_share": ("住户放弃", "占纠纷的%", 100.0),
        "mean_satisfaction": ("服务满意度", "均值，0–1", 1.0),
        "mean_trust": ("对机构的信任", "均值，0–1", 1.0),
        "fee_collection": ("物业费收缴率", "缴费住户%", 100.0),
        "managed_compounds": ("有物业公司管理的小区", "个", 1.0),
        "abandonments": ("物业公司弃管", "个/月", 1.0),
        "owners_committees": ("成立业主委员会的小区", "个", 1.0),
        "functioning_committees": ("正常运作的业主委员会", "个", 1.0),
        "firm_balance": ("物业公司累计收支", "物业费单位", 1.0),
        "open": ("未结纠纷（积压）", "件", 1.0),
        "utilisation": ("利用率", "人员忙碌%", 100.0),
        "cost_per_year": ("成本", "元/年", 1.0),
        "abandoned_share_of_disputes": ("住户放弃", "占纠纷的%", 100.0),
        "resolved_share": ("已解决", "占纠纷的%", 100.0),
        "government_cases_per_year": ("政府受理案件", "件/年", 1.0),
        "government_cases": ("政府受理案件", "件/年", 1.0),
        "grid_referrals": ("网格转办", "件/年", 1.0),
        "timer_escalations": ("超时自动升级", "件/年", 1.0),
        "open_share_at_end": ("期末仍未结", "占纠纷的%", 100.0),
        "burden_per_1000_households_per_year": ("未解决纠纷天数", "每千户每年", 1.0),
        "burden_per_1000_households": ("未解决纠纷天数", "每千户每年", 1.0),
        "public_cost_per_year": ("公共成本", "百万元/年", 1e-6),
        "public_cost": ("公共成本", "百万元/年", 1e-6),
        "fee_funded_cost": ("由物业费支付的成本", "百万元/年", 1e-6),
    },
}


def metric(key: str, lang: str):
    """(label, unit, scale) of a metric or column; unknown ones are shown by their key."""
    return METRICS[lang].get(key, (key.replace("_", " "), "", 1.0))


def axis_label(key: str, lang: str, prefix: str = "") -> str:
    label, unit, _ = metric(key, lang)
    text = f"{prefix}{label}"
    return f"{text} ({unit})" if unit else text


TEXT = {
    "en": {
        "difference_from": "difference from {baseline}",
        "difference_from_baseline": "difference from the baseline",
        "pp": "percentage points",
        "forest_title": "Paired difference from the baseline over the {period}, mean and 95% interval over replicates",
        "forest_caption": ("Each point is a model's mean difference from its town's baseline "
                           "({baselines}) over the {period}, over replicates paired by common "
                           "random numbers; the bar is its 95% Student-t interval. Left of zero "
                           "is better for disputes, complaints, government cases, the shares "
                           "abandoned and still open, resolution times and the unresolved "
                           "burden; right of zero is better for the shares resolved. Fewer "
                           "complaints with a larger share abandoned is households giving up, "
                           "not disputes solved. Costs are assumptions. Intervals cover "
                           "replicate noise only, not the uncertainty of assumed parameters."),
        "relative_title": "Relative change from the baseline over the {period}, with 95% paired-bootstrap intervals",
        "relative_caption": ("The same differences as a percentage of the baseline's mean over "
                             "the {period} ({baselines}); the bar is the comparison's 95% "
                             "paired-bootstrap interval of the ratio. Shares change relative to "
                             "their own level (a share going from 40% to 50% is +25%). No point "
                             "where the baseline's mean is 0."),
        "pct_of_baseline": "% of the baseline's mean",
        "period_years": "evaluation period {first}–{last}",
        "period_run": "whole run",
        "period_year": "evaluation period {year}",
        "yearly_comparison_caption": ("Mean over replicates with its 95% Student-t interval, per "
                                      "calendar year, from /comparison (the warm-up is not "
                                      "reported). Before the policy start (dashed line) every "
                                      "model runs the baseline; the shaded years are the "
                                      "evaluation period. Disputes are counted in the year of "
                                      "their onset and followed to the end of the run; "
                                      "complaints and government cases (complaints, grid "
                                      "referrals and timer escalations) in the year they were "
                                      "made. The unresolved burden counts the days each dispute "
                                      "stayed unresolved in the year, an abandoned one until the end of the run. "
                                      "Public cost is priced with assumed unit costs."),
        "yearly_title": "Outcomes by year and model",
        "yearly_caption": ("Mean over replicates with its 95% Student-t interval. Disputes are "
                           "counted in the year of their onset and followed to the end of the "
                           "run; complaints in the year they were made. 'Abandoned' is the "
                           "share of the year's disputes that the household gave up on "
                           "unresolved."),
        "monthly_title": "Households, firms and committees by month — {town}",
        "monthly_caption": ("Lines are means over replicates; bands their 95% Student-t "
                            "interval (clipped to the quantity's range). Values at the end of each month (firms leaving "
                            "compounds: during the month)."),
        "daily_title": "Dispute backlog and handler load by day — {town}",
        "daily_caption": ("Backlog: disputes open at the end of each day, mean over "
                          "replicates with its 95% interval (band). Load: share of each "
                          "handler level's staff busy, averaged over replicates and over each "
                          "week. Levels without staff in any model are left out."),
        "year": "year",
        "date": "date",
        "backlog": "open disputes (count)",
        "model": "model",
        "town": "town",
        "policy_start": "policy start",
        "no_interval": "one replicate: no intervals",
        "design_means_note": ("This file is a designed experiment: the means and bands are over "
                              "every run of every design point, so they include the spread over "
                              "the design's parameter values, not replicate noise alone."),
    },
    "zh": {
        "difference_from": "与{baseline}之差",
        "difference_from_baseline": "与基线之差",
        "pp": "百分点",
        "forest_title": "{period}与基线的配对差值：各重复运行的均值及95%置信区间",
        "forest_caption": ("每个点是某治理模式在{period}与本镇基线（{baselines}）之差在各重复运行（共同随机数配对）"
                           "上的均值，横线为其95% Student-t 区间。纠纷、投诉、政府受理案件、放弃和未结比例、"
                           "解决时间和未解决负担以零左侧为好；已解决的比例以零右侧为好。投诉减少而放弃比例上升，"
                           "是住户放弃，而不是纠纷得到解决。成本为假设值。区间只反映重复运行的随机波动，不反映假设参数的不确定性。"),
        "relative_title": "{period}相对基线的变化及95%配对自助法区间",
        "relative_caption": ("同一差值占基线在{period}均值（{baselines}）的百分比；横线为比较表中该比值的"
                             "95%配对自助法区间。比例按其自身水平计算相对变化（从40%升到50%为+25%）。"
                             "基线均值为0时不画点。"),
        "pct_of_baseline": "占基线均值的%",
        "period_years": "评估期 {first}–{last} 年",
        "period_run": "整个运行期",
        "period_year": "评估期 {year} 年",
        "yearly_comparison_caption": ("各重复运行的均值及其95% Student-t 区间，按日历年，数据来自 /comparison"
                                      "（预热期不报告）。政策开始（虚线）之前各模式都按基线运行；阴影部分为评估期。"
                                      "纠纷按发生年份计，并跟踪至运行结束；投诉和政府受理案件（投诉、网格转办和超时升级）"
                                      "按提出年份计。未解决负担统计每件纠纷在当年未获解决的天数，住户放弃的纠纷一直计至运行结束。"
                                      "公共成本按假设的单位成本计算。"),
        "yearly_title": "各年份、各治理模式的结果",
        "yearly_caption": ("各重复运行的均值及其95% Student-t 区间。纠纷按发生年份计，并跟踪至运行结束；"
                           "投诉按提出年份计。“住户放弃”为当年纠纷中住户未获解决而放弃的比例。"),
        "monthly_title": "住户、物业公司和业主委员会的月度变化 — {town}",
        "monthly_caption": "线为各重复运行的均值，色带为其95% Student-t 区间。数值为月末状态（弃管为当月次数）。",
        "daily_title": "每日纠纷积压与各级处理者负荷 — {town}",
        "daily_caption": ("积压：每日结束时未结的纠纷，各重复运行的均值及其95%区间（色带）。负荷："
                          "各级处理者人员忙碌的比例，按重复运行和每周平均。在任何模式下都没有人员的层级不显示。"),
        "year": "年份",
        "date": "日期",
        "backlog": "未结纠纷（件）",
        "model": "治理模式",
        "town": "镇（街道）",
        "policy_start": "政策开始",
        "no_interval": "仅一次重复运行：无区间",
        "design_means_note": "本文件是试验设计：均值和色带针对所有设计点的所有运行，因此包含设计参数取值范围内的差异，而不只是重复运行的随机性。",
    },
}


def text(key: str, lang: str, **fields) -> str:
    return TEXT[lang][key].format(**fields)


def period(first, last, lang: str) -> str:
    """The evaluation period's name: "evaluation period 2017–2019" (one year: "… 2016")."""
    if first is None:
        return text("period_run", lang)
    if first == last:
        return text("period_year", lang, year=first)
    return text("period_years", lang, first=first, last=last)
