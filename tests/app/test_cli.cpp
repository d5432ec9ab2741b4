// The command-line program as a user meets it: exit statuses, messages, the results file,
// and results that do not depend on --threads.
#include "common/hdf5_reading.hpp"
#include "common/run_govsim.hpp"
#include "common/temp_dir.hpp"
#include "models/comparison.hpp"

#include <algorithm>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <vector>

namespace fs = std::filesystem;
using govsim::test::dataset_bytes;
using govsim::test::slurp;
using govsim::test::TempDir;

namespace {

/// A fresh path in this process's own scratch folder (CTest runs tests in parallel processes),
/// which is removed at exit.
fs::path scratch(const std::string& name) {
    static const TempDir scratch_dir("govsim-cli-tests");
    const fs::path p = scratch_dir.path() / name;
    fs::remove_all(p);
    return p;
}

govsim::test::Outcome run_govsim(const std::string& args) {
    static const fs::path folder = scratch("output");
    fs::create_directories(folder);
    return govsim::test::run_govsim(args, folder);
}

/// A scenario file that includes the shipped Lishui baseline and overrides some of its values
/// (composition, as users write their variants).
fs::path variant(const std::string& name, const std::string& overrides) {
    const fs::path p = scratch(name);
    std::ofstream(p) << "include = [\"" << GOVSIM_SOURCE_DIR
                     << "/scenarios/lishui-baseline.toml\"]\n"
                     << overrides;
    return p;
}

/// A small, fast variant of the reference scenario.
fs::path small_scenario() {
    return variant("small.toml", "[town]\nresidents_at_full_occupancy = 25000\ncommunities = 5\n"
                                 "[run]\nreplicates = 3\n");
}

} // namespace

TEST_CASE("govsim --help lists the subcommands and exits 0", "[cli]") {
    const auto r = run_govsim("--help");
    CHECK(r.status == 0);
    CHECK(r.out.find("run") != std::string::npos);
    CHECK(r.out.find("validate") != std::string::npos);
    CHECK(run_govsim("run --help").status == 0);
    CHECK(run_govsim("validate --help").status == 0);
}

TEST_CASE("every shipped scenario and experiment validates", "[cli]") {
    // Complete scenarios and experiments sit at the top of scenarios/; the folders below hold
    // the fragments they include (parameters, towns, models), checked through them.
    int seen = 0;
    for (const auto& entry :
         fs::directory_iterator(std::string(GOVSIM_SOURCE_DIR) + "/scenarios")) {
        if (entry.path().extension() != ".toml")
            continue;
        ++seen;
        const auto r = run_govsim("validate " + entry.path().string());
        INFO(entry.path() << ": " << r.err);
        CHECK(r.status == 0);
    }
    CHECK(seen >= 1);
}

