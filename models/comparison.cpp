#include "models/comparison.hpp"

#include "analysis/statistics.hpp"
#include "sim/random.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <functional>
#include <map>
#include <stdexcept>

namespace govsim::models {

namespace {
constexpr double nan = std::numeric_limits<double>::quiet_NaN();
}

double metric_value(const YearRow& row, double years, Metric metric) {
    const DisputeStats& s = row.stats;
    const auto per_year = [years](double x) { return years > 0 ? x / years : nan; };
    switch (metric) {
    case Metric::DisputeRate:
        return row.dispute_rate_per_1000_households;
    case Metric::ComplaintsPerYear:
        return per_year(static_cast<double>(s.complaints));
    case Metric::GovernmentCasesPerYear:
        return per_year(static_cast<double>(s.government_cases()));
    case Metric::ResolvedShare:
        return s.share(s.resolved);
    case Metric::AbandonedShare:
        return s.share(s.abandoned);
    case Metric::OpenShareAtEnd:
        return s.share(s.open_at_end);
    case Metric::MeanResolution:
        return s.mean_resolution_days;
    case Metric::MedianResolution:
        return s.median_resolution_days;
    case Metric::P90Resolution:
        return s.p90_resolution_days;
    case Metric::ResolvedWithin30:
        return s.share_resolved_within_30_days;
    case Metric::Burden:
        return row.burden_per_1000_households;
    case Metric::PublicCostPerYear:
        return per_year(row.public_cost);
    }
    return nan;
}

double metric_value(const RunResult& run, Metric metric) {
    return metric_value(run.evaluation, run.evaluated_to - run.evaluated_from + 1.0, metric);
}

std::optional<Metric> metric_from_name(std::string_view name) {
    for (std::size_t m = 0; m < metric_count; ++m)
        if (metric_names[m] == name)
            return static_cast<Metric>(m);
    return std::nullopt;
}

namespace {

/// Runs of one (town, model), indexed by replicate.
using ByReplicate = std::map<std::uint32_t, const RunResult*>;

std::vector<std::string> in_order_of_appearance(const std::vector<RunResult>& runs,
                                                std::string RunKey::*field,
                                                const std::string* town = nullptr) {
    std::vector<std::string> out;
    for (const RunResult& r : runs) {
        if (town && r.key.town != *town)
            continue;
        const std::string& v = r.key.*field;
        if (std::find(out.begin(), out.end(), v) == out.end())
            out.push_back(v);
    }
    return out;
}

/// Bootstrap resamples for the intervals of ratios (percentile intervals).
constexpr std::size_t bootstrap_resamples = 2000;

/// A 95% percentile interval of ratio(mean of xs, mean of ys) over paired resamples of the
/// indices of xs and ys (the same length). NaN bounds when fewer than 2 pairs or a resample's
/// ratio is not finite in more than 2.5% of resamples.
analysis::Interval paired_bootstrap(const std::vector<double>& xs, const std::vector<double>& ys,
                                    const std::function<double(double, double)>& ratio,
                                    sim::Stream& stream) {
    const std::size_t n = xs.size();
    analysis::Interval out{ratio(analysis::mean(xs), analysis::mean(ys)), nan, nan, n};
    if (n < 2)
        return out;
    std::vector<double> values;
    values.reserve(bootstrap_resamples);
    for (std::size_t b = 0; b < bootstrap_resamples; ++b) {
        double sx = 0, sy = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const std::size_t k = stream.below(static_cast<std::uint32_t>(n));
            sx += xs[k];
            sy += ys[k];
        }
        const double v = ratio(sx / static_cast<double>(n), sy / static_cast<double>(n));
        values.push_back(std::isfinite(v) ? v : nan);
    }
    if (static_cast<double>(analysis::count_valid(values)) < 0.975 * bootstrap_resamples)
        return out;
    // Non-finite resamples sort to the ends and are skipped by the quantiles.
    std::sort(values.begin(), values.end(), [](double a, double b) {
        return std::isnan(b) ? !std::isnan(a) : (!std::isnan(a) && a < b);
    });
    out.lower = analysis::quantile_sorted(values, 0.025);
    out.upper = analysis::quantile_sorted(values, 0.975);
    return out;
}

/// A key for the bootstrap stream of one comparison (town, model, metric, year).
std::uint64_t key_of(std::string_view town, std::string_view model) {
    std::uint64_t h = 1469598103934665603ULL; // FNV-1a: a fixed, portable hash of the names
    for (const char c : town)
        h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    h = (h ^ 0xffU) * 1099511628211ULL;
    for (const char c : model)
        h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    return h;
}

/// The rows of one (town, model, metric) for one period: the values of `value` over the
/// model's replicates, paired with the baseline's.
ComparisonRow compare(const ByReplicate& these, const ByReplicate& base,
                      const std::function<double(const RunResult&)>& value, sim::Stream stream) {
    std::vector<double> values, differences, paired_model, paired_base;
    for (const auto& [replicate, run] : these) {
        const double v = value(*run);
        values.push_back(v);
        // Paired with the baseline's run of the same replicate, where there is one.
        if (const auto b = base.find(replicate); b != base.end()) {
            const double w = value(*b->second);
            differences.push_back(v - w);
            if (!std::isnan(v) && !std::isnan(w)) {
                paired_model.push_back(v);
                paired_base.push_back(w);
            }
        }
    }
    const auto ci = analysis::mean_ci(values);
    const auto diff = analysis::mean_ci(differences);
    ComparisonRow row;
    row.replicates = values.size();
    row.mean = ci.estimate;
    row.lower = ci.lower;
    row.upper = ci.upper;
    row.difference = diff.estimate;
    row.difference_lower = diff.lower;
    row.difference_upper = diff.upper;
    const auto relative = paired_bootstrap(
        paired_model, paired_base,
        [](double m, double b) { return b != 0 ? (m - b) / std::abs(b) : nan; }, stream);
    row.relative = relative.estimate;
    row.relative_lower = relative.lower;
    row.relative_upper = relative.upper;
    return row;
}

bool significant(const ComparisonRow& r) {
    return r.difference_lower > 0 || r.difference_upper < 0; // NaN compares false
}

CostEffectRow cost_effect(const ByReplicate& these, const ByReplicate& base, sim::Stream stream) {
    std::vector<double> cost, resolved, avoided;
    for (const auto& [replicate, run] : these) {
        const auto b = base.find(replicate);
        if (b == base.end())
            continue;
        const RunResult& m = *run;
        const RunResult& o = *b->second;
        const double years = m.evaluated_to - m.evaluated_from + 1.0;
        cost.push_back((m.evaluation.public_cost - o.evaluation.public_cost) / years);
        resolved.push_back((static_cast<double>(m.evaluation.stats.resolved) -
                            static_cast<double>(o.evaluation.stats.resolved)) /
                           years);
        avoided.push_back((static_cast<double>(o.evaluation.stats.complaints) -
                           static_cast<double>(m.evaluation.stats.complaints)) /
                          years);
    }
    CostEffectRow row;
    row.replicates = cost.size();
    const auto c = analysis::mean_ci(cost), r = analysis::mean_ci(resolved),
               a = analysis::mean_ci(avoided);
    row.extra_cost = c.estimate;
    row.extra_cost_lower = c.lower;
    row.extra_cost_upper = c.upper;
    row.extra_resolved = r.estimate;
    row.extra_resolved_lower = r.lower;
    row.extra_resolved_upper = r.upper;
    row.complaints_avoided = a.estimate;
    row.complaints_avoided_lower = a.lower;
    row.complaints_avoided_upper = a.upper;
    // A price per unit of gain only where the gain is significantly above 0.
    const auto per = [](double x, double y) { return y > 0 ? x / y : nan; };
    const auto price = [&](const analysis::Interval& gain, const std::vector<double>& gains,
                           double& est, double& lo, double& hi) {
        est = lo = hi = nan;
        if (!(gain.lower > 0))
            return;
        const auto i = paired_bootstrap(cost, gains, per, stream);
        est = i.estimate;
        lo = i.lower;
        hi = i.upper;
    };
    price(r, resolved, row.cost_per_extra_resolved, row.cost_per_extra_resolved_lower,
          row.cost_per_extra_resolved_upper);
    price(a, avoided, row.cost_per_complaint_avoided, row.cost_per_complaint_avoided_lower,
          row.cost_per_complaint_avoided_upper);
    return row;
}

} // namespace

