// The onset process (docs/ODD.md §7.2): each compound's onsets are a Poisson process at the rate
// the mechanism computes (onsets::rates), drawn by the time change of a unit-rate process. With
// the compounds' state held fixed (no events handled, nobody moving in), counts over many days
// must match the rates: means and variances of Poisson counts, checked within 5 standard errors
// derived from the Poisson variance (false-failure probability below 1e-6 per check); seeds are
// fixed, so the tests are deterministic.
#include "models/audit.hpp"
#include "models/mechanisms/onsets.hpp"
#include "models/run_state.hpp"
#include "test_helpers.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <functional>
#include <vector>

using namespace govsim;
using models::RunState;

namespace {

constexpr double kZ = 5.0;

struct Observed {
    std::vector<std::uint32_t> per_day; ///< onsets of the whole town per day
    std::array<double, models::category_count * models::role_count> per_cell{};
    std::vector<double> per_compound;
    double fraction_sum = 0; ///< sum of the onsets' times within their day
    std::size_t onsets = 0;
};

/// Draws `days` days of onsets with the town as on day 0 (everyone who moves in on day 0 is
/// there), handling no event, and tallies them by day, (category, role) and compound.
Observed draw_days(RunState& run, int days) {
    const std::uint32_t n_comm = static_cast<std::uint32_t>(run.world.communities.size());
    for (std::uint32_t m = 0; m < n_comm; ++m)
        models::onsets::move_in(run, m, 0);
    Observed o;
    o.per_compound.assign(run.world.compounds.size(), 0.0);
    for (int d = 0; d < days; ++d) {
        std::size_t before = 0;
        for (std::uint32_t m = 0; m < n_comm; ++m)
            before += run.communities[m].disputes.slots(); // none closes: a slot each
        for (std::uint32_t m = 0; m < n_comm; ++m)
            models::onsets::draw(run, m, d);
        std::size_t after = 0;
        for (std::uint32_t m = 0; m < n_comm; ++m)
            after += run.communities[m].disputes.slots();
        o.per_day.push_back(static_cast<std::uint32_t>(after - before));
    }
    const auto& u = run.world.units;
    const auto& cp = run.world.compounds;
    for (std::uint32_t m = 0; m < n_comm; ++m)
        for (const auto& x : run.communities[m].disputes) {
            const auto& r = x.record;
            const std::uint32_t i = r.household;
            const bool occupied = i < cp.first_unit[r.compound] + cp.occupied[r.compound];
            models::Role role = models::Role::AbsenteeOwner;
            if (x.party == models::Party::Resident) {
                REQUIRE(occupied);
                role = u.let[i] ? models::Role::Tenant : models::Role::OwnerOccupier;
            } else {
                REQUIRE((!occupied || u.let[i]));
            }
            o.per_cell[models::index(r.category) * models::role_count + models::index(role)] += 1;
            o.per_compound[r.compound] += 1;
            o.fraction_sum += r.onset - std::floor(r.onset);
            ++o.onsets;
        }
    return o;
}

} // namespace