TEST_CASE("a bad scenario gets one clear error, exit status 2 and no results file", "[cli]") {
    const fs::path bad = variant("bad.toml", "[town]\nnonlocal_share = 1.86\n");
    const fs::path out = scratch("bad.h5");
    const auto r = run_govsim("run " + bad.string() + " -o " + out.string());
    CHECK(r.status == 2);
    CHECK(r.err.find(bad.string() + ":3:") != std::string::npos); // where the value was written
    CHECK(r.err.find("nonlocal_share") != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK_FALSE(fs::exists(out));
    CHECK(run_govsim("validate " + bad.string()).status == 2);
}

TEST_CASE("a missing scenario file or bad arguments exit with status 2", "[cli]") {
    CHECK(run_govsim("validate /nonexistent/scenario.toml").status == 2);
    const auto small = small_scenario().string();
    CHECK(
        run_govsim("run " + small + " -o " + scratch("x.h5").string() + " --replicates 0").status ==
        2);
    CHECK(run_govsim("run " + small + " -o " + scratch("x.h5").string() + " --threads 0").status ==
          2);
    CHECK(run_govsim("run " + small).status == 2); // no -o
    CHECK(run_govsim("frobnicate").status == 2);
}

TEST_CASE("a bad --disputes-deflate level gets one clear error and exit status 2", "[cli]") {
    const auto small = small_scenario().string();
    for (const char* level : {"10", "-1", "fast", "1.5", ""}) {
        CAPTURE(level);
        const fs::path out = scratch("deflate.h5");
        const auto r = run_govsim("run " + small + " -o " + out.string() +
                                  " -q --disputes --disputes-deflate '" + level + "'");
        CHECK(r.status == 2);
        // One line naming the option and its range (CLI11 adds its pointer to --help).
        const std::string first = r.err.substr(0, r.err.find('\n'));
        CHECK(first.find("--disputes-deflate") != std::string::npos);
        CHECK(first.find("0 to 9") != std::string::npos);
        CHECK(r.err.substr(first.size()) == "\nRun with --help for more information.\n");
        CHECK_FALSE(fs::exists(out));
        const auto m = run_govsim("merge -o " + out.string() + " --disputes-deflate '" + level +
                                  "' " + out.string() + ".shard");
        CHECK(m.status == 2);
        CHECK(m.err.find("--disputes-deflate") != std::string::npos);
    }
}

TEST_CASE("govsim export writes /disputes' enumerations as their names", "[cli]") {
    const auto small = small_scenario().string();
    const fs::path out = scratch("export-disputes.h5"), csv = scratch("export-disputes.csv");
    REQUIRE(run_govsim("run " + small + " -o " + out.string() + " -q --disputes").status == 0);
    REQUIRE(run_govsim("export " + out.string() + " disputes -o " + csv.string()).status == 0);
    std::ifstream in(csv);
    std::string header, row;
    REQUIRE(std::getline(in, header));
    CHECK(header.rfind("run,community,compound,household,category,onset,", 0) == 0);
    std::size_t rows = 0, named = 0;
    while (std::getline(in, row)) {
        ++rows;
        named += row.find(",resolved,") != std::string::npos ||
                 row.find(",abandoned,") != std::string::npos ||
                 row.find(",open,") != std::string::npos;
    }
    CHECK(rows > 0);
    CHECK(named == rows); // every row's outcome by its name
}

TEST_CASE("an unwritable results path is reported before any simulation", "[cli]") {
    const auto r =
        run_govsim("run " + small_scenario().string() + " -o /nonexistent-dir/out.h5 -q");
    CHECK(r.status == 2);
    CHECK(r.err.find("/nonexistent-dir") != std::string::npos);
    const fs::path dir = scratch("a-directory");
    fs::create_directories(dir);
    CHECK(run_govsim("run " + small_scenario().string() + " -o " + dir.string() + " -q").status ==
          2);
}

TEST_CASE("the results file is the same for 1 and 2 threads", "[cli][determinism]") {
    const auto small = small_scenario().string();
    const fs::path one = scratch("one.h5"), two = scratch("two.h5");
    REQUIRE(
        run_govsim("run " + small + " -o " + one.string() + " --threads 1 -q --disputes").status ==
        0);
    REQUIRE(
        run_govsim("run " + small + " -o " + two.string() + " --threads 2 -q --disputes").status ==
        0);
    for (const char* name :
         {"/summary", "/summary_by_category", "/daily", "/monthly", "/disputes"}) {
        INFO(name);
        const auto a = dataset_bytes(one, name);
        CHECK(!a.empty());
        CHECK(a == dataset_bytes(two, name));
    }
    // Nothing but the final file is left behind.
    for (const auto& entry : fs::directory_iterator(one.parent_path()))
        CHECK((entry.path().string().find(".tmp") == std::string::npos &&
               entry.path().string().find(".partial") == std::string::npos));
}

TEST_CASE("a run prints the summary table and the seed changes the results", "[cli]") {
    const auto small = small_scenario().string();
    const fs::path a = scratch("seed-a.h5"), b = scratch("seed-b.h5");
    const auto r = run_govsim("run " + small + " -o " + a.string() + " --seed 1");
    REQUIRE(r.status == 0);
    CHECK(r.out.find("complaints") != std::string::npos);
    CHECK(r.out.find("median resolution") != std::string::npos);
    REQUIRE(run_govsim("run " + small + " -o " + b.string() + " --seed 2 -q").status == 0);
    CHECK(dataset_bytes(a, "/summary") != dataset_bytes(b, "/summary"));
}

TEST_CASE("finished runs of another invocation are never mixed into a results file", "[cli]") {
    const auto small = small_scenario().string();
    const fs::path out = scratch("mixed.h5");
    const fs::path partial = out.string() + ".partial";
    fs::create_directories(partial);
    std::ofstream(partial / "fingerprint") << "another scenario";
    const auto r = run_govsim("run " + small + " -o " + out.string() + " -q");
    CHECK(r.status == 2);
    CHECK(r.err.find(".partial") != std::string::npos);
    CHECK_FALSE(fs::exists(out));
}

namespace {

/// A small experiment: two shipped towns (shrunk) crossed with two shipped models.
fs::path small_experiment() {
    const std::string dir = std::string(GOVSIM_SOURCE_DIR) + "/scenarios/";
    const fs::path p = scratch("experiment.toml");
    std::ofstream(p) << "include = [\"" << dir << "parameters/nanhai.toml\"]\n"
                     << "[experiment]\n"
                     << "towns = [\"" << dir << "towns/lishui.toml\", \"" << dir
                     << "towns/dali.toml\"]\n"
                     << "models = [\"" << dir << "models/baseline.toml\", \"" << dir
                     << "models/denghu.toml\"]\n"
                     << "[run]\nname = \"small-comparison\"\nstart_year = 2014\nyears = 1\n"
                     << "replicates = 3\nseed = 5\n"
                     << "[town]\nresidents_at_full_occupancy = 12000\ncommunities = 3\n";
    return p;
}

} // namespace

TEST_CASE("an experiment prints the model comparison and writes it as CSV", "[cli][comparison]") {
    const fs::path out = scratch("experiment.h5");
    const fs::path csv = scratch("experiment.csv");
    const auto r = run_govsim("run " + small_experiment().string() + " -o " + out.string());
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(r.out.find("difference from baseline") != std::string::npos);
    CHECK(r.out.find("denghu") != std::string::npos);
    const std::string text = slurp(csv);
    // A header; one line per town, model and metric, for the evaluation period (year 0) and
    // for its one year; per town, model, group of households and equity metric; and five
    // cost lines per town and model other than the baseline.
    const std::size_t groups = 3 + 2 + 3 + 2;
    CHECK(std::count(text.begin(), text.end(), '\n') ==
          static_cast<long>(1 + 2 * 2 * govsim::models::metric_count * 2 +
                            2 * 2 * groups * govsim::models::equity_metrics.size() + 2 * 5));
    CHECK(text.find("dali,denghu,all,all,complaints_per_year,0,2014,2014,3,") != std::string::npos);
    CHECK(text.find("dali,denghu,all,all,complaints_per_year,2014,2014,2014,3,") !=
          std::string::npos);
    CHECK(text.find("dali,denghu,tenure,tenant,resolved_share,0,2014,2014,3,") !=
          std::string::npos);
    CHECK(text.find("dali,denghu,all,all,cost_per_extra_resolved,") != std::string::npos);
    CHECK(dataset_bytes(out, "/comparison").size() > 0);
}

TEST_CASE("govsim attribute gives each lever of a model its share", "[cli][attribution]") {
    const auto exp = small_experiment().string();
    const fs::path csv = scratch("attribution.csv");
    const auto r = run_govsim("attribute " + exp + " --town dali --model denghu --replicates 2" +
                              " --csv " + csv.string());
    INFO(r.err);
    REQUIRE(r.status == 0);
    for (const char* lever : {"self_governance", "information_platform", "rapid_response"})
        CHECK(r.out.find(lever) != std::string::npos);
    // --csv: a row per lever with its share and interval; the shares add up to the change the
    // table prints (Shapley values are efficient).
    INFO(r.out);
    std::istringstream rows(slurp(csv));
    std::string line;
    REQUIRE(std::getline(rows, line));
    CHECK(line == "town,model,metric,lever,share,lower,upper,replicates,exact");
    std::vector<std::string> levers;
    double sum = 0;
    while (std::getline(rows, line)) {
        std::vector<std::string> f;
        std::istringstream cells(line);
        for (std::string cell; std::getline(cells, cell, ',');)
            f.push_back(cell);
        REQUIRE(f.size() == 9);
        CHECK(f[0] == "dali");
        CHECK(f[1] == "denghu");
        CHECK(f[2] == "complaints_per_year");
        CHECK(std::stod(f[5]) <= std::stod(f[4]));
        CHECK(std::stod(f[4]) <= std::stod(f[6]));
        CHECK(f[7] == "2");
        CHECK(f[8] == "1"); // three levers: every subset run
        levers.push_back(f[3]);
        sum += std::stod(f[4]);
        // the table's row for the lever shows the same share, to two decimals
        CHECK(r.out.find(fmt::format("{:+.2f}", std::stod(f[4]))) != std::string::npos);
    }
    // every lever once, in the table's order
    REQUIRE(levers.size() == 3);
    CHECK(std::is_permutation(
        levers.begin(), levers.end(),
        std::vector<std::string>{"self_governance", "information_platform", "rapid_response"}
            .begin()));
    CHECK(r.out.find(levers[0]) < r.out.find(levers[1]));
    CHECK(r.out.find(levers[1]) < r.out.find(levers[2]));
    const auto at = r.out.find(": change ");
    REQUIRE(at != std::string::npos);
    CHECK(std::abs(sum - std::stod(r.out.substr(at + 9))) < 0.006);
    // An ambiguous choice, an unknown model and the baseline (no levers) are bad requests.
    CHECK(run_govsim("attribute " + exp + " --replicates 2").status == 2);
    CHECK(run_govsim("attribute " + exp + " --town dali --model nonesuch").status == 2);
    CHECK(run_govsim("attribute " + exp + " --town dali --model baseline").status == 2);
    CHECK(run_govsim("attribute " + exp + " --town dali --model denghu --metric nonesuch").status ==
          2);
}
