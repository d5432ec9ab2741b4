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

namespace {

void add_cases(DisputeStats& s, const std::array<std::uint64_t, 4>& cases) {
    s.complaints += cases[static_cast<std::size_t>(GovernmentChannel::Complaint)];
    s.grid_referrals += cases[static_cast<std::size_t>(GovernmentChannel::GridReferral)];
    s.timer_escalations += cases[static_cast<std::size_t>(GovernmentChannel::TimerEscalation)];
}

/// The groups a dispute belongs to, one per dimension (origin: none for tenants).
std::array<int, 4> groups_of(const DisputeRecord& r) {
    const bool tenant = r.tenure == static_cast<std::uint8_t>(Tenure::Tenant);
    return {r.housing, r.village, r.tenure, tenant ? -1 : r.nonlocal};
}

/// Money costs of a row's resources at the scenario's unit costs (NaN without them).
void price(YearRow& row, const CostSpec* costs) {
    if (!costs) {
        row.public_cost = row.fee_funded_cost = std::numeric_limits<double>::quiet_NaN();
        return;
    }
    row.public_cost = row.fee_funded_cost = 0;
    for (std::size_t r = 0; r < resource_count; ++r) {
        const double yuan = row.resources.amount[r] * costs->per_unit[r];
        (fee_funded(static_cast<Resource>(r)) ? row.fee_funded_cost : row.public_cost) += yuan;
    }
}

} // namespace

std::string_view equity_group_name(EquityDimension d, std::uint8_t group) {
    switch (d) {
    case EquityDimension::Housing:
        return group < housing_type_names.size() ? housing_type_names[group] : "?";
    case EquityDimension::Community:
        return group < community_kind_names.size() ? community_kind_names[group] : "?";
    case EquityDimension::Tenure:
        return group < tenure_names.size() ? tenure_names[group] : "?";
    case EquityDimension::Origin:
        return group < origin_names.size() ? origin_names[group] : "?";
    }
    return "?";
}