TEST_CASE("onset counts match the Poisson rates by category, role, compound and day",
          "[model][onsets][statistics]") {
    auto s = test::small_lishui(200000, 6, 1);
    s.town.occupancy_start = 0.8; // some units empty, some let: every role has parties
    s.town.occupancy_growth_per_year = 0;
    RunState run(s, 20240611, 0);
    const int days = 3000;
    // Expected rates, with the town as it is after day 0's move-in (draw_days holds it there).
    for (std::uint32_t m = 0; m < run.world.communities.size(); ++m)
        models::onsets::move_in(run, m, 0);
    models::onsets::CellRates expected_cell{};
    std::vector<double> expected_compound(run.world.compounds.size(), 0.0);
    for (std::uint32_t c = 0; c < run.world.compounds.size(); ++c) {
        if (run.world.compounds.occupied[c] == 0)
            continue;
        const auto cell = models::onsets::rates(run, c);
        for (std::size_t j = 0; j < cell.size(); ++j) {
            expected_cell[j] += cell[j] * days;
            expected_compound[c] += cell[j] * days;
        }
    }
    const Observed o = draw_days(run, days);

    double expected_total = 0;
    for (std::size_t j = 0; j < expected_cell.size(); ++j) {
        // A cell's count is Poisson: its variance is its mean.
        INFO("cell " << j << ": " << o.per_cell[j] << " onsets, " << expected_cell[j]
                     << " expected");
        if (expected_cell[j] == 0)
            CHECK(o.per_cell[j] == 0);
        else
            CHECK(std::abs(o.per_cell[j] - expected_cell[j]) <= kZ * std::sqrt(expected_cell[j]));
        expected_total += expected_cell[j];
    }
    REQUIRE(expected_total > 10000); // enough onsets for the checks to have power

    // Over compounds: the Pearson statistic sum (o - e)^2 / e has mean n and variance about 2n
    // for n compounds with independent Poisson counts.
    double pearson = 0;
    double n = 0;
    for (std::size_t c = 0; c < expected_compound.size(); ++c) {
        if (expected_compound[c] <= 0)
            continue;
        pearson += std::pow(o.per_compound[c] - expected_compound[c], 2) / expected_compound[c];
        n += 1;
    }
    INFO("Pearson statistic " << pearson << " over " << n << " compounds");
    CHECK(std::abs(pearson - n) <= kZ * std::sqrt(2 * n));

    // Daily totals are Poisson with mean lambda: their sample variance is lambda too, with a
    // standard error of sqrt((lambda + 2 lambda^2) / days) (the fourth central moment of a
    // Poisson count is lambda + 3 lambda^2).
    const double lambda = expected_total / days;
    double sum = 0, sum_sq = 0;
    for (const auto k : o.per_day) {
        sum += k;
        sum_sq += static_cast<double>(k) * k;
    }
    const double mean = sum / days;
    const double variance = (sum_sq - days * mean * mean) / (days - 1);
    INFO("daily mean " << mean << ", variance " << variance << ", rate " << lambda);
    CHECK(std::abs(mean - lambda) <= kZ * std::sqrt(lambda / days));
    CHECK(std::abs(variance - lambda) <= kZ * std::sqrt((lambda + 2 * lambda * lambda) / days));

    // Times within the day are uniform: mean 1/2, variance 1/12.
    const double n_onsets = static_cast<double>(o.onsets);
    CHECK(std::abs(o.fraction_sum / n_onsets - 0.5) <= kZ * std::sqrt(1.0 / 12.0 / n_onsets));
}

TEST_CASE("a compound's onsets do not depend on the days other communities drew",
          "[model][onsets][determinism]") {
    // Community 1's onsets are the same whether community 0 drew its days before, after or not
    // at all: each community draws from its own streams only.
    auto s = test::small_lishui(60000, 3, 1);
    RunState a(s, 77, 0), b(s, 77, 0);
    for (std::uint32_t m = 0; m < 3; ++m) {
        models::onsets::move_in(a, m, 0);
        models::onsets::move_in(b, m, 0);
    }
    for (int d = 0; d < 200; ++d) {
        models::onsets::draw(a, 0, d);
        models::onsets::draw(a, 1, d);
    }
    for (int d = 0; d < 200; ++d)
        models::onsets::draw(b, 1, d);
    const auto& x = a.communities[1].disputes;
    const auto& y = b.communities[1].disputes;
    REQUIRE(x.slots() == y.slots()); // none closes: a slot each, ids 0, 1, ...
    REQUIRE(!x.empty());
    for (std::uint32_t k = 0; k < x.slots(); ++k) {
        CHECK(x[k].record.onset == y[k].record.onset);
        CHECK(x[k].record.household == y[k].record.household);
        CHECK(x[k].record.category == y[k].record.category);
    }
}

