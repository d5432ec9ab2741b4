#include "models/summary_builder.hpp"

#include "analysis/statistics.hpp"
#include "models/scenario.hpp"
#include "sim/calendar.hpp"
#include "sim/parallel.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

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

/// The period's burden and dispute rate per 1,000 households per year, from its household-days
/// (NaN for a period without households).
void set_rates(YearRow& row, double household_days) {
    row.burden_per_1000_households = household_days > 0 ? row.unresolved_dispute_days * 1000.0 *
                                                              sim::days_per_year / household_days
                                                        : std::numeric_limits<double>::quiet_NaN();
    row.dispute_rate_per_1000_households =
        household_days > 0
            ? static_cast<double>(row.stats.disputes) * 1000.0 * sim::days_per_year / household_days
            : std::numeric_limits<double>::quiet_NaN();
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

// ---- the tally ------------------------------------------------------------------------------

namespace {

/// A sum with Neumaier's compensation, as analysis::mean adds (so that a mean taken here in
/// the same order is the same number).
struct Compensated {
    double sum = 0, comp = 0;
    void add(double x) {
        const double t = sum + x;
        if (std::abs(sum) >= std::abs(x))
            comp += (sum - t) + x;
        else
            comp += (x - t) + sum;
        sum = t;
    }
    [[nodiscard]] double value() const { return sum + comp; }
};

constexpr auto tenant_code = static_cast<std::size_t>(Tenure::Tenant);

/// The household group of a record (DisputeTally's leaves): housing x community kind x tenure x
/// owner's origin.
std::size_t household_group(const DisputeRecord& r) {
    if (r.housing >= housing_type_count || r.village > 1 || r.tenure >= tenure_names.size() ||
        r.nonlocal > 1)
        throw std::invalid_argument("a dispute record with an out-of-range equity field");
    return ((static_cast<std::size_t>(r.housing) * 2 + r.village) * 3 + r.tenure) * 2 + r.nonlocal;
}

/// A household group's value in each equity dimension (origin: -1 for tenants).
std::array<int, 4> dimensions_of(std::size_t group) {
    const auto tenure = static_cast<int>((group / 2) % 3);
    return {static_cast<int>(group / 12), static_cast<int>((group / 6) % 2), tenure,
            tenure == static_cast<int>(tenant_code) ? -1 : static_cast<int>(group % 2)};
}

} // namespace

DisputeTally::DisputeTally(std::size_t reported_days)
    : reported_days_(reported_days),
      years_(static_cast<int>((reported_days + sim::days_per_year - 1) / sim::days_per_year)) {
    const auto y = static_cast<std::size_t>(years_);
    leaves_.resize(y * category_count * household_groups);
    cases_.assign(y, Cases{});
    cat_cases_.assign(y, {});
    open_days_.assign(y, 0.0);
    unresolved_days_.assign(y, 0.0);
    cat_open_days_.assign(y, {});
    cat_unresolved_days_.assign(y, {});
}

std::uint64_t DisputeTally::times_held() const {
    std::uint64_t n = 0;
    for (const Leaf& leaf : leaves_)
        n += leaf.resolution.size();
    return n;
}

void DisputeTally::add(const DisputeRecord& r) {
    ++added_;
    const std::size_t k = index(r.category);
    if (k >= category_count || r.channel >= government_channel_names.size())
        throw std::invalid_argument("a dispute record with an out-of-range category or channel");
    if (!std::isnan(r.government) && r.government >= 0) { // made in a reported year
        const auto yc = static_cast<std::size_t>(sim::year_of(r.government));
        if (yc >= cases_.size())
            throw std::invalid_argument("a dispute record made a government case after the run");
        ++cases_[yc][r.channel];
        ++cat_cases_[yc][k][r.channel];
    }
    // Dispute-days open in each reported year, whatever the dispute's onset; and dispute-days
    // unresolved (the burden): a dispute given up is a problem left unsolved, so it counts until
    // the end of the run like one still open.
    const auto end = static_cast<double>(reported_days_);
    const double from = std::max(r.onset, 0.0);
    const double closed = std::isnan(r.closed) ? end : std::min(r.closed, end);
    const double solved = r.outcome == 1 ? closed : end;
    for (double t = from; t < solved;) {
        const int y = sim::year_of(t);
        const auto ys = static_cast<std::size_t>(y);
        const double year_end = std::min(solved, static_cast<double>((y + 1) * sim::days_per_year));
        unresolved_days_[ys] += year_end - t;
        cat_unresolved_days_[ys][k] += year_end - t;
        const double open = std::min(year_end, closed) - t;
        if (open > 0) {
            open_days_[ys] += open;
            cat_open_days_[ys][k] += open;
        }
        t = year_end;
    }
    if (r.onset < 0)
        return; // a dispute of the warm-up
    const auto y = static_cast<std::size_t>(sim::year_of(r.onset));
    if (y >= static_cast<std::size_t>(years_))
        throw std::invalid_argument("a dispute record with an onset after the run");
    Leaf& leaf = leaves_[leaf_index(y, k, household_group(r))];
    ++leaf.disputes;
    if (!std::isnan(r.detected)) {
        ++leaf.detected;
        Compensated c{leaf.detection_sum, leaf.detection_comp};
        c.add(r.detected - r.onset);
        leaf.detection_sum = c.sum;
        leaf.detection_comp = c.comp;
    }
    switch (r.outcome) {
    case 1: {
        ++leaf.resolved;
        const double days = r.closed - r.onset;
        auto& times = leaf.resolution;
        if (times.size() == times.capacity()) // grow by a quarter, not twice over
            times.reserve(times.size() + times.size() / 4 + 8);
        times.push_back(days);
        leaf.within_30 += days <= 30.0 ? 1U : 0U;
        break;
    }
    case 2:
        ++leaf.abandoned;
        break;
    default:
        ++leaf.open;
    }
    if (!std::isnan(r.government))
        ++leaf.channel[r.channel];
}

std::size_t reported_days(const std::vector<DailyRow>& daily) {
    std::size_t n = 0;
    for (const DailyRow& d : daily)
        n += d.day >= 0 ? 1U : 0U;
    return n;
}

void build_summary(DisputeTally& tally, const std::vector<DailyRow>& daily,
                   const std::vector<MonthlyRow>& monthly, const SummaryInputs& in,
                   RunResult& result) {
    using Leaf = DisputeTally::Leaf;
    const int start_year = in.start_year;
    // Times are days since 1 January of the first reported year: the warm-up, before it, is not
    // reported (its rows have negative days and months, and its disputes negative onsets).
    if (reported_days(daily) != tally.reported_days_)
        throw std::logic_error("a run's dispute tally is for another number of days");
    const int years = tally.years_;
    sim::parallel_for_each_index(tally.leaves_.size(), [&](std::size_t i) {
        auto& times = tally.leaves_[i].resolution;
        std::sort(times.begin(), times.end());
    });
    // The leaves of years [from, years) whose (category, household group) pass `keep`.
    const auto leaves = [&](int from, int to, auto keep) {
        std::vector<const Leaf*> out;
        for (auto y = static_cast<std::size_t>(from); y < static_cast<std::size_t>(to); ++y)
            for (std::size_t k = 0; k < category_count; ++k)
                for (std::size_t g = 0; g < DisputeTally::household_groups; ++g) {
                    const Leaf& leaf = tally.leaves_[tally.leaf_index(y, k, g)];
                    if (leaf.disputes > 0 && keep(k, g))
                        out.push_back(&leaf);
                }
        return out;
    };
    const auto any = [](std::size_t, std::size_t) { return true; };
    const int y0 = std::clamp(in.evaluated_from - in.start_year, 0, std::max(years - 1, 0));

    // The resolution times' statistics of every group (the mean, median and 90th percentile,
    // over its leaves' times in ascending order, as dispute_stats sorts them) come from one
    // merge of all the leaves: each time, taken in ascending order, is added to every group
    // its leaf belongs to. Equal times may come in any order: they add the same value.
    struct Resolution {
        Compensated sum;
        std::size_t n = 0, r = 0;        // times in the group; taken so far
        std::array<std::size_t, 2> lo{}; // the order statistics quantile_sorted interpolates
        std::array<double, 2> at_lo{}, at_hi{};
        void add(double v) {
            sum.add(v);
            for (std::size_t q = 0; q < 2; ++q) {
                if (r == lo[q])
                    at_lo[q] = v;
                if (r == lo[q] + 1)
                    at_hi[q] = v;
            }
            ++r;
        }
    };
    // A group's statistics from its leaves: counts and sums added; the times' from its merge.
    const auto stats_of = [](const std::vector<const Leaf*>& group, const Resolution& res) {
        DisputeStats s;
        Compensated detection;
        std::uint64_t detected = 0, within_30 = 0;
        for (const Leaf* leaf : group) {
            s.disputes += leaf->disputes;
            s.resolved += leaf->resolved;
            s.abandoned += leaf->abandoned;
            s.open_at_end += leaf->open;
            within_30 += leaf->within_30;
            detected += leaf->detected;
            detection.add(leaf->detection_sum + leaf->detection_comp);
        }
        constexpr double nan = std::numeric_limits<double>::quiet_NaN();
        s.mean_detection_days =
            detected > 0 ? detection.value() / static_cast<double>(detected) : nan;
        s.share_resolved_within_30_days =
            s.disputes > 0 ? static_cast<double>(within_30) / static_cast<double>(s.disputes) : nan;
        s.mean_resolution_days = s.median_resolution_days = s.p90_resolution_days = nan;
        const std::size_t n = res.n;
        if (n == 0)
            return s;
        s.mean_resolution_days = res.sum.value() / static_cast<double>(n);
        // As analysis::quantile_sorted (interpolate_sorted) computes it.
        const auto quantile = [&](std::size_t q, double p) {
            const double h = static_cast<double>(n - 1) * p;
            const double floor_h = std::floor(h);
            if (res.lo[q] + 1 >= n)
                return res.at_lo[q];
            const double frac = h - floor_h;
            if (frac == 0.0)
                return res.at_lo[q];
            return res.at_lo[q] + frac * (res.at_hi[q] - res.at_lo[q]);
        };
        s.median_resolution_days = quantile(0, 0.5);
        s.p90_resolution_days = quantile(1, 0.9);
        return s;
    };

    std::vector<std::vector<const Leaf*>> members;
    std::vector<Resolution> resolution;
    // One k-way merge of every leaf's sorted times (a min-heap of each leaf's next time), each
    // time added to the groups its leaf is in.
    const auto merge_resolution_times = [&] {
        const std::size_t n_leaves = tally.leaves_.size();
        const Leaf* const first_leaf = tally.leaves_.data();
        // The groups of each leaf, as offsets into one array.
        std::vector<std::uint32_t> start(n_leaves + 1, 0), of_leaf;
        for (const auto& group : members)
            for (const Leaf* leaf : group)
                ++start[static_cast<std::size_t>(leaf - first_leaf) + 1];
        for (std::size_t l = 0; l < n_leaves; ++l)
            start[l + 1] += start[l];
        of_leaf.resize(start[n_leaves]);
        std::vector<std::uint32_t> fill(start.begin(), start.end() - 1);
        resolution.assign(members.size(), Resolution{});
        for (std::size_t g = 0; g < members.size(); ++g) {
            Resolution& res = resolution[g];
            for (const Leaf* leaf : members[g]) {
                of_leaf[fill[static_cast<std::size_t>(leaf - first_leaf)]++] =
                    static_cast<std::uint32_t>(g);
                res.n += leaf->resolution.size();
            }
            // The ranks i, i + 1 that quantile_sorted interpolates between, h = (n - 1) p.
            for (std::size_t q = 0; q < 2; ++q)
                res.lo[q] = res.n == 0
                                ? 0
                                : static_cast<std::size_t>(std::floor(
                                      static_cast<double>(res.n - 1) * (q == 0 ? 0.5 : 0.9)));
        }
        struct Head {
            double value;
            std::uint32_t leaf, pos;
        };
        std::vector<Head> heap;
        for (std::size_t l = 0; l < n_leaves; ++l)
            if (!tally.leaves_[l].resolution.empty() && start[l + 1] > start[l])
                heap.push_back(
                    Head{tally.leaves_[l].resolution.front(), static_cast<std::uint32_t>(l), 0});
        const auto later = [](const Head& a, const Head& b) { return a.value > b.value; };
        std::make_heap(heap.begin(), heap.end(), later);
        while (!heap.empty()) {
            Head& top = heap.front();
            for (std::uint32_t i = start[top.leaf]; i < start[top.leaf + 1]; ++i)
                resolution[of_leaf[i]].add(top.value);
            const auto& times = tally.leaves_[top.leaf].resolution;
            if (++top.pos < times.size()) {
                top.value = times[top.pos];
            } else {
                top = heap.back();
                heap.pop_back();
                if (heap.empty())
                    break;
            }
            // The top's new value sinks to its place (a pop and push in one pass).
            const std::size_t size = heap.size();
            std::size_t i = 0;
            const Head moving = heap[0];
            for (;;) {
                std::size_t child = 2 * i + 1;
                if (child >= size)
                    break;
                if (child + 1 < size && heap[child + 1].value < heap[child].value)
                    ++child;
                if (!(heap[child].value < moving.value))
                    break;
                heap[i] = heap[child];
                i = child;
            }
            heap[i] = moving;
        }
    };

    // Years [from, years) pooled into one row: the whole run (from 0) or the evaluation period.
    auto pool = [&](YearRow& row, int from, std::size_t g) {
        row = YearRow{};
        double household_days = 0;
        std::size_t days = 0;
        for (const DailyRow& d : daily)
            if (d.day >= 0 && sim::year_of(d.day) >= from) {
                household_days += d.households;
                ++days;
            }
        row.households = days == 0 ? 0.0 : household_days / static_cast<double>(days);
        row.stats = stats_of(members[g], resolution[g]);
        for (const MonthlyRow& m : monthly)
            if (m.month >= 0 && m.month / 12 >= from)
                row.institutions += m.institutions;
        for (auto y = static_cast<std::size_t>(from); y < tally.cases_.size(); ++y) {
            add_cases(row.stats, tally.cases_[y]);
            row.open_dispute_days += tally.open_days_[y];
            row.unresolved_dispute_days += tally.unresolved_days_[y];
            if (in.resources && y < in.resources->size())
                row.resources += (*in.resources)[y];
        }
        price(row, in.costs);
        set_rates(row, household_days);
    };
    // Equity: the evaluation period's disputes by group, one row per (dimension, group) in
    // dimension order; each row is summarised as a group of its own (below).
    const std::array<std::size_t, 4> equity_sizes{housing_type_count, community_kind_names.size(),
                                                  tenure_names.size(), origin_names.size()};
    std::vector<std::pair<std::size_t, std::size_t>> equity_groups; // (dimension, group)
    for (std::size_t d = 0; d < equity_sizes.size(); ++d)
        for (std::size_t g = 0; g < equity_sizes[d]; ++g)
            equity_groups.emplace_back(d, g);
    result.equity.assign(equity_groups.size(), EquityRow{});
    auto equity = [&](std::size_t e) {
        const std::size_t d = equity_groups[e].first;
        EquityRow& row = result.equity[e];
        row.dimension = static_cast<EquityDimension>(d);
        row.group = static_cast<std::uint8_t>(equity_groups[e].second);
        row.stats = stats_of(members[2 + e], resolution[2 + e]);
        std::array<std::uint64_t, government_channel_names.size()> by_channel{};
        for (const Leaf* leaf : members[2 + e])
            for (std::size_t c = 0; c < by_channel.size(); ++c)
                by_channel[c] += leaf->channel[c];
        add_cases(row.stats, by_channel);
    };
    result.evaluated_from = in.start_year + y0;
    result.evaluated_to = in.start_year + std::max(years - 1, 0);
    // Every group (a year, a year and category, the whole run) is summarised independently.
    result.years.assign(static_cast<std::size_t>(years), YearRow{});
    result.category_years.assign(static_cast<std::size_t>(years) * category_count,
                                 CategoryYearRow{});
    const std::size_t first_year = 2 + equity_groups.size();
    const std::size_t groups = first_year + result.years.size() + result.category_years.size();
    // Each group's leaves: 0 the whole run, 1 the evaluation period (if it differs), then the
    // equity rows, the years and the years' categories.
    members.resize(groups);
    members[0] = leaves(0, years, any);
    if (y0 > 0)
        members[1] = leaves(y0, years, any);
    for (std::size_t e = 0; e < equity_groups.size(); ++e) {
        const std::size_t d = equity_groups[e].first, g = equity_groups[e].second;
        members[2 + e] = leaves(y0, years, [&](std::size_t, std::size_t group) {
            return dimensions_of(group)[d] == static_cast<int>(g);
        });
    }
    for (std::size_t ys = 0; ys < result.years.size(); ++ys) {
        const auto y = static_cast<int>(ys);
        members[first_year + ys] = leaves(y, y + 1, any);
        for (std::size_t k = 0; k < category_count; ++k)
            members[first_year + result.years.size() + ys * category_count + k] =
                leaves(y, y + 1, [k](std::size_t c, std::size_t) { return c == k; });
    }
    merge_resolution_times();
    sim::parallel_for_each_index(groups, [&](std::size_t g) {
        if (g == 0) { // the largest groups first, so that they do not finish last
            pool(result.total, 0, 0);
            return;
        }
        if (g == 1) {
            if (y0 > 0)
                pool(result.evaluation, y0, 1);
            return;
        }
        if (g < first_year) {
            equity(g - 2);
            return;
        }
        g -= first_year;
        if (g >= result.years.size()) {
            const std::size_t ys = (g - result.years.size()) / category_count;
            const std::size_t k = (g - result.years.size()) % category_count;
            CategoryYearRow& cr = result.category_years[g - result.years.size()];
            cr.year = start_year + static_cast<int>(ys);
            cr.category = static_cast<Category>(k);
            cr.stats = stats_of(members[first_year + g], resolution[first_year + g]);
            add_cases(cr.stats, tally.cat_cases_[ys][k]);
            cr.open_dispute_days = tally.cat_open_days_[ys][k];
            cr.unresolved_dispute_days = tally.cat_unresolved_days_[ys][k];
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
        row.stats = stats_of(members[first_year + g], resolution[first_year + g]);
        if (in.resources && ys < in.resources->size())
            row.resources = (*in.resources)[ys];
        price(row, in.costs);
        add_cases(row.stats, tally.cases_[ys]);
        row.open_dispute_days = tally.open_days_[ys];
        row.unresolved_dispute_days = tally.unresolved_days_[ys];
        // Per 1,000 households per year, over the days of the year that were simulated.
        set_rates(row, household_days);
    });
    if (y0 == 0)
        result.evaluation = result.total;
}

void build_summary(const std::vector<DisputeRecord>& records, const std::vector<DailyRow>& daily,
                   const std::vector<MonthlyRow>& monthly, const SummaryInputs& in,
                   RunResult& result) {
    DisputeTally tally(reported_days(daily));
    for (const DisputeRecord& r : records)
        tally.add(r);
    build_summary(tally, daily, monthly, in, result);
}

} // namespace govsim::models
