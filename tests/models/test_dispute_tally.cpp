// Dispute statistics accumulated as disputes close (models/summary_builder.hpp, DisputeTally)
// against the record-by-record computation they replace, and the reuse of closed disputes'
// slots (models/run_state.hpp, DisputeSlots).
#include "analysis/statistics.hpp"
#include "models/governance.hpp"
#include "models/run_state.hpp"
#include "models/summary_builder.hpp"
#include "sim/calendar.hpp"
#include "test_helpers.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <tuple>

namespace models = govsim::models;
namespace sim = govsim::sim;
using models::DisputeRecord;
using models::DisputeStats;

namespace {

// ---- the record-by-record computation (build_summary before the tally), kept as the reference

struct Reference {
    std::vector<DisputeStats> years, category_years;
    std::vector<double> open_days, unresolved_days, cat_open_days, cat_unresolved_days;
    DisputeStats total, evaluation;
    std::vector<DisputeStats> equity; ///< every group of every dimension, in order
};

void add_cases(DisputeStats& s, const std::array<std::uint64_t, 4>& c) {
    s.complaints += c[1];
    s.grid_referrals += c[2];
    s.timer_escalations += c[3];
}

/// Every record held at once, grouped by pointers, as build_summary did before disputes were
/// counted as they closed.
Reference reference(const std::vector<DisputeRecord>& records, std::size_t reported_days, int y0) {
    const auto years = (reported_days + 364) / 365;
    Reference out;
    std::vector<std::vector<const DisputeRecord*>> by_year(years);
    std::vector<std::vector<const DisputeRecord*>> by_cat(years * models::category_count);
    std::vector<std::array<std::uint64_t, 4>> cases(years), cat_cases(years * 6);
    out.open_days.assign(years, 0);
    out.unresolved_days.assign(years, 0);
    out.cat_open_days.assign(years * 6, 0);
    out.cat_unresolved_days.assign(years * 6, 0);
    const auto end = static_cast<double>(reported_days);
    std::vector<const DisputeRecord*> all, evaluated;
    for (const DisputeRecord& r : records) {
        const std::size_t k = models::index(r.category);
        if (!std::isnan(r.government) && r.government >= 0) {
            const auto yc = static_cast<std::size_t>(sim::year_of(r.government));
            ++cases[yc][r.channel];
            ++cat_cases[yc * 6 + k][r.channel];
        }
        const double from = std::max(r.onset, 0.0);
        const double closed = std::isnan(r.closed) ? end : std::min(r.closed, end);
        const double solved = r.outcome == 1 ? closed : end;
        for (double t = from; t < solved;) {
            const int y = sim::year_of(t);
            const auto ys = static_cast<std::size_t>(y);
            const double year_end = std::min(solved, static_cast<double>((y + 1) * 365));
            out.unresolved_days[ys] += year_end - t;
            out.cat_unresolved_days[ys * 6 + k] += year_end - t;
            const double open = std::min(year_end, closed) - t;
            if (open > 0) {
                out.open_days[ys] += open;
                out.cat_open_days[ys * 6 + k] += open;
            }
            t = year_end;
        }
        if (r.onset < 0)
            continue;
        all.push_back(&r);
        const auto y = static_cast<std::size_t>(sim::year_of(r.onset));
        by_year[y].push_back(&r);
        by_cat[y * 6 + k].push_back(&r);
        if (sim::year_of(r.onset) >= y0)
            evaluated.push_back(&r);
    }
    for (std::size_t y = 0; y < years; ++y) {
        out.years.push_back(models::dispute_stats(by_year[y]));
        add_cases(out.years.back(), cases[y]);
        for (std::size_t k = 0; k < 6; ++k) {
            out.category_years.push_back(models::dispute_stats(by_cat[y * 6 + k]));
            add_cases(out.category_years.back(), cat_cases[y * 6 + k]);
        }
    }
    out.total = models::dispute_stats(all);
    out.evaluation = models::dispute_stats(evaluated);
    for (std::size_t y = 0; y < years; ++y) {
        add_cases(out.total, cases[y]);
        if (static_cast<int>(y) >= y0)
            add_cases(out.evaluation, cases[y]);
    }
    const std::array<std::size_t, 4> sizes{3, 2, 3, 2};
    for (std::size_t d = 0; d < 4; ++d)
        for (std::size_t g = 0; g < sizes[d]; ++g) {
            std::vector<const DisputeRecord*> members;
            std::array<std::uint64_t, 4> by_channel{};
            for (const DisputeRecord* r : evaluated) {
                const bool tenant = r->tenure == static_cast<std::uint8_t>(models::Tenure::Tenant);
                const std::array<int, 4> of{r->housing, r->village, r->tenure,
                                            tenant ? -1 : r->nonlocal};
                if (of[d] != static_cast<int>(g))
                    continue;
                members.push_back(r);
                if (!std::isnan(r->government))
                    ++by_channel[r->channel];
            }
            out.equity.push_back(models::dispute_stats(members));
            add_cases(out.equity.back(), by_channel);
        }
    return out;
}

bool same(double a, double b) {
    return (std::isnan(a) && std::isnan(b)) || a == b;
}
/// Equal but for rounding: sums added in another order.
bool close(double a, double b) {
    return (std::isnan(a) && std::isnan(b)) || std::abs(a - b) <= 1e-12 * std::abs(a);
}

/// Counts and the statistics of sorted resolution times are exact; means of detection delays are
/// sums taken in another order.
void check_stats(const DisputeStats& got, const DisputeStats& want) {
    CHECK(got.disputes == want.disputes);
    CHECK(got.complaints == want.complaints);
    CHECK(got.grid_referrals == want.grid_referrals);
    CHECK(got.timer_escalations == want.timer_escalations);
    CHECK(got.resolved == want.resolved);
    CHECK(got.abandoned == want.abandoned);
    CHECK(got.open_at_end == want.open_at_end);
    CHECK(same(got.mean_resolution_days, want.mean_resolution_days));
    CHECK(same(got.median_resolution_days, want.median_resolution_days));
    CHECK(same(got.p90_resolution_days, want.p90_resolution_days));
    CHECK(same(got.share_resolved_within_30_days, want.share_resolved_within_30_days));
    CHECK(close(got.mean_detection_days, want.mean_detection_days));
}

void check_against_reference(const models::RunResult& r, const Reference& want) {
    REQUIRE(r.years.size() == want.years.size());
    for (std::size_t y = 0; y < r.years.size(); ++y) {
        INFO("year " << y);
        check_stats(r.years[y].stats, want.years[y]);
        CHECK(close(r.years[y].open_dispute_days, want.open_days[y]));
        CHECK(close(r.years[y].unresolved_dispute_days, want.unresolved_days[y]));
    }
    REQUIRE(r.category_years.size() == want.category_years.size());
    for (std::size_t i = 0; i < r.category_years.size(); ++i) {
        INFO("year x category " << i);
        check_stats(r.category_years[i].stats, want.category_years[i]);
        CHECK(close(r.category_years[i].open_dispute_days, want.cat_open_days[i]));
        CHECK(close(r.category_years[i].unresolved_dispute_days, want.cat_unresolved_days[i]));
    }
    check_stats(r.total.stats, want.total);
    check_stats(r.evaluation.stats, want.evaluation);
    REQUIRE(r.equity.size() == want.equity.size());
    for (std::size_t i = 0; i < r.equity.size(); ++i) {
        INFO("equity row " << i);
        check_stats(r.equity[i].stats, want.equity[i]);
    }
}

/// The small Lishui town with a warm-up, a policy start after the first reported year and
/// levers that leave timers behind closed disputes (deadlines, meeting lists' patience).
models::Scenario scenario() {
    auto s = govsim::test::small_lishui(60000, 6, 3, 1);
    s.model.name = "timers";
    s.model.policy_start = sim::Date{2015, 1, 1};
    govsim::test::add_levers(
        s, "[levers.rapid_response]\noldest_first = true\nresponse_deadline_days = 3\n"
           "[levers.joint_meeting]\ninterval_days = 14\ncases_per_meeting = 20\nsuccess = 0.8\n");
    return s;
}

/// A run of s; `slots`, if given, receives the communities' dispute slots at the run's end.
models::RunResult run(const models::Scenario& s, bool records, bool reuse_slots = true,
                      std::size_t* slots = nullptr) {
    models::RunKey key;
    key.scenario = s.run.name;
    key.model = s.model.name;
    models::RunOptions options;
    options.record_disputes = records;
    options.reuse_dispute_slots = reuse_slots;
    if (slots != nullptr)
        options.on_day_state = [slots](const models::RunState& state) {
            *slots = 0;
            for (const auto& cs : state.communities)
                *slots += cs.disputes.slots();
        };
    return models::run_replicate(s, 11, key, options);
}

} // namespace

