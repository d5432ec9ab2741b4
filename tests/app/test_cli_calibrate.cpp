// `govsim calibrate` as a user meets it: exit statuses, messages, the results file and the
// scenario fragment.
#include "common/hdf5_reading.hpp"
#include "common/run_govsim.hpp"
#include "common/temp_dir.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fmt/core.h>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>

namespace fs = std::filesystem;
using govsim::test::slurp;

namespace {

const govsim::test::TempDir& dir() {
    static const govsim::test::TempDir d("govsim-cli-calibrate");
    return d;
}

govsim::test::Outcome run_govsim(const std::string& args) {
    return govsim::test::run_govsim(args, dir().path());
}

/// A tiny calibration of the Lishui baseline (small town), with `parameter` as its one entry.
fs::path calibration_file(const std::string& name, const std::string& parameter) {
    const fs::path p = dir().path() / name;
    std::ofstream(p) << "include = [\"" GOVSIM_SOURCE_DIR "/scenarios/lishui-baseline.toml\"]\n"
                        "[town]\nresidents_at_full_occupancy = 20000\ncommunities = 3\n"
                        "[calibration]\nseed = 1\nreplicates = 1\nparticles = 4\n"
                        "generations = 1\ntolerance_quantile = 0.5\nfinal_tolerance = 0\n"
                        "min_acceptance = 0.0\nbatch_size = 8\nmax_batches_per_generation = 5\n"
                        "refine_replicates = 3\nrefine_rounds = 1\nrefine_proposals = 2\n"
                        "fragment_includes = [\"" GOVSIM_SOURCE_DIR
                        "/scenarios/parameters/nanhai.toml\"]\n"
                        "[[calibration.targets]]\nyear = 2014\ncomplaints = 10\n"
                        "tolerance = 0.1\nsource = \"test\"\nreliability = \"H\"\n"
                        "[[calibration.bands]]\nstatistic = \"fee_collection\"\n"
                        "first_year = 2014\nlast_year = 2015\nlower = 0.5\nupper = 1.0\n"
                        "source = \"test\"\nreliability = \"H\"\n"
                        "[[calibration.parameters]]\n"
                     << parameter;
    return p;
}

} // namespace

