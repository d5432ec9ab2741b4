// Sweeps as a user meets them (issue #9, items 1-3): `govsim run --set`, an experiment file with
// a [design], the per-run table /runs and /design, CSV export, and a design's results the same
// for any number of threads, over shards merged, and when reproduced.
#include "common/run_govsim.hpp"
#include "common/temp_dir.hpp"
#include "sim/results_file.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/wait.h>

namespace fs = std::filesystem;
using govsim::test::TempDir;

namespace {

struct Outcome {
    int status;
    std::string out, err;
};

/// Runs `command` (the govsim binary is $G) through the shell in `dir`.
Outcome shell_in(const fs::path& dir, const std::string& command) {
    const auto out = dir / "stdout.txt", err = dir / "stderr.txt";
    const std::string line =
        fmt::format("cd '{}' && G='{}' && ( {} ) >'{}' 2>'{}' </dev/null", dir.string(),
                    GOVSIM_BINARY, command, out.string(), err.string());
    const int raw = std::system(line.c_str());
    Outcome o{WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, govsim::test::slurp(out),
              govsim::test::slurp(err)};
    fs::remove(out);
    fs::remove(err);
    return o;
}

/// One small town x two models x a factorial design of 2 x 2 points, 2 replicates: 16 runs.
void write_sweep(const fs::path& dir) {
    const std::string shipped = std::string(GOVSIM_SOURCE_DIR) + "/scenarios/";
    std::ofstream(dir / "town.toml") << "include = [\"" << shipped << "towns/dali.toml\"]\n"
                                     << "[town]\nresidents_at_full_occupancy = 9000\n"
                                     << "communities = 2\n";
    std::ofstream(dir / "sweep.toml")
        << "include = [\"" << shipped << "parameters/nanhai.toml\"]\n"
        << "[experiment]\ntowns = [\"town.toml\"]\nmodels = [\"" << shipped
        << "models/baseline.toml\", \"" << shipped << "models/denghu.toml\"]\n"
        << "[run]\nname = \"sweep\"\nstart_year = 2014\nyears = 1\nwarmup_years = 0\n"
        << "replicates = 2\nseed = 11\n"
        << "[design]\nkind = \"factorial\"\n"
        << "[[design.parameters]]\nkey = \"escalation.escalate_base\"\nvalues = [0.1, 0.4]\n"
        << "[[design.parameters]]\nkey = \"handlers.departments[urban_management].servers\"\n"
        << "values = [2, 8]\n";
}

void require_identical(const fs::path& a, const fs::path& b) {
    const auto differences = govsim::sim::compare_datasets(a, b, {"wall_seconds"});
    for (const auto& d : differences)
        INFO(d.dataset << ": " << d.what);
    CHECK(differences.empty());
}

} // namespace

TEST_CASE("a sweep: design points and --set recorded, one row per run in /runs", "[cli][design]") {
    const TempDir dir("govsim-sweep");
    write_sweep(dir.path());
    const auto one = shell_in(dir.path(), "$G run sweep.toml -o one.h5 -q --threads 1 --set "
                                          "'detection.report_delay_days=2.5'");
    INFO(one.err);
    REQUIRE(one.status == 0);
    const govsim::sim::ResultsReader f(dir.path() / "one.h5");
    REQUIRE(f.rows("runs") == 16);
    // Run i: point i / 4 (2 models x 2 replicates each), the last parameter fastest.
    const auto point = f.uint_column("runs", "point");
    const auto base = f.double_column("runs", "escalation.escalate_base");
    const auto servers = f.double_column("runs", "handlers.departments[urban_management].servers");
    const auto replicate = f.uint_column("runs", "replicate");
    const auto models = f.string_column("runs", "model");
    for (std::size_t i = 0; i < 16; ++i) {
        CAPTURE(i);
        CHECK(point[i] == i / 4);
        CHECK(base[i] == (i / 8 == 0 ? 0.1 : 0.4));
        CHECK(servers[i] == ((i / 4) % 2 == 0 ? 2.0 : 8.0));
        CHECK(replicate[i] == i % 2);
        CHECK(models[i] == ((i / 2) % 2 == 0 ? "baseline" : "denghu"));
    }
    CHECK(f.rows("design/points") == 4);
    CHECK(f.string_attribute("design_kind") == "factorial");
    CHECK(f.uint_attribute("design_factors") == 2);
    CHECK(f.double_column("design/points", "u1") == std::vector<double>{0, 1, 0, 1});
    CHECK(f.string_attribute("overrides") == "detection.report_delay_days=2.5\n");
    CHECK_FALSE(f.has_dataset("comparison")); // a design's runs differ in parameters
    // The CSV beside the file is /runs, the same as govsim export writes.
    const auto exported = shell_in(dir.path(), "$G export one.h5 runs -o runs.csv");
    REQUIRE(exported.status == 0);
    const std::string csv = govsim::test::slurp(dir.path() / "one.csv");
    CHECK(csv == govsim::test::slurp(dir.path() / "runs.csv"));
    CHECK(csv.rfind("index,scenario,town,model,replicate,point,escalation.escalate_base,", 0) == 0);
    CHECK(std::count(csv.begin(), csv.end(), '\n') == 17);
    CHECK(shell_in(dir.path(), "$G export one.h5 nothing -o x.csv").status == 2);

    SECTION("the same file from 2 threads, and from shards merged") {
        REQUIRE(shell_in(dir.path(), "$G run sweep.toml -o two.h5 -q --threads 2 --set "
                                     "'detection.report_delay_days=2.5'")
                    .status == 0);
        require_identical(dir.path() / "one.h5", dir.path() / "two.h5");
        for (int k = 1; k <= 2; ++k)
            REQUIRE(shell_in(dir.path(),
                             fmt::format("$G run sweep.toml -q --shard {}/2 -o s{}.h5 --set "
                                         "'detection.report_delay_days=2.5'",
                                         k, k))
                        .status == 0);
        REQUIRE(shell_in(dir.path(), "$G merge -q -o merged.h5 s1.h5 s2.h5").status == 0);
        require_identical(dir.path() / "one.h5", dir.path() / "merged.h5");
    }
    SECTION("reproduce reruns the design with its --set, bit for bit") {
        const auto r = shell_in(dir.path(), "$G reproduce one.h5 -q --threads 2");
        INFO(r.out << r.err);
        CHECK(r.status == 0);
    }
    SECTION("--set changes the results, and a checkpointed run is not reused under another") {
        REQUIRE(shell_in(dir.path(), "$G run sweep.toml -o other.h5 -q --threads 2").status == 0);
        CHECK_FALSE(govsim::sim::compare_datasets(dir.path() / "one.h5", dir.path() / "other.h5",
                                                  {"wall_seconds"})
                        .empty());
    }
    SECTION("a bad --set stops before anything runs, with exit status 2") {
        const auto r = shell_in(dir.path(), "$G run sweep.toml -o bad.h5 -q --set "
                                            "'handlers.departments[urban_management].servers=0'");
        CHECK(r.status == 2);
        CHECK(r.err ==
              "--set handlers.departments[urban_management].servers=0: error: "
              "handlers.departments[0].servers: expected an integer in [1, 100000], found 0\n");
        CHECK_FALSE(fs::exists(dir.path() / "bad.h5"));
        const auto v = shell_in(dir.path(), "$G validate sweep.toml --set 'escalation.x=1'");
        CHECK(v.status == 2);
        CHECK(v.err.find("--set escalation.x=1: error: escalation.x: unknown key") !=
              std::string::npos);
    }
}
