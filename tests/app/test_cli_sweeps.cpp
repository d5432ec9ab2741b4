// Sweeps as a user meets them (issue #9, items 1-3): `govsim run --set`, an experiment file with
// a [design], the per-run table /runs and /design, CSV export, and a design's results the same
// for any number of threads, over shards merged, and when reproduced.
#include "common/run_govsim.hpp"
#include "common/temp_dir.hpp"
#include "sim/results_file.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/wait.h>

namespace fs = std::filesystem;
using govsim::test::TempDir;

namespace {

using govsim::test::Outcome;
using govsim::test::shell_in;

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
    SECTION("the sweep is printed: per town and model, each point's values and means") {
        const auto r = shell_in(dir.path(), "$G run sweep.toml -o printed.h5 --threads 2");
        INFO(r.out << r.err);
        REQUIRE(r.status == 0);
        const govsim::sim::ResultsReader printed(dir.path() / "printed.h5");
        const auto complaints = printed.double_column("runs", "complaints_per_year");
        const auto resolved = printed.double_column("runs", "resolved_share");
        for (const std::string model : {"baseline", "denghu"}) {
            CAPTURE(model);
            const std::string title =
                "dali / " + model + ": each design point's mean over 2 replicates";
            const auto block = r.out.find(title);
            REQUIRE(block != std::string::npos);
            CHECK(r.out.find("handlers.departments[urban_management].servers", block) !=
                  std::string::npos);
            // The runs of a model at point p: p * 4 + (model) * 2 + replicate.
            const std::size_t m = model == "baseline" ? 0 : 1;
            for (std::size_t p = 0; p < 4; ++p) {
                CAPTURE(p);
                const std::size_t a = p * 4 + m * 2, b = a + 1;
                const std::string line_start = fmt::format("\n{:>7}", p);
                const auto line = r.out.find(line_start, block);
                REQUIRE(line != std::string::npos);
                const std::string text =
                    r.out.substr(line + 1, r.out.find('\n', line + 1) - line - 1);
                CHECK(text.find(p < 2 ? " 0.1 " : " 0.4 ") != std::string::npos);
                CHECK(text.find(p % 2 == 0 ? " 2 " : " 8 ") != std::string::npos);
                CHECK(text.find(fmt::format(" {:.1f} ", (complaints[a] + complaints[b]) / 2)) !=
                      std::string::npos);
                CHECK(text.find(fmt::format(" {:.1f} ", 100 * (resolved[a] + resolved[b]) / 2)) !=
                      std::string::npos);
            }
        }
        const auto quiet = shell_in(dir.path(), "$G run sweep.toml -o quiet.h5 -q");
        CHECK(quiet.status == 0);
        CHECK(quiet.out.find("each design point") == std::string::npos);
    }
    SECTION("reproduce reruns the design with its --set, bit for bit") {
        const auto r = shell_in(dir.path(), "TMPDIR=\"$PWD\" $G reproduce one.h5 -q --threads 2");
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

TEST_CASE("a Sobol design writes /sensitivity and draws of two models write /robustness, the "
          "same from shards merged",
          "[cli][design][sensitivity]") {
    const TempDir dir("govsim-findings");
    write_sweep(dir.path());
    // The sweep's town and models, as a Sobol design of two parameters (base 4: 16 points) and
    // as 6 prior draws of the one prior declared for the Denghu model's deadline.
    std::string text = govsim::test::slurp(dir.path() / "sweep.toml");
    text = text.substr(0, text.find("[design]"));
    std::ofstream(dir.path() / "sobol.toml")
        << text << "[design]\nkind = \"sobol\"\nsamples = 4\nseed = 3\n"
        << "[[design.parameters]]\nkey = \"escalation.escalate_base\"\nlower = 0.1\nupper = 0.4\n"
        << "[[design.parameters]]\nkey = \"detection.report_delay_days\"\nlower = 1\nupper = 4\n";
    std::ofstream(dir.path() / "prior.toml")
        << text << "[design]\nkind = \"prior\"\nsamples = 6\nseed = 3\n"
        << "[[design.parameters]]\nkey = \"levers.rapid_response.response_deadline_days\"\n";

    const auto sobol = shell_in(dir.path(), "$G run sobol.toml -o sobol.h5 --threads 2");
    INFO(sobol.err);
    REQUIRE(sobol.status == 0);
    CHECK(sobol.out.find("total order") != std::string::npos);
    const govsim::sim::ResultsReader s(dir.path() / "sobol.h5");
    // 2 models x 12 metrics x 2 parameters; first- and total-order columns, Morris ones NaN.
    REQUIRE(s.rows("sensitivity") == 2 * 12 * 2);
    CHECK(s.string_column("sensitivity", "method").front() == "sobol");
    CHECK(s.uint_column("sensitivity", "points").front() == 4);
    const auto mu = s.double_column("sensitivity", "mu_star");
    CHECK(std::all_of(mu.begin(), mu.end(), [](double x) { return std::isnan(x); }));
    CHECK_FALSE(s.has_dataset("robustness"));

    const auto prior = shell_in(dir.path(), "$G run prior.toml -o prior.h5 --threads 2");
    INFO(prior.err);
    REQUIRE(prior.status == 0);
    CHECK(prior.out.find("P(beats)") != std::string::npos);
    const govsim::sim::ResultsReader p(dir.path() / "prior.h5");
    REQUIRE(p.rows("robustness") == 12 * 2); // metrics x models, one town
    CHECK(p.uint_column("robustness", "draws").front() == 6);
    const auto beats = p.double_column("robustness", "p_beats_baseline");
    const auto models = p.string_column("robustness", "model");
    for (std::size_t i = 0; i < models.size(); ++i)
        CHECK(std::isnan(beats[i]) == (models[i] == "baseline"));
    const auto best = p.double_column("robustness", "rank_1");
    const auto second = p.double_column("robustness", "rank_2");
    for (std::size_t i = 0; i < best.size(); i += 2)
        CHECK(best[i] + best[i + 1] == Approx(1.0)); // someone is best on every draw
    for (std::size_t i = 0; i < best.size(); ++i)
        CHECK(best[i] + second[i] == Approx(1.0));
    CHECK_FALSE(p.has_dataset("sensitivity"));

    // Merged shards give the same findings (they are computed from the runs, in point order).
    for (int k = 1; k <= 2; ++k)
        REQUIRE(
            shell_in(dir.path(), fmt::format("$G run sobol.toml -q --shard {}/2 -o s{}.h5", k, k))
                .status == 0);
    REQUIRE(shell_in(dir.path(), "$G merge -q -o merged.h5 s1.h5 s2.h5").status == 0);
    require_identical(dir.path() / "sobol.h5", dir.path() / "merged.h5");
}

TEST_CASE("a prior design drawing from a calibration posterior records its draws and is "
          "reproduced bit for bit",
          "[cli][design][posterior]") {
    const TempDir dir("govsim-posterior");
    const std::string shipped = std::string(GOVSIM_SOURCE_DIR) + "/scenarios/";
    std::ofstream(dir.path() / "town.toml") << "include = [\"" << shipped << "towns/dali.toml\"]\n"
                                            << "[town]\nresidents_at_full_occupancy = 9000\n"
                                            << "communities = 2\n";
    fs::create_directories(dir.path() / "calibration");
    std::ofstream(dir.path() / "calibration" / "cal.toml")
        << "[calibration]\nseed = 1\nreplicates = 2\nparticles = 3\ngenerations = 1\n"
        << "tolerance_quantile = 0.5\nfinal_tolerance = 0.1\nmin_acceptance = 0.05\n"
        << "batch_size = 3\nmax_batches_per_generation = 1\n"
        << "[[calibration.targets]]\nyear = 2014\ncomplaints = 80\ntolerance = 0.1\n"
        << "source = \"test\"\nreliability = \"FACT\"\n"
        << "[[calibration.parameters]]\nkey = \"escalation.escalate_base\"\n"
        << "prior = \"uniform\"\nlower = 0.02\nupper = 0.5\n";
    std::ofstream(dir.path() / "calibration" / "posterior.csv")
        << "generation,particle,weight,distance,escalation.escalate_base,complaints_2014\n"
        << "1,0,0.5,0.1,0.05,80\n1,1,0.25,0.2,0.25,85\n1,2,0.25,0.3,0.45,90\n";
    std::ofstream(dir.path() / "robust.toml")
        << "include = [\"" << shipped << "parameters/nanhai.toml\"]\n"
        << "[experiment]\ntowns = [\"town.toml\"]\nmodels = [\"" << shipped
        << "models/baseline.toml\", \"" << shipped << "models/denghu.toml\"]\n"
        << "[run]\nname = \"robust\"\nstart_year = 2014\nyears = 1\nwarmup_years = 0\n"
        << "replicates = 1\nseed = 11\n"
        << "[design]\nkind = \"prior\"\nsamples = 4\n"
        << "posterior = { file = \"calibration/posterior.csv\", calibration = "
           "\"calibration/cal.toml\" }\n"
        << "[[design.parameters]]\nkey = \"detection.report_delay_days\"\n";
    const auto one = shell_in(dir.path(), "$G run robust.toml -o one.h5 -q --threads 2");
    INFO(one.err);
    REQUIRE(one.status == 0);
    const govsim::sim::ResultsReader f(dir.path() / "one.h5");
    CHECK(f.string_attribute("design_posterior") == "calibration/posterior.csv");
    CHECK(f.string_attribute("design_posterior_calibration") == "calibration/cal.toml");
    CHECK(f.uint_attribute("design_posterior_rows") == 3);
    // Stratified draws of 4 points from weights 1/2, 1/4, 1/4: rows 0, 0, 1, 2 in some order.
    auto rows = f.uint_column("design/points", "posterior_row");
    const auto base = f.double_column("design/points", "escalation.escalate_base");
    const std::vector<double> value{0.05, 0.25, 0.45};
    REQUIRE(rows.size() == 4);
    for (std::size_t p = 0; p < 4; ++p)
        CHECK(base[p] == value[rows[p]]);
    std::sort(rows.begin(), rows.end());
    CHECK(rows == std::vector<std::uint64_t>{0, 0, 1, 2});
    CHECK(f.string_column("design/parameters", "distribution") ==
          std::vector<std::string>{"uniform", "posterior"});
    // /runs carries the drawn value, run by run (2 models x 1 replicate per point).
    const auto run_base = f.double_column("runs", "escalation.escalate_base");
    REQUIRE(run_base.size() == 8);
    for (std::size_t i = 0; i < 8; ++i)
        CHECK(run_base[i] == base[i / 2]);
    const auto files = f.string_column("scenario_files", "path");
    CHECK(std::count(files.begin(), files.end(), "calibration/posterior.csv") == 1);
    CHECK(std::count(files.begin(), files.end(), "calibration/cal.toml") == 1);

    SECTION("reproduce rebuilds the posterior and the calibration file and reruns bit for bit") {
        const auto r = shell_in(dir.path(), "$G reproduce one.h5 --threads 1 --folder again");
        INFO(r.out << r.err);
        CHECK(r.status == 0);
        CHECK(r.out.find("reproduced: every dataset") != std::string::npos);
        CHECK(fs::exists(dir.path() / "again" / "scenario"));
    }
    SECTION("shards merge under the same posterior only (the fingerprint holds its text)") {
        for (int k = 1; k <= 2; ++k)
            REQUIRE(shell_in(dir.path(),
                             fmt::format("$G run robust.toml -q --shard {}/2 -o s{}.h5", k, k))
                        .status == 0);
        REQUIRE(shell_in(dir.path(), "$G merge -q -o merged.h5 s1.h5 s2.h5").status == 0);
        require_identical(dir.path() / "one.h5", dir.path() / "merged.h5");
        // Only the posterior's text changes (one weight moves by 1e-9): the shards differ.
        std::ofstream(dir.path() / "calibration" / "posterior.csv")
            << "generation,particle,weight,distance,escalation.escalate_base,complaints_2014\n"
            << "1,0,0.500000001,0.1,0.05,80\n1,1,0.25,0.2,0.25,85\n1,2,0.25,0.3,0.45,90\n";
        REQUIRE(shell_in(dir.path(), "$G run robust.toml -q --shard 2/2 -o t2.h5").status == 0);
        const auto r = shell_in(dir.path(), "$G merge -q -o bad.h5 s1.h5 t2.h5");
        INFO(r.out << r.err);
        CHECK(r.status != 0);
        CHECK(r.err.find("posterior.csv") != std::string::npos);
    }
    SECTION("a bad posterior stops before anything runs, with exit status 2") {
        std::ofstream(dir.path() / "calibration" / "posterior.csv")
            << "weight,escalation.escalate_base\n-1,0.2\n";
        const auto r = shell_in(dir.path(), "$G run robust.toml -o bad.h5 -q");
        CHECK(r.status == 2);
        CHECK(r.err == "calibration/posterior.csv:2:1: error: weight: expected a weight >= 0, "
                       "found -1\n");
        CHECK_FALSE(fs::exists(dir.path() / "bad.h5"));
    }
}