Comparison compare_models(const std::vector<RunResult>& runs, std::string_view baseline_model,
                          std::uint64_t seed) {
    std::map<std::pair<std::string, std::string>, ByReplicate> groups;
    for (const RunResult& r : runs)
        groups[{r.key.town, r.key.model}][r.key.replicate] = &r;

    Comparison out;
    for (const std::string& town : in_order_of_appearance(runs, &RunKey::town)) {
        const auto models = in_order_of_appearance(runs, &RunKey::model, &town);
        const std::string base =
            std::find(models.begin(), models.end(), baseline_model) != models.end()
                ? std::string(baseline_model)
                : models.front();
        const ByReplicate& base_runs = groups.at({town, base});
        const RunResult& first = *base_runs.begin()->second;
        std::vector<ComparisonRow> yearly;
        for (const std::string& model : models) {
            const ByReplicate& these = groups.at({town, model});
            const std::uint64_t key = key_of(town, model);
            for (std::size_t m = 0; m < metric_count; ++m) {
                const auto metric = static_cast<Metric>(m);
                const auto label = [&](ComparisonRow& row, int year, int from, int to) {
                    row.town = town;
                    row.model = model;
                    row.metric = metric;
                    row.baseline = base;
                    row.year = year;
                    row.first_year = from;
                    row.last_year = to;
                };
                ComparisonRow row = compare(
                    these, base_runs,
                    [metric](const RunResult& r) { return metric_value(r, metric); },
                    sim::Stream(seed, key, m, 0));
                label(row, 0, first.evaluated_from, first.evaluated_to);
                for (std::size_t y = 0; y < first.years.size(); ++y) {
                    ComparisonRow year_row = compare(
                        these, base_runs,
                        [metric, y](const RunResult& r) {
                            return y < r.years.size() ? metric_value(r.years[y], 1.0, metric) : nan;
                        },
                        sim::Stream(seed, key, m, y + 1));
                    const int calendar = first.years[y].year;
                    label(year_row, calendar, calendar, calendar);
                    if (row.first_significant_year == 0 && model != base && significant(year_row))
                        row.first_significant_year = calendar;
                    yearly.push_back(std::move(year_row));
                }
                out.rows.push_back(std::move(row));
            }
            // Equity: each group's outcomes and their differences from the baseline.
            for (std::size_t e = 0; e < first.equity.size(); ++e) {
                const EquityRow& g = first.equity[e];
                for (std::size_t k = 0; k < equity_metrics.size(); ++k) {
                    const Metric metric = equity_metrics[k];
                    ComparisonRow row = compare(
                        these, base_runs,
                        [e, metric](const RunResult& r) {
                            if (e >= r.equity.size())
                                return nan;
                            YearRow y;
                            y.stats = r.equity[e].stats;
                            return metric_value(y, r.evaluated_to - r.evaluated_from + 1.0, metric);
                        },
                        sim::Stream(seed, key, metric_count + 1 + e, k));
                    row.town = town;
                    row.model = model;
                    row.metric = metric;
                    row.baseline = base;
                    row.first_year = first.evaluated_from;
                    row.last_year = first.evaluated_to;
                    row.dimension = equity_dimension_names[static_cast<std::size_t>(g.dimension)];
                    row.group = equity_group_name(g.dimension, g.group);
                    out.equity.push_back(std::move(row));
                }
            }
            if (model != base) {
                CostEffectRow c =
                    cost_effect(these, base_runs, sim::Stream(seed, key, metric_count, 0));
                c.town = town;
                c.model = model;
                c.baseline = base;
                out.costs.push_back(std::move(c));
            }
        }
        std::move(yearly.begin(), yearly.end(), std::back_inserter(out.rows));
    }
    return out;
}

