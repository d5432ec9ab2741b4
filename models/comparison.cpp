#include "models/comparison.hpp"

#include "analysis/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <map>
#include <stdexcept>

namespace govsim::models {

double metric_value(const RunResult& run, Metric metric) {
    const YearRow& t = run.total;
    switch (metric) {
    case Metric::DisputeRate:
        return t.dispute_rate_per_1000_households;
    case Metric::ComplaintsPerYear:
        return run.years.empty() ? std::nan("")
                                 : static_cast<double>(t.stats.complaints) /
                                       static_cast<double>(run.years.size());
    case Metric::MeanResolution:
        return t.stats.mean_resolution_days;
    case Metric::MedianResolution:
        return t.stats.median_resolution_days;
    case Metric::P90Resolution:
        return t.stats.p90_resolution_days;
    case Metric::ResolvedWithin30:
        return t.stats.share_resolved_within_30_days;
    }
    return std::nan("");
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

} // namespace

std::vector<ComparisonRow> compare_models(const std::vector<RunResult>& runs,
                                          std::string_view baseline_model) {
    std::map<std::pair<std::string, std::string>, ByReplicate> groups;
    for (const RunResult& r : runs)
        groups[{r.key.town, r.key.model}][r.key.replicate] = &r;

    std::vector<ComparisonRow> rows;
    for (const std::string& town : in_order_of_appearance(runs, &RunKey::town)) {
        const auto models = in_order_of_appearance(runs, &RunKey::model, &town);
        const std::string base =
            std::find(models.begin(), models.end(), baseline_model) != models.end()
                ? std::string(baseline_model)
                : models.front();
        const ByReplicate& base_runs = groups.at({town, base});
        for (const std::string& model : models) {
            const ByReplicate& these = groups.at({town, model});
            for (std::size_t m = 0; m < metric_count; ++m) {
                const auto metric = static_cast<Metric>(m);
                std::vector<double> values, differences;
                for (const auto& [replicate, run] : these) {
                    const double v = metric_value(*run, metric);
                    values.push_back(v);
                    // Paired with the baseline's run of the same replicate, where there is one.
                    if (const auto b = base_runs.find(replicate); b != base_runs.end())
                        differences.push_back(v - metric_value(*b->second, metric));
                }
                const auto ci = analysis::mean_ci(values);
                const auto diff = analysis::mean_ci(differences);
                ComparisonRow row;
                row.town = town;
                row.model = model;
                row.metric = metric;
                row.replicates = values.size();
                row.mean = ci.estimate;
                row.lower = ci.lower;
                row.upper = ci.upper;
                row.baseline = base;
                row.difference = diff.estimate;
                row.difference_lower = diff.lower;
                row.difference_upper = diff.upper;
                rows.push_back(row);
            }
        }
    }
    return rows;
}

std::string comparison_csv(const std::vector<ComparisonRow>& rows) {
    std::string out = "town,model,metric,replicates,mean,lower,upper,baseline,difference,"
                      "difference_lower,difference_upper\n";
    for (const ComparisonRow& r : rows)
        out += fmt::format("{},{},{},{},{},{},{},{},{},{},{}\n", r.town, r.model,
                           metric_names[static_cast<std::size_t>(r.metric)], r.replicates, r.mean,
                           r.lower, r.upper, r.baseline, r.difference, r.difference_lower,
                           r.difference_upper);
    return out;
}

namespace {

std::string with_interval(double estimate, double lower, double upper, double scale,
                          bool sign = false) {
    if (std::isnan(estimate))
        return "—";
    const double half = 0.5 * (upper - lower) * scale;
    const std::string est =
        sign ? fmt::format("{:+.1f}", estimate * scale) : fmt::format("{:.1f}", estimate * scale);
    return std::isnan(half) ? est : fmt::format("{} ± {:.1f}", est, half);
}

} // namespace

std::string comparison_table(const std::vector<ComparisonRow>& rows) {
    static constexpr std::array<std::string_view, metric_count> headers{
        "per 1,000 hh/yr", "complaints/yr", "mean days", "median days", "p90 days", "≤30 days (%)"};
    static constexpr std::array<double, metric_count> scale{1, 1, 1, 1, 1, 100};
    std::string out;
    std::string town;
    std::vector<const ComparisonRow*> block;
    auto flush = [&] {
        if (block.empty())
            return;
        out += fmt::format("\n{} — mean ± 95% interval half-width over {} replicates\n", town,
                           block.front()->replicates);
        std::string header = fmt::format("{:<18}", "model");
        for (auto h : headers)
            header += fmt::format("{:>17}", h);
        out += header + "\n";
        for (const bool diff : {false, true}) {
            if (diff)
                out += fmt::format("difference from {} (paired by replicate)\n",
                                   block.front()->baseline);
            for (std::size_t i = 0; i < block.size(); i += metric_count) {
                if (diff && block[i]->model == block[i]->baseline)
                    continue;
                std::string line = fmt::format("{:<18}", block[i]->model);
                for (std::size_t m = 0; m < metric_count && i + m < block.size(); ++m) {
                    const ComparisonRow& r = *block[i + m];
                    line += fmt::format("{:>17}",
                                        diff ? with_interval(r.difference, r.difference_lower,
                                                             r.difference_upper, scale[m], true)
                                             : with_interval(r.mean, r.lower, r.upper, scale[m]));
                }
                out += line + "\n";
            }
        }
        block.clear();
    };
    for (const ComparisonRow& r : rows) {
        if (r.town != town) {
            flush();
            town = r.town;
        }
        block.push_back(&r);
    }
    flush();
    return out;
}

} // namespace govsim::models
