// Interrupted experiments keep what they finished and resume to the same results.
#include "models/checkpoint.hpp"
#include "models/experiment.hpp"
#include "sim/results_file.hpp"
#include "test_helpers.hpp"

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <unistd.h>

using namespace govsim;
namespace fs = std::filesystem;

namespace {

fs::path fresh_folder(const std::string& name) {
    const fs::path p =
        fs::temp_directory_path() / ("govsim-checkpoint-" + std::to_string(getpid()) + "-" + name);
    fs::remove_all(p);
    return p;
}

/// Bitwise equality of a double (NaN included), the fields of a row one by one: structs have
/// padding bytes whose content is not part of the value.
bool same(double a, double b) {
    return std::memcmp(&a, &b, sizeof a) == 0;
}

bool same(const models::DisputeStats& a, const models::DisputeStats& b) {
    return a.disputes == b.disputes && a.complaints == b.complaints && a.resolved == b.resolved &&
           a.abandoned == b.abandoned && a.open_at_end == b.open_at_end &&
           same(a.mean_resolution_days, b.mean_resolution_days) &&
           same(a.median_resolution_days, b.median_resolution_days) &&
           same(a.p90_resolution_days, b.p90_resolution_days) &&
           same(a.mean_detection_days, b.mean_detection_days) &&
           same(a.share_resolved_within_30_days, b.share_resolved_within_30_days);
}

void require_same(const models::RunResult& a, const models::RunResult& b) {
    CHECK(a.key.index == b.key.index);
    CHECK(a.key.scenario == b.key.scenario);
    CHECK(a.key.replicate == b.key.replicate);
    CHECK(a.units == b.units);
    REQUIRE(a.years.size() == b.years.size());
    for (std::size_t i = 0; i < a.years.size(); ++i) {
        CHECK(a.years[i].year == b.years[i].year);
        CHECK(same(a.years[i].households, b.years[i].households));
        CHECK(same(a.years[i].stats, b.years[i].stats));
    }
    REQUIRE(a.category_years.size() == b.category_years.size());
    for (std::size_t i = 0; i < a.category_years.size(); ++i) {
        CHECK(a.category_years[i].category == b.category_years[i].category);
        CHECK(same(a.category_years[i].stats, b.category_years[i].stats));
    }
    REQUIRE(a.daily.size() == b.daily.size());
    for (std::size_t i = 0; i < a.daily.size(); ++i) {
        CHECK(a.daily[i].onsets == b.daily[i].onsets);
        CHECK(a.daily[i].open == b.daily[i].open);
        CHECK(same(a.daily[i].busy_server_days[0], b.daily[i].busy_server_days[0]));
    }
    REQUIRE(a.monthly.size() == b.monthly.size());
    for (std::size_t i = 0; i < a.monthly.size(); ++i)
        CHECK(same(a.monthly[i].mean_satisfaction, b.monthly[i].mean_satisfaction));
    REQUIRE(a.disputes.size() == b.disputes.size());
    for (std::size_t i = 0; i < a.disputes.size(); ++i) {
        CHECK(same(a.disputes[i].onset, b.disputes[i].onset));
        CHECK(same(a.disputes[i].closed, b.disputes[i].closed));
        CHECK(a.disputes[i].household == b.disputes[i].household);
    }
}

} // namespace

TEST_CASE("a saved run is loaded back exactly", "[checkpoint]") {
    const auto s = govsim::test::small_lishui(15000, 3, 1);
    models::RunOptions o;
    o.record_disputes = true;
    const auto run = models::run_replicate(s, 3, {2, s.run.name, s.town.name, s.model.name, 2}, o);
    const auto folder = fresh_folder("roundtrip");
    const models::Checkpoint cp(folder, "fingerprint");
    CHECK(cp.saved() == 0);
    CHECK_FALSE(cp.load(2).has_value());
    cp.save(run);
    CHECK(cp.saved() == 1);
    const auto back = cp.load(2);
    REQUIRE(back.has_value());
    require_same(run, *back);
    cp.remove();
    CHECK_FALSE(fs::exists(folder));
}

TEST_CASE("a checkpoint of another scenario or seed is refused, not mixed in", "[checkpoint]") {
    const auto folder = fresh_folder("mismatch");
    { const models::Checkpoint cp(folder, "scenario A, seed 1"); }
    CHECK_NOTHROW(models::Checkpoint(folder, "scenario A, seed 1"));
    CHECK_THROWS_AS(models::Checkpoint(folder, "scenario A, seed 2"), sim::OutputError);
    fs::remove_all(folder);
}

TEST_CASE("a resumed experiment gives the results of an uninterrupted one", "[checkpoint]") {
    const auto s = govsim::test::small_lishui(15000, 3, 1);
    models::ExperimentOptions o;
    o.seed = 17;
    o.replicates = 4;
    o.record_disputes = true;
    const auto uninterrupted = models::run_experiment(s, o);

    // An "interrupted" experiment: only replicates 1 and 3 were finished and saved.
    const auto folder = fresh_folder("resume");
    const models::Checkpoint cp(folder, "f");
    cp.save(uninterrupted[1]);
    cp.save(uninterrupted[3]);
    o.checkpoint = &cp;
    const auto resumed = models::run_experiment(s, o);
    CHECK(cp.saved() == 4); // the runs done now were saved as they finished
    REQUIRE(resumed.size() == uninterrupted.size());
    for (std::size_t i = 0; i < resumed.size(); ++i)
        require_same(uninterrupted[i], resumed[i]);
    cp.remove();
}