std::string comparison_csv(const Comparison& c) {
    std::string out = "town,model,dimension,group,metric,year,first_year,last_year,replicates,"
                      "mean,lower,upper,baseline,difference,difference_lower,difference_upper,"
                      "relative,relative_lower,relative_upper,first_significant_year\n";
    const auto line = [&out](const ComparisonRow& r, std::string_view metric,
                             std::string_view dimension, std::string_view group) {
        out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", r.town,
                           r.model, dimension, group, metric, r.year, r.first_year, r.last_year,
                           r.replicates, r.mean, r.lower, r.upper, r.baseline, r.difference,
                           r.difference_lower, r.difference_upper, r.relative, r.relative_lower,
                           r.relative_upper, r.first_significant_year);
    };
    for (const ComparisonRow& r : c.rows)
        line(r, metric_names[static_cast<std::size_t>(r.metric)], "all", "all");
    for (const ComparisonRow& r : c.equity)
        line(r, metric_names[static_cast<std::size_t>(r.metric)], r.dimension, r.group);
    // What the gains cost: each quantity as a row of its own (mean and interval; the
    // difference columns are NaN, the quantities being differences or their ratios already).
    for (const CostEffectRow& e : c.costs) {
        ComparisonRow r;
        r.town = e.town;
        r.model = e.model;
        r.baseline = e.baseline;
        r.replicates = e.replicates;
        r.difference = r.difference_lower = r.difference_upper = nan;
        r.relative = r.relative_lower = r.relative_upper = nan;
        const auto quantity = [&](std::string_view name, double mean, double lo, double hi) {
            r.mean = mean;
            r.lower = lo;
            r.upper = hi;
            line(r, name, "all", "all");
        };
        quantity("extra_public_cost_per_year", e.extra_cost, e.extra_cost_lower,
                 e.extra_cost_upper);
        quantity("extra_resolved_per_year", e.extra_resolved, e.extra_resolved_lower,
                 e.extra_resolved_upper);
        quantity("complaints_avoided_per_year", e.complaints_avoided, e.complaints_avoided_lower,
                 e.complaints_avoided_upper);
        quantity("cost_per_extra_resolved", e.cost_per_extra_resolved,
                 e.cost_per_extra_resolved_lower, e.cost_per_extra_resolved_upper);
        quantity("cost_per_complaint_avoided", e.cost_per_complaint_avoided,
                 e.cost_per_complaint_avoided_lower, e.cost_per_complaint_avoided_upper);
    }
    return out;
}

