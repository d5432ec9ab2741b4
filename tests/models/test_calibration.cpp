// Calibration (models/calibration.hpp): reading calibration files, particle scenarios built by
// composition, and recovering a known parameter of govsim from data the model generated.
#include "common/hdf5_reading.hpp"
#include "common/temp_dir.hpp"
#include "models/calibration.hpp"
#include "models/scenario_loader.hpp"
#include "sim/config.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <string>
#include <vector>

using Catch::Matchers::Contains;
using govsim::models::CalibrationSpec;
using govsim::sim::ConfigError;

namespace {

const std::string baseline = GOVSIM_SOURCE_DIR "/scenarios/lishui-baseline.toml";

/// A small Lishui (30,000 residents, 4 communities) calibration of escalate_base.
std::string small_calibration(const std::string& parameters = "", const std::string& extra = "") {
    return "include = [\"" + baseline +
           "\"]\n"
           "[town]\nresidents_at_full_occupancy = 30000\ncommunities = 4\n"
           "[run]\nwarmup_years = 0\n" +
           extra +
           "[calibration]\nseed = 3\nreplicates = 6\nparticles = 40\ngenerations = 4\n"
           "tolerance_quantile = 0.5\nfinal_tolerance = 0.0\nmin_acceptance = 0.02\n"
           "batch_size = 40\nmax_batches_per_generation = 10\n"
           "[[calibration.targets]]\nyear = 2014\ncomplaints = 20\n"
           "[[calibration.targets]]\nyear = 2015\ncomplaints = 30\n" +
           (parameters.empty() ? "[[calibration.parameters]]\nkey = \"escalation.escalate_base\"\n"
                                 "prior = \"uniform\"\nlower = 0.02\nupper = 0.6\n"
                               : parameters);
}

const std::string calib_path = GOVSIM_SOURCE_DIR "/scenarios/calibration/test.toml";

ConfigError error_for(const std::string& text) {
    try {
        (void)govsim::models::parse_calibration(text, calib_path);
    } catch (const ConfigError& e) {
        return e;
    }
    FAIL("no error for:\n" << text);
    throw std::logic_error("unreachable");
}

} // namespace

TEST_CASE("a calibration file is read and particles are built by composition", "[calibration]") {
    const auto spec = govsim::models::parse_calibration(small_calibration(), calib_path);
    REQUIRE(spec.parameters.size() == 1);
    CHECK(spec.parameters[0].key == "escalation.escalate_base");
    CHECK(spec.target_years == std::vector<int>{2014, 2015});
    CHECK(spec.target_complaints == std::vector<double>{20, 30});
    CHECK(spec.replicates == 6);
    CHECK(spec.abc.particles == 40);
    CHECK(spec.base.town.residents_at_full_occupancy == 30000); // the file's own override
    CHECK(spec.base.escalation.escalate_base == 0.2);           // from the baseline
    const std::vector<double> theta{0.37};
    const auto text = govsim::models::particle_text(spec, theta);
    CHECK_THAT(text, Contains("escalate_base = 0.37"));
    CHECK_THAT(text, !Contains("[calibration]"));
    const auto s = govsim::models::particle_scenario(spec, theta);
    CHECK(s.escalation.escalate_base == 0.37);
    CHECK(s.escalation.escalate_dissatisfaction == spec.base.escalation.escalate_dissatisfaction);
    CHECK(s.town.residents_at_full_occupancy == 30000);
    // Nested keys inside inline tables are set too.
    const auto nested = govsim::models::parse_calibration(
        small_calibration("[[calibration.parameters]]\nkey = \"disputes.parking.success.firm\"\n"
                          "prior = \"uniform\"\nlower = 0.1\nupper = 0.9\n"),
        calib_path);
    const auto sp = govsim::models::particle_scenario(nested, std::vector<double>{0.55});
    const auto firm = static_cast<std::size_t>(govsim::models::Level::Firm);
    CHECK(sp.categories[0].success[firm] == 0.55);
    CHECK(sp.categories[0].success[firm + 1] == nested.base.categories[0].success[firm + 1]);
}