TEST_CASE("a change to any input of a compound's onset rates that is not marked leaves a stale "
          "rate the audit finds; marked, the draw computes the rates afresh",
          "[onsets][cache][audit]") {
    // onsets::draw reuses a compound's rate total until onsets::inputs_changed marks it, so a
    // change to a rate input that is not marked would leave stale rates. Each input is changed
    // alone after a draw has cached the rates: unmarked, the audit (models/audit.hpp, run
    // daily by the lever tests) reports the compound wherever its rates moved; marked, it
    // reports nothing and the next draw caches the new rates.
    auto s = test::small_lishui(30000, 3, 1);
    s.town.occupancy_start = 0.8;
    s.town.tenant_share_local = 0.3;
    RunState run(s, 5, 0);
    for (std::uint32_t m = 0; m < run.world.communities.size(); ++m)
        models::onsets::move_in(run, m, 0);
    auto& cp = run.world.compounds;
    std::uint32_t c = 0;
    while (c < cp.size() && (cp.occupied[c] < 10 || cp.tenants[c] == 0))
        ++c;
    REQUIRE(c < cp.size());
    const std::uint32_t m = cp.community[c];
    using Change = std::function<void()>;
    const auto flip_committee = [&] {
        cp.committee[c] = cp.committee[c] == models::Committee::Functioning
                              ? models::Committee::None
                              : models::Committee::Functioning;
    };
    const auto flip_manager = [&] {
        cp.manager[c] =
            cp.manager[c] == models::Manager::None ? models::Manager::Firm : models::Manager::None;
    };
    const auto flip_housing = [&] {
        cp.housing[c] = cp.housing[c] == models::HousingType::Resettlement
                            ? models::HousingType::Commodity
                            : models::HousingType::Resettlement;
    };
    std::vector<Change> changes{
        [&] { cp.cars[c] += 50; },
        [&] { cp.parking_spaces[c] /= 2; },
        [&] { cp.occupied[c] -= 1; },
        [&] { cp.tenants[c] += 3; },
        [&] { cp.nonlocal[c] += 5; },
        [&] { cp.service_quality[c] *= 0.5; },
        flip_committee,
        flip_manager,
        flip_housing,
    };
    for (std::size_t r = 0; r < models::role_count; ++r)
        changes.push_back([&, r] { cp.onset_weight[c][r] *= 1.5; });
    for (std::size_t k = 0; k < models::category_count; ++k)
        changes.push_back([&, k] { cp.onset_multiplier[c][k] *= 0.5F; });
    // The parameter tables, as apply_parameters changes them: every compound's rates move,
    // and apply_parameters marks every compound.
    const std::size_t every_compound = changes.size();
    changes.push_back([&] { run.eff.rate_per_weight_day[0] *= 2; });
    std::size_t moved = 0;
    for (std::size_t j = 0; j < changes.size(); ++j) {
        for (const bool marked : {false, true}) {
            const RunState before(run, s); // a copy of the state, to restore after each change
            INFO("change " << j << (marked ? ", marked" : ", not marked"));
            for (std::uint32_t n = 0; n < run.world.communities.size(); ++n)
                models::onsets::draw(run, n, 1); // caches every compound's rates
            REQUIRE(run.handlers[c].rates_current);
            CHECK(models::audit_onset_cache(run).empty());
            const auto rates = models::onsets::rates(run, c);
            changes[j]();
            if (marked && j == every_compound)
                for (std::uint32_t k = 0; k < cp.size(); ++k)
                    models::onsets::inputs_changed(run, k);
            else if (marked)
                models::onsets::inputs_changed(run, c);
            const bool rates_moved = models::onsets::rates(run, c) != rates;
            const auto problems = models::audit_onset_cache(run);
            if (j == every_compound) // every compound with onsets, not c alone
                CHECK((problems.size() > 1) == (rates_moved && !marked));
            else
                CHECK(problems.size() == (rates_moved && !marked ? 1U : 0U));
            if (marked) {
                models::onsets::draw(run, m, 2);
                CHECK(run.handlers[c].rates_current);
                CHECK(run.handlers[c].rates_total ==
                      models::onsets::total(models::onsets::rates(run, c)));
                CHECK(run.onset_cells[c] == models::onsets::rates(run, c));
                moved += rates_moved ? 1 : 0;
            }
            run.world = before.world;
            run.eff = before.eff;
            run.handlers = before.handlers;
            run.onset_cells = before.onset_cells;
            run.communities = before.communities;
        }
    }
    CHECK(moved >= changes.size() - 4); // nearly every input matters in this scenario
}