void build_summary(const std::vector<DisputeRecord>& records, const std::vector<DailyRow>& daily,
                   const std::vector<MonthlyRow>& monthly, const SummaryInputs& in,
                   RunResult& result) {
    const int start_year = in.start_year;
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
    // Government cases by the year they were made, by channel (GovernmentChannel).
    using Cases = std::array<std::uint64_t, government_channel_names.size()>;
    std::vector<Cases> cases(static_cast<std::size_t>(years));
    std::vector<PerCategory<Cases>> cat_cases(static_cast<std::size_t>(years));
    // Dispute-days open in each reported year, whatever the dispute's onset; and dispute-days
    // unresolved (the burden): a dispute given up is a problem left unsolved, so it counts until
    // the end of the run like one still open.
    std::vector<double> open_days(static_cast<std::size_t>(years));
    std::vector<double> unresolved_days(static_cast<std::size_t>(years));
    std::vector<PerCategory<double>> cat_open_days(static_cast<std::size_t>(years));
    std::vector<PerCategory<double>> cat_unresolved_days(static_cast<std::size_t>(years));
    const auto end = static_cast<double>(reported_days);
    std::vector<const DisputeRecord*> all;
    all.reserve(records.size());
    for (const DisputeRecord& r : records) {
        const std::size_t k = index(r.category);
        if (!std::isnan(r.government) && r.government >= 0) { // made in a reported year
            const auto yc = static_cast<std::size_t>(sim::year_of(r.government));
            ++cases[yc][r.channel];
            ++cat_cases[yc][k][r.channel];
        }
        const double from = std::max(r.onset, 0.0);
        const double closed = std::isnan(r.closed) ? end : std::min(r.closed, end);
        const double solved = r.outcome == 1 ? closed : end;
        for (double t = from; t < solved;) {
            const int y = sim::year_of(t);
            const auto ys = static_cast<std::size_t>(y);
            const double year_end =
                std::min(solved, static_cast<double>((y + 1) * sim::days_per_year));
            unresolved_days[ys] += year_end - t;
            cat_unresolved_days[ys][k] += year_end - t;
            const double open = std::min(year_end, closed) - t;
            if (open > 0) {
                open_days[ys] += open;
                cat_open_days[ys][k] += open;
            }
            t = year_end;
        }
        if (r.onset < 0)
            continue; // a dispute of the warm-up
        all.push_back(&r);
        const auto y = static_cast<std::size_t>(sim::year_of(r.onset));
        by_year[y].push_back(&r);
        by_cat[y][index(r.category)].push_back(&r);
    }
    const int y0 = std::clamp(in.evaluated_from - in.start_year, 0, std::max(years - 1, 0));
    std::vector<const DisputeRecord*> evaluated;
    if (y0 > 0)
        for (const DisputeRecord* r : all)
            if (sim::year_of(r->onset) >= y0)
                evaluated.push_back(r);
    // Years [from, years) pooled into one row: the whole run (from 0) or the evaluation period.
    auto pool = [&](YearRow& row, int from, const std::vector<const DisputeRecord*>& group) {
        row = YearRow{};
        double household_days = 0;
        std::size_t days = 0;
        for (const DailyRow& d : daily)
            if (d.day >= 0 && sim::year_of(d.day) >= from) {
                household_days += d.households;
                ++days;
            }
        row.households = days == 0 ? 0.0 : household_days / static_cast<double>(days);
        row.stats = dispute_stats(group);
        for (const MonthlyRow& m : monthly)
            if (m.month >= 0 && m.month / 12 >= from)
                row.institutions += m.institutions;
        for (auto y = static_cast<std::size_t>(from); y < cases.size(); ++y) {
            add_cases(row.stats, cases[y]);
            row.open_dispute_days += open_days[y];
            row.unresolved_dispute_days += unresolved_days[y];
            if (in.resources && y < in.resources->size())
                row.resources += (*in.resources)[y];
        }
        price(row, in.costs);
        row.burden_per_1000_households =
            household_days > 0
                ? row.unresolved_dispute_days * 1000.0 * sim::days_per_year / household_days
                : std::numeric_limits<double>::quiet_NaN();
        row.dispute_rate_per_1000_households =
            household_days > 0 ? static_cast<double>(row.stats.disputes) * 1000.0 *
                                     sim::days_per_year / household_days
                               : std::numeric_limits<double>::quiet_NaN();
    };
    // Equity: the evaluation period's disputes by group.
    auto equity = [&] {
        const std::array<std::size_t, 4> sizes{housing_type_count, community_kind_names.size(),
                                               tenure_names.size(), origin_names.size()};
        std::array<std::vector<std::vector<const DisputeRecord*>>, 4> members;
        for (std::size_t d = 0; d < 4; ++d)
            members[d].resize(sizes[d]);
        for (const DisputeRecord* r : y0 > 0 ? evaluated : all) {
            const auto g = groups_of(*r);
            for (std::size_t d = 0; d < 4; ++d)
                if (g[d] >= 0 && static_cast<std::size_t>(g[d]) < sizes[d])
                    members[d][static_cast<std::size_t>(g[d])].push_back(r);
        }
        result.equity.clear();
        for (std::size_t d = 0; d < 4; ++d)
            for (std::size_t g = 0; g < sizes[d]; ++g) {
                EquityRow row;
                row.dimension = static_cast<EquityDimension>(d);
                row.group = static_cast<std::uint8_t>(g);
                row.stats = dispute_stats(members[d][g]);
                std::array<std::uint64_t, government_channel_names.size()> by_channel{};
                for (const DisputeRecord* r : members[d][g])
                    if (!std::isnan(r->government))
                        ++by_channel[r->channel];
                add_cases(row.stats, by_channel);
                result.equity.push_back(row);
            }
    };
    result.evaluated_from = in.start_year + y0;
    result.evaluated_to = in.start_year + std::max(years - 1, 0);
    // Every group (a year, a year and category, the whole run) is summarised independently.
    result.years.assign(static_cast<std::size_t>(years), YearRow{});
    result.category_years.assign(static_cast<std::size_t>(years) * category_count,
                                 CategoryYearRow{});
    const std::size_t groups = result.years.size() + result.category_years.size() + 3;
    sim::parallel_for_each_index(groups, [&](std::size_t g) {
        if (g == 0) { // the largest groups first, so that they do not finish last
            pool(result.total, 0, all);
            return;
        }
        if (g == 1) {
            if (y0 > 0)
                pool(result.evaluation, y0, evaluated);
            return;
        }
        if (g == 2) {
            equity();
            return;
        }
        g -= 3;
        if (g >= result.years.size()) {
            const std::size_t ys = (g - result.years.size()) / category_count;
            const std::size_t k = (g - result.years.size()) % category_count;
            CategoryYearRow& cr = result.category_years[g - result.years.size()];
            cr.year = start_year + static_cast<int>(ys);
            cr.category = static_cast<Category>(k);
            cr.stats = dispute_stats(by_cat[ys][k]);
            add_cases(cr.stats, cat_cases[ys][k]);
            cr.open_dispute_days = cat_open_days[ys][k];
            cr.unresolved_dispute_days = cat_unresolved_days[ys][k];
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
        if (in.resources && ys < in.resources->size())
            row.resources = (*in.resources)[ys];
        price(row, in.costs);
        add_cases(row.stats, cases[ys]);
        row.open_dispute_days = open_days[ys];
        row.unresolved_dispute_days = unresolved_days[ys];
        row.burden_per_1000_households =
            household_days > 0
                ? row.unresolved_dispute_days * 1000.0 * sim::days_per_year / household_days
                : std::numeric_limits<double>::quiet_NaN();
        // Per 1,000 households per year, over the days of the year that were simulated.
        row.dispute_rate_per_1000_households =
            household_days > 0 ? static_cast<double>(row.stats.disputes) * 1000.0 *
                                     sim::days_per_year / household_days
                               : std::numeric_limits<double>::quiet_NaN();
    });
    if (y0 == 0)
        result.evaluation = result.total;
}

} // namespace govsim::models