TEST_CASE("the summary from disputes counted as they close is the record-by-record summary",
          "[model][summary][tally]") {
    const auto s = scenario();
    const auto r = run(s, true);
    REQUIRE(r.evaluated_from == 2015);
    const int y0 = r.evaluated_from - s.run.start_year;
    const Reference want = reference(r.disputes, models::reported_days(r.daily), y0);
    REQUIRE(want.total.disputes > 1000);
    REQUIRE(want.total.resolved > 0);
    REQUIRE(want.total.open_at_end > 0);
    REQUIRE(want.total.timer_escalations > 0); // the deadlines acted
    check_against_reference(r, want);

    // Without records the run is the same, and so is its summary.
    const auto without = run(s, false);
    CHECK(without.disputes.empty());
    for (std::size_t y = 0; y < r.years.size(); ++y) {
        check_stats(without.years[y].stats, r.years[y].stats);
        CHECK(without.years[y].unresolved_dispute_days == r.years[y].unresolved_dispute_days);
    }
}

TEST_CASE("a tally gives the same counts and quantiles whatever order disputes are added in",
          "[model][summary][tally]") {
    const auto s = scenario();
    const auto r = run(s, true);
    auto shuffled = r.disputes;
    std::mt19937_64 rng(5);
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    models::SummaryInputs in;
    in.start_year = s.run.start_year;
    in.evaluated_from = r.evaluated_from;
    models::RunResult again;
    models::build_summary(shuffled, r.daily, r.monthly, in, again);
    check_against_reference(
        again, reference(r.disputes, models::reported_days(r.daily), r.evaluated_from - 2014));
    // A tally holds one resolution time per resolved dispute of the reported years, no more.
    models::DisputeTally tally(models::reported_days(r.daily));
    for (const DisputeRecord& d : shuffled)
        tally.add(d);
    CHECK(tally.added() == r.disputes.size());
    CHECK(tally.times_held() == r.total.stats.resolved);
}