TEST_CASE("govsim calibrate writes the posterior and a fragment that scenarios include",
          "[calibration][cli]") {
    const auto file =
        calibration_file("ok.toml", "key = \"escalation.escalate_base\"\nprior = \"uniform\"\n"
                                    "lower = 0.05\nupper = 0.5\n");
    const fs::path h5 = dir().path() / "calib.h5", fragment = dir().path() / "frag.toml";
    const auto r = run_govsim("calibrate " + file.string() + " -o " + h5.string() + " --fragment " +
                              fragment.string());
    INFO(r.err);
    REQUIRE(r.status == 0);
    REQUIRE(fs::exists(h5));
    REQUIRE(fs::exists(fragment));
    govsim::test::Id f(H5Fopen(h5.string().c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    CHECK(govsim::test::dataset_rows(f.get(), "posterior") == 4);
    // The refinement: the 4 posterior particles (fewer than refine_particles' default 20) and
    // 2 local proposals, one of them chosen.
    REQUIRE(govsim::test::dataset_rows(f.get(), "refinement") == 6);
    const auto chosen =
        govsim::test::read_column<std::uint8_t>(f.get(), "refinement", "chosen", H5T_NATIVE_UINT8);
    CHECK(std::count(chosen.begin(), chosen.end(), 1) == 1);
    const auto values = govsim::test::read_column<double>(
        f.get(), "refinement", "escalation.escalate_base", H5T_NATIVE_DOUBLE);
    const auto shipped = values[static_cast<std::size_t>(
        std::find(chosen.begin(), chosen.end(), 1) - chosen.begin())];
    CHECK(govsim::test::read_string_attribute(f.get(), "point_estimate")
              .find("nearest the patterns at 3 replicates") != std::string::npos);
    const std::string text = slurp(fragment);
    CHECK(text.find("[escalation]") != std::string::npos);
    CHECK(text.find("nearest the patterns at 3 replicates") != std::string::npos);
    CHECK(text.find(fmt::format("escalate_base = {:.6g} ", shipped)) != std::string::npos);

    // The printed report: the run, each pattern with its target or band, and the parameter's
    // posterior summary ending with the shipped point.
    INFO(r.out);
    CHECK(r.out.find("Calibration of " + file.string() + ": ") != std::string::npos);
    const auto line_of = [&](const std::string& start) {
        const auto at = r.out.find("\n" + start + " ");
        REQUIRE(at != std::string::npos);
        return r.out.substr(at + 1, r.out.find('\n', at + 1) - at - 1);
    };
    CHECK(line_of("complaints_2014").find("10.0 ± 10.0%") != std::string::npos);
    CHECK(line_of("fee_collection").find("[0.5, 1.0]") != std::string::npos);
    std::istringstream parameter(line_of("escalation.escalate_base"));
    std::string key, point;
    double mean = 0, sd = 0, q05 = 0, q95 = 0;
    parameter >> key >> mean >> sd >> q05 >> q95 >> point;
    CHECK(mean >= 0.05);
    CHECK(mean <= 0.5);
    CHECK(sd >= 0);
    CHECK(q05 <= q95);
    CHECK(point == fmt::format("{:.4g}", shipped));
    CHECK(r.out.find("Shipped point (*): ") != std::string::npos);
    CHECK(r.out.find("posterior written to " + h5.string() + "; fragment to " +
                     fragment.string()) != std::string::npos);
    // A scenario that includes the fragment (in place of parameters/nanhai.toml) validates.
    const fs::path scenario = dir().path() / "calibrated.toml";
    std::ofstream(scenario) << "include = [\"frag.toml\", \"" GOVSIM_SOURCE_DIR
                               "/scenarios/towns/lishui.toml\"]\n"
                               "[run]\nname = \"x\"\nstart_year = 2014\nyears = 2\n"
                               "replicates = 1\nseed = 1\n";
    const auto v = run_govsim("validate " + scenario.string());
    INFO(v.err);
    CHECK(v.status == 0);

    // The predictive check of the values in that scenario, written between a document's
    // markers (status 0 when every pattern passes, 1 when one fails).
    const fs::path doc = dir().path() / "doc.md";
    std::ofstream(doc) << "# before\n<!-- calibration-check:begin -->\nold\n"
                          "<!-- calibration-check:end -->\nafter\n";
    const auto c = run_govsim("calibrate " + file.string() + " --check-only " + scenario.string() +
                              " --check 2 --doc " + doc.string() + " --quiet");
    INFO(c.err);
    CHECK((c.status == 0 || c.status == 1));
    const std::string checked = slurp(doc);
    CHECK(checked.find("old") == std::string::npos);
    CHECK(checked.find("| complaints_2014 |") != std::string::npos);
    CHECK(checked.find("| fee_collection |") != std::string::npos);
    CHECK(checked.find("# before") == 0);
    CHECK(checked.find("after") != std::string::npos);
    CHECK((checked.find("(PASS)") != std::string::npos) == (c.status == 0));
    // Without -o and without --check-only there is nothing to write the posterior to.
    CHECK(run_govsim("calibrate " + file.string()).status == 2);
}

TEST_CASE("govsim calibrate rejects bad calibration files with exit status 2",
          "[calibration][cli]") {
    const fs::path h5 = dir().path() / "bad.h5";
    const auto bad_range =
        calibration_file("range.toml", "key = \"escalation.escalate_base\"\nprior = \"uniform\"\n"
                                       "lower = 0.05\nupper = 1.5\n");
    auto r = run_govsim("calibrate " + bad_range.string() + " -o " + h5.string());
    CHECK(r.status == 2);
    CHECK(r.err.find(bad_range.string() + ":") == 0);
    CHECK(r.err.find("calibration.parameters[0].upper") != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK_FALSE(fs::exists(h5));

    const auto bad_key =
        calibration_file("key.toml", "key = \"escalation.no_such_key\"\nprior = \"uniform\"\n"
                                     "lower = 0.05\nupper = 0.5\n");
    r = run_govsim("calibrate " + bad_key.string() + " -o " + h5.string());
    CHECK(r.status == 2);
    CHECK(r.err.find("no_such_key") != std::string::npos);

    const auto bad_prior =
        calibration_file("prior.toml", "key = \"escalation.escalate_base\"\nprior = \"beta\"\n"
                                       "lower = 0.05\nupper = 0.5\n");
    CHECK(run_govsim("calibrate " + bad_prior.string() + " -o " + h5.string()).status == 2);
    CHECK(run_govsim("calibrate /nonexistent/calibration.toml -o " + h5.string()).status == 2);
    // A plain scenario has no [calibration] section.
    CHECK(run_govsim("calibrate " GOVSIM_SOURCE_DIR "/scenarios/lishui-baseline.toml -o " +
                     h5.string())
              .status == 2);
    CHECK_FALSE(fs::exists(h5));
}