namespace {

/// "est ± half-width" (scaled), "—" when undefined.
std::string with_interval(double estimate, double lower, double upper, double scale,
                          bool sign = false, int decimals = 1) {
    if (std::isnan(estimate))
        return "—";
    const double half = 0.5 * (upper - lower) * scale;
    const std::string est = sign ? fmt::format("{:+.{}f}", estimate * scale, decimals)
                                 : fmt::format("{:.{}f}", estimate * scale, decimals);
    return std::isnan(half) ? est : fmt::format("{} ± {:.{}f}", est, half, decimals);
}

struct Column {
    Metric metric;
    std::string_view header;
    double scale; ///< to the printed unit
    int decimals;
};

/// The printed table's two blocks of columns.
constexpr std::array<Column, 6> outcome_columns{{
    {Metric::DisputeRate, "per 1,000 hh/yr", 1, 1},
    {Metric::ComplaintsPerYear, "complaints/yr", 1, 1},
    {Metric::GovernmentCasesPerYear, "gov. cases/yr", 1, 1},
    {Metric::ResolvedShare, "resolved %", 100, 1},
    {Metric::AbandonedShare, "abandoned %", 100, 1},
    {Metric::OpenShareAtEnd, "open at end %", 100, 1},
}};
constexpr std::array<Column, 6> time_columns{{
    {Metric::MedianResolution, "median days", 1, 1},
    {Metric::P90Resolution, "p90 days", 1, 1},
    {Metric::ResolvedWithin30, "≤30 days %", 100, 1},
    {Metric::Burden, "open days/1,000hh", 1, 0},
    {Metric::PublicCostPerYear, "public cost 10k¥/yr", 1e-4, 1},
    {Metric::MeanResolution, "mean days", 1, 1},
}};

} // namespace

MetricDisplay display_of(Metric metric) {
    for (const auto& columns : {outcome_columns, time_columns})
        for (const Column& c : columns)
            if (c.metric == metric)
                return {c.header, c.scale, c.decimals};
    return {metric_names[static_cast<std::size_t>(metric)], 1, 3};
}

std::string pad_left(const std::string& s, std::size_t width) {
    // Display width: count code points, not bytes (± and ≤ are multi-byte).
    std::size_t points = 0;
    for (const char c : s)
        points += (static_cast<unsigned char>(c) & 0xC0U) != 0x80U ? 1U : 0U;
    return points >= width ? " " + s : std::string(width - points, ' ') + s;
}

