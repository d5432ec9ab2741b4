// A run that fails (here: its checkpoint cannot be written) never changes the runs beside it:
// they finish, are saved complete, and a rerun gives the results of an uninterrupted run.
#include "common/temp_dir.hpp"
#include "models/checkpoint.hpp"
#include "models/experiment.hpp"
#include "sim/experiment.hpp"
#include "test_helpers.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <mutex>

using namespace govsim;
namespace fs = std::filesystem;

namespace {

bool same_bits(double a, double b) {
    return std::memcmp(&a, &b, sizeof a) == 0;
}

/// Every daily row and the pooled row are bit-identical.
bool same_run(const models::RunResult& a, const models::RunResult& b) {
    if (a.daily.size() != b.daily.size() || a.total.stats.disputes != b.total.stats.disputes ||
        !same_bits(a.total.stats.mean_resolution_days, b.total.stats.mean_resolution_days))
        return false;
    for (std::size_t d = 0; d < a.daily.size(); ++d)
        if (a.daily[d].onsets != b.daily[d].onsets || a.daily[d].resolved != b.daily[d].resolved ||
            a.daily[d].open != b.daily[d].open ||
            !same_bits(a.daily[d].busy_server_days[1], b.daily[d].busy_server_days[1]))
            return false;
    return true;
}

} // namespace

TEST_CASE("a failing checkpoint write beside running runs leaves them whole", "[failure]") {
    const sim::ThreadLimit threads(2);
    const auto scenario = govsim::test::small_lishui(40000, 6, 1);
    const std::vector<models::Scenario> scenarios{scenario};
    models::ExperimentOptions options;
    options.seed = 9;
    options.replicates = 6;
    const auto reference = models::run_experiment(scenarios, options);
    const models::ExperimentPlan plan(scenarios, 9, 6, false);

    const govsim::test::TempDir dir("govsim-failure");
    models::Fingerprint fingerprint;
    fingerprint.add("seed", "9");
    const models::Checkpoint store(dir.path() / "out.h5.partial", fingerprint);
    // Run 2's checkpoint cannot be renamed into place: a directory has its name.
    fs::create_directory(store.run_path(2));
    options.checkpoint = &store;
    std::vector<std::size_t> delivered;
    std::mutex mutex;
    try {
        models::run_runs(plan, plan.all(), options, [&](models::RunResult&& r) {
            const std::lock_guard lock(mutex);
            delivered.push_back(r.key.index);
            CHECK(same_run(r, reference[r.key.index]));
        });
        FAIL("the failing save was not reported");
    } catch (const sim::RunFailure& e) {
        CHECK(e.index() == 2);
        const std::string message = e.what();
        CHECK(message.find("run 2 (town 'lishui', model 'baseline', replicate 2)") !=
              std::string::npos);
        CHECK(message.find("cannot save") != std::string::npos);
        CHECK(message.find("run-000002.bin") != std::string::npos);
    }
    // Every run saved is complete and identical to the uninterrupted one; run 2 is not saved.
    for (const std::size_t i : store.saved_indices()) {
        INFO("run " << i);
        REQUIRE(i != 2);
        std::string problem;
        const auto saved = store.load(plan.shape(i), &problem);
        INFO(problem);
        REQUIRE(saved.has_value());
        CHECK(same_run(*saved, reference[i]));
    }
    CHECK(std::find(delivered.begin(), delivered.end(), 2) == delivered.end());

    // Once the cause is gone, the rest is run and the results are those of an uninterrupted run.
    fs::remove(store.run_path(2));
    auto resumed_options = options;
    const auto resumed = models::run_experiment(scenarios, resumed_options);
    for (std::size_t i = 0; i < resumed.size(); ++i)
        CHECK(same_run(resumed[i], reference[i]));
    CHECK(store.saved() == 6);
}