TEST_CASE("reusing closed disputes' slots changes no result", "[model][summary][tally]") {
    const auto s = scenario();
    std::size_t slots_apart = 0, slots_reused = 0;
    const auto apart = run(s, true, false, &slots_apart);
    const auto reused = run(s, true, true, &slots_reused);
    // Apart, every dispute had a slot of its own; reused, far fewer slots served them all.
    CHECK(slots_apart == apart.disputes.size());
    CHECK(slots_reused < slots_apart / 2);
    REQUIRE(apart.daily.size() == reused.daily.size());
    for (std::size_t d = 0; d < apart.daily.size(); ++d) {
        const auto &a = apart.daily[d], &b = reused.daily[d];
        REQUIRE((a.onsets == b.onsets && a.detections == b.detections && a.resolved == b.resolved &&
                 a.abandoned == b.abandoned && a.complaints == b.complaints &&
                 a.timer_escalations == b.timer_escalations && a.open == b.open &&
                 a.busy_server_days == b.busy_server_days));
    }
    // The same disputes (in another order within a day's closures: by slot, and slots are
    // assigned otherwise).
    REQUIRE(apart.disputes.size() == reused.disputes.size());
    auto a_sorted = apart.disputes, b_sorted = reused.disputes;
    const auto by_onset = [](const DisputeRecord& x, const DisputeRecord& y) {
        return std::tie(x.community, x.onset, x.household) <
               std::tie(y.community, y.onset, y.household);
    };
    std::sort(a_sorted.begin(), a_sorted.end(), by_onset);
    std::sort(b_sorted.begin(), b_sorted.end(), by_onset);
    std::size_t differ = 0;
    for (std::size_t i = 0; i < a_sorted.size(); ++i) {
        const auto &a = a_sorted[i], &b = b_sorted[i];
        differ += same(a.onset, b.onset) && same(a.closed, b.closed) &&
                          same(a.detected, b.detected) && same(a.government, b.government) &&
                          a.household == b.household && a.outcome == b.outcome &&
                          a.handoffs == b.handoffs && a.channel == b.channel
                      ? 0
                      : 1;
    }
    CHECK(differ == 0);
}

TEST_CASE("a released slot is reused under a new id, and its old id reads a closed dispute",
          "[model][tally]") {
    models::DisputeSlots slots;
    const auto add = [&](double onset) {
        models::Dispute x;
        x.record.onset = onset;
        x.state = models::DisputeState::Waiting;
        const std::uint32_t id = slots.next_id();
        slots.push_back(x);
        return id;
    };
    const std::uint32_t a = add(1), b = add(2), c = add(3);
    CHECK((a == 0 && b == 1 && c == 2));
    slots.release(1);
    CHECK(slots[b].state == models::DisputeState::Closed); // a timer left behind by b
    const std::uint32_t d = add(4);
    CHECK((d & models::DisputeSlots::slot_mask) == 1); // b's slot
    CHECK(d != b);
    CHECK(slots[d].record.onset == 4);
    CHECK(slots[b].state == models::DisputeState::Closed); // never d
    CHECK(slots[b].record.onset == 0);
    CHECK(slots[a].record.onset == 1);
    CHECK(slots.slots() == 3);
    std::size_t seen = 0;
    for (const models::Dispute& x : slots)
        seen += x.state == models::DisputeState::Waiting ? 1U : 0U;
    CHECK(seen == 3);
    // A slot serves `generations` disputes, then is retired: its ids are never issued twice.
    std::uint32_t id = d;
    for (std::uint32_t g = 1; g + 1 < models::DisputeSlots::generations; ++g) {
        slots.release(id & models::DisputeSlots::slot_mask);
        id = add(5);
    }
    CHECK((id & models::DisputeSlots::slot_mask) == 1);
    slots.release(1);
    CHECK(slots.retired() == 1);
    const std::uint32_t fresh = add(6);
    CHECK((fresh & models::DisputeSlots::slot_mask) == 3); // a new slot
    CHECK(slots[id].state == models::DisputeState::Closed);
}