TEST_CASE("bad calibration files are rejected where the problem was written", "[calibration]") {
    const auto param = [](const std::string& key, const std::string& prior, const std::string& lo,
                          const std::string& hi) {
        return "[[calibration.parameters]]\nkey = \"" + key + "\"\nprior = \"" + prior +
               "\"\nlower = " + lo + "\nupper = " + hi + "\n";
    };
    CHECK_THAT(
        error_for(small_calibration(param("escalation.escalate_base", "normal", "0", "1"))).key(),
        Contains("calibration.parameters[0].prior"));
    CHECK(error_for(small_calibration(param("escalation.escalate_base", "uniform", "0.5", "0.1")))
              .key() == "calibration.parameters[0].upper");
    CHECK(error_for(small_calibration(param("firms.staff_cost_month", "log-uniform", "0", "1")))
              .key() == "calibration.parameters[0].lower");
    // A key the schema does not know, and bounds outside the schema's range, are caught by the
    // scenario loader on the particle at the bounds, and reported at the parameter.
    const auto unknown =
        error_for(small_calibration(param("escalation.escalat_base", "uniform", "0.1", "0.2")));
    CHECK(unknown.key() == "calibration.parameters[0].lower");
    CHECK_THAT(unknown.what(), Contains("escalat_base"));
    CHECK_THAT(unknown.what(), Contains("did you mean"));
    const auto range =
        error_for(small_calibration(param("escalation.escalate_base", "uniform", "0.1", "1.5")));
    CHECK(range.key() == "calibration.parameters[0].upper");
    CHECK(range.file() == calib_path);
    CHECK(range.line() > 0);
    // Escalation probabilities must stay <= 1 together (a check across keys).
    CHECK(error_for(small_calibration(param("escalation.escalate_base", "uniform", "0.1", "0.9")))
              .key() == "calibration.parameters[0].upper");
    // A target year the scenario does not run, a missing section, an unknown setting.
    CHECK(error_for(std::string(small_calibration())
                        .replace(small_calibration().find("year = 2015"), 11, "year = 2017"))
              .key() == "calibration.targets[1].year");
    CHECK(error_for("include = [\"" + baseline + "\"]\n").key() == "calibration");
    CHECK_THAT(error_for(small_calibration() + "[calibration.extra]\n").what(),
               Contains("unknown key"));
}

TEST_CASE("calibration recovers a known parameter of govsim from data it generated",
          "[calibration]") {
    // Synthetic targets: the small town's mean complaints at escalate_base = 0.3, over more
    // replicates than a particle uses (so the targets carry little noise of their own).
    // The institutions' slow dynamics (firms leaving, assemblies, committees' turnover) add
    // noise that says nothing of escalate_base; the test of the method switches them off.
    auto spec = govsim::models::parse_calibration(
        small_calibration("", "[mechanisms]\nfirm_exit = false\nassemblies = false\n"
                              "committee_turnover = false\n"),
        calib_path);
    const double truth = 0.3;
    auto truth_spec = spec;
    truth_spec.replicates = 24;
    const auto targets = govsim::models::simulate_particles(truth_spec, {{truth}}, 424242);
    spec.target_complaints = targets.front();
    INFO("synthetic targets " << targets.front()[0] << ", " << targets.front()[1]);
    REQUIRE(targets.front()[0] > 5);

    const auto r = govsim::models::calibrate(spec);
    const auto& abc = r.abc;
    const double mean = abc.posterior_mean(0);
    const double sd = abc.posterior_sd(0);
    // The prior's sd is 0.58 / sqrt(12) = 0.17: the data must narrow it.
    CHECK(sd < 0.5 * 0.58 / std::sqrt(12.0));
    // The truth within the posterior mean's tolerance: 3 posterior sds (the posterior's own
    // width), plus the Monte Carlo error of the mean, 3 sd / sqrt(ESS).
    const double tolerance = 3.0 * sd + 3.0 * sd / std::sqrt(abc.posterior().effective_sample_size);
    INFO("posterior mean " << mean << ", sd " << sd << ", tolerance " << tolerance);
    CHECK(std::abs(mean - truth) < tolerance);
    CHECK(r.runs == abc.simulations() * spec.replicates);

    SECTION("results file and fragment") {
        govsim::test::TempDir dir("govsim-calibration");
        const std::string h5 = (dir.path() / "calib.h5").string();
        govsim::models::write_calibration(h5, spec, r, {"test", "0", "2026-01-01T00:00:00Z"});
        govsim::test::Id file(H5Fopen(h5.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
        CHECK(govsim::test::dataset_rows(file.get(), "posterior") == spec.abc.particles);
        CHECK(govsim::test::dataset_rows(file.get(), "generations") == abc.generations.size());
        const auto names = govsim::test::member_names(file.get(), "posterior");
        CHECK(std::find(names.begin(), names.end(), "escalation.escalate_base") != names.end());
        CHECK(std::find(names.begin(), names.end(), "weight") != names.end());
        CHECK(govsim::test::read_string_attribute(file.get(), "targets").find("2014") !=
              std::string::npos);

        // The fragment, included by a scenario, sets the posterior mean.
        auto with_base = spec;
        with_base.fragment_includes = {GOVSIM_SOURCE_DIR "/scenarios/parameters/nanhai.toml"};
        const std::string fragment = (dir.path() / "fragment.toml").string();
        std::ofstream(fragment) << govsim::models::calibration_fragment(
            with_base, r, fragment, {"test", "0", "2026-01-01T00:00:00Z"});
        const std::string scenario = (dir.path() / "scenario.toml").string();
        std::ofstream(scenario) << "include = [\"fragment.toml\", \"" GOVSIM_SOURCE_DIR
                                   "/scenarios/towns/lishui.toml\"]\n"
                                   "[run]\nname = \"x\"\nstart_year = 2014\nyears = 2\n"
                                   "replicates = 1\nseed = 1\n";
        const auto s = govsim::models::load_scenario(scenario);
        CHECK(s.escalation.escalate_base == Approx(mean).epsilon(1e-5));
    }
}