std::string comparison_table(const Comparison& comparison) {
    std::string out;
    std::vector<const ComparisonRow*> block; // one town's evaluation rows, metric-major per model
    const auto find = [&](const std::string& model, Metric m) -> const ComparisonRow* {
        for (const ComparisonRow* r : block)
            if (r->model == model && r->metric == m)
                return r;
        return nullptr;
    };
    auto flush = [&] {
        if (block.empty())
            return;
        const ComparisonRow& head = *block.front();
        std::vector<std::string> models;
        for (const ComparisonRow* r : block)
            if (std::find(models.begin(), models.end(), r->model) == models.end())
                models.push_back(r->model);
        out += fmt::format("\n{} — {}–{}, mean ± 95% interval half-width over {} replicates\n",
                           head.town, head.first_year, head.last_year, head.replicates);
        for (const auto* columns : {&outcome_columns, &time_columns}) {
            std::string header = fmt::format("{:<18}", "model");
            for (const Column& c : *columns)
                header += pad_left(std::string(c.header), 20);
            out += header + "\n";
            for (const std::string& model : models) {
                std::string line = fmt::format("{:<18}", model);
                for (const Column& c : *columns) {
                    const ComparisonRow* r = find(model, c.metric);
                    line += pad_left(
                        r ? with_interval(r->mean, r->lower, r->upper, c.scale, false, c.decimals)
                          : "—",
                        20);
                }
                out += line + "\n";
            }
            out += fmt::format("difference from {} (paired by replicate; relative change in "
                               "brackets)\n",
                               head.baseline);
            for (const std::string& model : models) {
                if (model == head.baseline)
                    continue;
                std::string line = fmt::format("{:<18}", model);
                for (const Column& c : *columns) {
                    const ComparisonRow* r = find(model, c.metric);
                    std::string cell =
                        r ? with_interval(r->difference, r->difference_lower, r->difference_upper,
                                          c.scale, true, c.decimals)
                          : "—";
                    if (r && std::isfinite(r->relative))
                        cell += fmt::format(" ({:+.0f}%)", 100 * r->relative);
                    line += pad_left(cell, 20);
                }
                out += line + "\n";
            }
        }
        // Time to effect: the first year each difference was significant.
        bool any = false;
        std::string effect = "first year with a significant difference (time to effect):\n";
        for (const std::string& model : models) {
            if (model == head.baseline)
                continue;
            std::string line = fmt::format("{:<18}", model);
            for (const Metric m : {Metric::ComplaintsPerYear, Metric::GovernmentCasesPerYear,
                                   Metric::ResolvedShare, Metric::AbandonedShare, Metric::Burden}) {
                const ComparisonRow* r = find(model, m);
                const int y = r ? r->first_significant_year : 0;
                any = any || y != 0;
                line += fmt::format("  {} {}", metric_names[static_cast<std::size_t>(m)],
                                    y ? std::to_string(y) : std::string("never"));
            }
            effect += line + "\n";
        }
        if (any)
            out += effect;
        block.clear();
    };
    for (const ComparisonRow& r : comparison.rows) {
        if (r.year != 0)
            continue;
        if (!block.empty() && r.town != block.front()->town)
            flush();
        block.push_back(&r);
    }
    flush();
    // What the gains cost.
    bool priced = false;
    for (const CostEffectRow& c : comparison.costs)
        priced = priced || std::isfinite(c.extra_cost);
    if (priced) {
        out += "\nwhat it costs (public money, yuan a year, against each town's baseline; a price "
               "only where the gain is significant)\n";
        out += fmt::format(
            "{:<10}{:<18}{}{}{}{}{}\n", "town", "model", pad_left("extra cost/yr", 22),
            pad_left("extra resolved/yr", 20), pad_left("¥ per extra resolved", 26),
            pad_left("complaints avoided/yr", 24), pad_left("¥ per complaint avoided", 26));
        for (const CostEffectRow& c : comparison.costs) {
            const auto ratio = [](double e, double lo, double hi) {
                if (std::isnan(e))
                    return std::string("—");
                return std::isnan(lo) ? fmt::format("{:.0f}", e)
                                      : fmt::format("{:.0f} [{:.0f}, {:.0f}]", e, lo, hi);
            };
            out += fmt::format(
                "{:<10}{:<18}{}{}{}{}{}\n", c.town, c.model,
                pad_left(
                    with_interval(c.extra_cost, c.extra_cost_lower, c.extra_cost_upper, 1, true, 0),
                    22),
                pad_left(with_interval(c.extra_resolved, c.extra_resolved_lower,
                                       c.extra_resolved_upper, 1, true),
                         20),
                pad_left(ratio(c.cost_per_extra_resolved, c.cost_per_extra_resolved_lower,
                               c.cost_per_extra_resolved_upper),
                         26),
                pad_left(with_interval(c.complaints_avoided, c.complaints_avoided_lower,
                                       c.complaints_avoided_upper, 1, true),
                         24),
                pad_left(ratio(c.cost_per_complaint_avoided, c.cost_per_complaint_avoided_lower,
                               c.cost_per_complaint_avoided_upper),
                         26));
        }
    }
    return out;
}

} // namespace govsim::models
