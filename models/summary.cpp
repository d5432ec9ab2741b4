#include "models/summary_builder.hpp"

#include "analysis/statistics.hpp"
#include "models/scenario.hpp"
#include "sim/calendar.hpp"
#include "sim/parallel.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace govsim::models {

DisputeStats dispute_stats(std::span<const DisputeRecord* const> group) {
    DisputeStats s;
    std::vector<double> resolution;
    std::vector<double> detection;
    std::size_t within_30 = 0;
    for (const DisputeRecord* r : group) {
        ++s.disputes;
        if (!std::isnan(r->detected))
            detection.push_back(r->detected - r->onset);
        switch (r->outcome) {
        case 1: {
            ++s.resolved;
            const double days = r->closed - r->onset;
            resolution.push_back(days);
            within_30 += days <= 30.0 ? 1U : 0U;
            break;
        }
        case 2:
            ++s.abandoned;
            break;
        default:
            ++s.open_at_end;
        }
    }
    std::sort(resolution.begin(), resolution.end());
    s.mean_resolution_days = analysis::mean(resolution);
    s.median_resolution_days = analysis::quantile_sorted(resolution, 0.5);
    s.p90_resolution_days = analysis::quantile_sorted(resolution, 0.9);
    s.mean_detection_days = analysis::mean(detection);
    s.share_resolved_within_30_days =
        s.disputes > 0 ? static_cast<double>(within_30) / static_cast<double>(s.disputes)
                       : std::numeric_limits<double>::quiet_NaN();
    return s;
}

void build_summary(const std::vector<DisputeRecord>& records, const std::vector<DailyRow>& daily,
                   const std::vector<MonthlyRow>& monthly, int start_year, RunResult& result) {
    // Times are days since 1 January of the first reported year: the warm-up, before it, is not
    // reported (its rows have negative days and months, and its disputes negative onsets).
    std::size_t reported_days = 0;
    for (const DailyRow& d : daily)
        reported_days += d.day >= 0 ? 1U : 0U;
    const int years =
        static_cast<int>((reported_days + sim::days_per_year - 1) / sim::days_per_year);
    std::vector<std::vector<const DisputeRecord*>> by_year(static_cast<std::size_t>(years));
    std::vector<PerCategory<std::vector<const DisputeRecord*>>> by_cat(
        static_cast<std::size_t>(years));
    std::vector<std::uint64_t> complaints(static_cast<std::size_t>(years));
    std::vector<PerCategory<std::uint64_t>> cat_complaints(static_cast<std::size_t>(years));
    std::vector<const DisputeRecord*> all;
    all.reserve(records.size());
    for (const DisputeRecord& r : records) {
        if (!std::isnan(r.complaint) && r.complaint >= 0) { // made in a reported year
            const auto yc = static_cast<std::size_t>(sim::year_of(r.complaint));
            ++complaints[yc];
            ++cat_complaints[yc][index(r.category)];
        }
        if (r.onset < 0)
            continue; // a dispute of the warm-up
        all.push_back(&r);
        const auto y = static_cast<std::size_t>(sim::year_of(r.onset));
        by_year[y].push_back(&r);
        by_cat[y][index(r.category)].push_back(&r);
    }
    // The whole run, pooled: one more group, summarised beside the others.
    auto summarise_total = [&] {
        YearRow& total = result.total;
        total = YearRow{};
        double household_days = 0;
        for (const DailyRow& d : daily)
            if (d.day >= 0)
                household_days += d.households;
        total.households =
            reported_days == 0 ? 0.0 : household_days / static_cast<double>(reported_days);
        total.stats = dispute_stats(all);
        for (const MonthlyRow& m : monthly)
            if (m.month >= 0)
                total.institutions += m.institutions;
        for (const auto c : complaints)
            total.stats.complaints += c;
        total.dispute_rate_per_1000_households =
            household_days > 0 ? static_cast<double>(total.stats.disputes) * 1000.0 *
                                     sim::days_per_year / household_days
                               : std::numeric_limits<double>::quiet_NaN();
    };
    // Every group (a year, a year and category, the whole run) is summarised independently.
    result.years.assign(static_cast<std::size_t>(years), YearRow{});
    result.category_years.assign(static_cast<std::size_t>(years) * category_count,
                                 CategoryYearRow{});
    const std::size_t groups = result.years.size() + result.category_years.size() + 1;
    sim::parallel_for_each_index(groups, [&](std::size_t g) {
        if (g == 0) { // the largest group first, so that it does not finish last
            summarise_total();
            return;
        }
        --g;
        if (g >= result.years.size()) {
            const std::size_t ys = (g - result.years.size()) / category_count;
            const std::size_t k = (g - result.years.size()) % category_count;
            CategoryYearRow& cr = result.category_years[g - result.years.size()];
            cr.year = start_year + static_cast<int>(ys);
            cr.category = static_cast<Category>(k);
            cr.stats = dispute_stats(by_cat[ys][k]);
            cr.stats.complaints = cat_complaints[ys][k];
            return;
        }
        const std::size_t ys = g;
        YearRow& row = result.years[ys];
        row.year = start_year + static_cast<int>(ys);
        double household_days = 0;
        int n_days = 0;
        for (const DailyRow& d : daily)
            if (d.day >= 0 && sim::year_of(d.day) == static_cast<int>(ys)) {
                household_days += d.households;
                ++n_days;
            }
        row.households = n_days > 0 ? household_days / n_days : 0.0;
        for (const MonthlyRow& m : monthly)
            if (m.month >= 0 && static_cast<std::size_t>(m.month / 12) == ys)
                row.institutions += m.institutions;
        row.stats = dispute_stats(by_year[ys]);
        row.stats.complaints = complaints[ys];
        // Per 1,000 households per year, over the days of the year that were simulated.
        row.dispute_rate_per_1000_households =
            household_days > 0 ? static_cast<double>(row.stats.disputes) * 1000.0 *
                                     sim::days_per_year / household_days
                               : std::numeric_limits<double>::quiet_NaN();
    });
}

} // namespace govsim::models
