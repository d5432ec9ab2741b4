// Calibration (models/calibration.hpp): reading calibration files, particle scenarios built by
// composition, and recovering a known parameter of govsim from data the model generated.
#include "common/hdf5_reading.hpp"
#include "common/run_govsim.hpp"
#include "common/temp_dir.hpp"
#include "models/calibration.hpp"
#include "models/scenario_loader.hpp"
#include "sim/config.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using Catch::Matchers::Contains;
using govsim::models::CalibrationSpec;
using govsim::models::index;
using govsim::models::Level;
using govsim::sim::ConfigError;

namespace {

const std::string baseline = GOVSIM_SOURCE_DIR "/scenarios/lishui-baseline.toml";

/// A small Lishui (30,000 residents, 4 communities) calibration of escalate_base, without a
/// refinement (its fragments hold the posterior means).
std::string small_calibration(const std::string& parameters = "", const std::string& extra = "") {
    return "include = [\"" + baseline +
           "\"]\n"
           "[town]\nresidents_at_full_occupancy = 30000\ncommunities = 4\n"
           "[run]\nwarmup_years = 0\n" +
           extra +
           "[calibration]\nseed = 3\nreplicates = 6\nparticles = 40\ngenerations = 4\n"
           "tolerance_quantile = 0.5\nfinal_tolerance = 0.0\nmin_acceptance = 0.02\n"
           "batch_size = 40\nmax_batches_per_generation = 10\nrefine_particles = 0\n"
           "[[calibration.targets]]\nyear = 2014\ncomplaints = 20\ntolerance = 0.1\n"
           "source = \"test\"\nreliability = \"H\"\n"
           "[[calibration.targets]]\nyear = 2015\ncomplaints = 30\ntolerance = 0.1\n"
           "source = \"test\"\nreliability = \"H\"\n" +
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
    REQUIRE(spec.patterns.size() == 2);
    CHECK(spec.patterns[0].name == "complaints_2014");
    CHECK(spec.patterns[1].first_year == 2015);
    CHECK(spec.patterns[1].lower == 30);
    CHECK(spec.patterns[1].upper == 30);
    CHECK(spec.patterns[1].scale == Approx(3.0)); // the tolerance, 10% of 30
    CHECK(spec.patterns[1].target);
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
    // The refinement needs at least 2 replicates (a standard error) a point.
    auto one_replicate = small_calibration();
    one_replicate.replace(one_replicate.find("refine_particles = 0\n"), 21,
                          "refine_particles = 3\nrefine_replicates = 1\n");
    CHECK(error_for(one_replicate).key() == "calibration.refine_replicates");
    CHECK_THAT(error_for(small_calibration() + "[calibration.extra]\n").what(),
               Contains("unknown key"));
}

TEST_CASE("calibration recovers known parameters of govsim from several patterns it generated",
          "[calibration]") {
    // Three parameters, each setting a pattern: escalation the complaints, residents'
    // committees' success their mediation success, the fee threshold the fee collection.
    // Pseudo-data: the small town's patterns at known values, over more replicates than a
    // particle uses (so they carry little noise of their own). The institutions' slow dynamics
    // (firms leaving, assemblies, committees' turnover) add noise that says nothing of these
    // parameters; the test of the method switches them off.
    const std::string parameters =
        "[[calibration.parameters]]\nkey = \"escalation.escalate_base\"\nprior = \"uniform\"\n"
        "lower = 0.02\nupper = 0.6\n"
        "[[calibration.parameters]]\nname = \"rc_success\"\n"
        "keys = [\"disputes.parking.success.residents_committee\", "
        "\"disputes.property_service.success.residents_committee\", "
        "\"disputes.owners_rights.success.residents_committee\", "
        "\"disputes.neighbour.success.residents_committee\", "
        "\"disputes.sanitation.success.residents_committee\"]\n"
        "prior = \"uniform\"\nlower = 0.2\nupper = 0.95\n"
        "[[calibration.parameters]]\nkey = \"households.fee_threshold_mean\"\n"
        "prior = \"uniform\"\nlower = 0.25\nupper = 0.55\n";
    const std::string bands =
        "[mechanisms]\nfirm_exit = false\nassemblies = false\ncommittee_turnover = false\n"
        "[[calibration.bands]]\nstatistic = \"rc_mediation_success\"\nfirst_year = 2014\n"
        "last_year = 2015\nlower = 0.0\nupper = 1.0\nsource = \"x\"\nreliability = \"H\"\n"
        "[[calibration.bands]]\nstatistic = \"fee_collection\"\nfirst_year = 2014\n"
        "last_year = 2015\nlower = 0.0\nupper = 1.0\nsource = \"x\"\nreliability = \"H\"\n";
    auto spec = govsim::models::parse_calibration(small_calibration(parameters, bands), calib_path);
    REQUIRE(spec.patterns.size() == 4);
    const std::vector<double> truth{0.3, 0.6, 0.4};
    const auto targets = govsim::models::simulate_particles(spec, {truth}, 424242, 24).front();
    INFO("pseudo-data: complaints " << targets[0] << ", " << targets[1] << "; mediation "
                                    << targets[2] << "; collection " << targets[3]);
    REQUIRE(targets[0] > 5);
    // The complaints as point targets (10% tolerance), the others as narrow bands around the
    // pseudo-data.
    for (std::size_t k = 0; k < 2; ++k) {
        spec.patterns[k].lower = spec.patterns[k].upper = targets[k];
        spec.patterns[k].scale = 0.1 * targets[k];
    }
    for (std::size_t k = 2; k < 4; ++k) {
        spec.patterns[k].lower = targets[k] - 0.01;
        spec.patterns[k].upper = targets[k] + 0.01;
        spec.patterns[k].scale = 0.03;
    }

    // Three parameters need a few more generations than the file's 4 to narrow them all.
    spec.abc.generations = 6;
    const auto r = govsim::models::calibrate(spec);
    const auto& abc = r.abc;
    for (std::size_t i = 0; i < truth.size(); ++i) {
        const double mean = abc.posterior_mean(i);
        const double sd = abc.posterior_sd(i);
        const auto& fp = spec.parameters[i];
        INFO(fp.key << ": posterior mean " << mean << ", sd " << sd << ", truth " << truth[i]);
        // The data must narrow the prior (sd (upper - lower) / sqrt(12)) to half its spread;
        // escalation only to three quarters: the complaints depend on it and on mediation
        // success together (the two are identified jointly, docs/calibration.md), and with the
        // onset streams of issue 12 this seed leaves its sd at 0.51 of the prior's.
        const double narrowing = i == 0 ? 0.75 : 0.5;
        CHECK(sd < narrowing * (fp.upper - fp.lower) / std::sqrt(12.0));
        // ... and hold the truth within 3 posterior sds plus the Monte Carlo error of the mean.
        const double tolerance =
            3.0 * sd + 3.0 * sd / std::sqrt(abc.posterior().effective_sample_size);
        CHECK(std::abs(mean - truth[i]) < tolerance);
    }
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
        CHECK(std::find(names.begin(), names.end(), "rc_success") != names.end());
        CHECK(std::find(names.begin(), names.end(), "fee_collection") != names.end());
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
        CHECK(s.escalation.escalate_base == Approx(abc.posterior_mean(0)).epsilon(1e-5));
        // Every key of a parameter with several keys gets its value.
        for (const auto c : {0, 1, 2, 3, 5})
            CHECK(s.categories[static_cast<std::size_t>(c)]
                      .success[index(Level::ResidentsCommittee)] ==
                  Approx(abc.posterior_mean(1)).epsilon(1e-5));
        CHECK(s.categories[4].success[index(Level::ResidentsCommittee)] == 0); // construction
        // The fragment names its patterns with their reliability, and labels no fit a fact.
        const std::string text = govsim::test::slurp(fragment);
        CHECK_THAT(text, Contains("complaints_2014 (complaints, 2014): "));
        CHECK_THAT(text, Contains("fee_collection (fee_collection, 2014-2015): [0"));
        std::istringstream lines(text);
        for (std::string line; std::getline(lines, line);)
            if (!line.empty() && line[0] != '#' && line.find(" = ") != std::string::npos &&
                line.find("include") != 0) {
                CHECK_THAT(line, Contains("[A, calibrated]"));
                CHECK_THAT(line, !Contains("FACT"));
            }
        // The values read back from the scenario are the posterior means.
        const auto values = govsim::models::parameter_values(spec, scenario);
        for (std::size_t i = 0; i < values.size(); ++i)
            CHECK(values[i] == Approx(abc.posterior_mean(i)).epsilon(1e-5));
    }
}

TEST_CASE("pattern statistics are computed from a run's rows", "[calibration]") {
    using govsim::models::Pattern;
    using govsim::models::PatternStatistic;
    govsim::models::RunResult run;
    run.compounds = 50;
    for (const int y : {2014, 2015}) {
        govsim::models::YearRow row;
        row.year = y;
        row.stats.complaints = y == 2014 ? 80U : 120U;
        row.institutions.abandonments = y == 2014 ? 1U : 3U;
        run.years.push_back(row);
    }
    // Months -12 (warm-up) to 23; committees: 5 at the end of 2013, 6 at the end of 2014, 8 at
    // the end of 2015. Fee collection 0.7 in 2014's months and 0.8 in 2015's (NaN ignored).
    for (int m = -12; m < 24; ++m) {
        govsim::models::MonthlyRow row;
        row.month = m;
        row.warmup = m < 0;
        row.owners_committees = m < 0 ? 5U : (m < 12 ? 6U : 8U);
        row.fee_collection = m < 0 ? 0.1 : (m < 12 ? 0.7 : 0.8);
        if (m == 5)
            row.fee_collection = std::nan("");
        run.monthly.push_back(row);
    }
    // Residents' committees handle 40 a month in 2014 (resolving 30) and 20 a month in 2015
    // (resolving 10); the warm-up's handlings do not count.
    const auto rc = index(Level::ResidentsCommittee);
    for (auto& row : run.monthly) {
        row.handled.served[rc] = row.month < 0 ? 90U : (row.month < 12 ? 40U : 20U);
        row.handled.resolved[rc] = row.month < 0 ? 0U : (row.month < 12 ? 30U : 10U);
    }
    const auto stat = [&run](PatternStatistic s, int first, int last) {
        Pattern p;
        p.statistic = s;
        p.first_year = first;
        p.last_year = last;
        return govsim::models::pattern_statistic(p, run);
    };
    CHECK(stat(PatternStatistic::Complaints, 2014, 2014) == 80);
    CHECK(stat(PatternStatistic::Complaints, 2014, 2015) == 100);
    CHECK(stat(PatternStatistic::AbandonmentsPer100Compounds, 2014, 2015) == Approx(4.0));
    CHECK(stat(PatternStatistic::RcMediationSuccess, 2014, 2014) == Approx(0.75));
    CHECK(stat(PatternStatistic::RcMediationSuccess, 2014, 2015) == Approx(480.0 / 720.0));
    CHECK(stat(PatternStatistic::OwnersCommitteeShare, 2014, 2014) == Approx(6.0 / 50));
    CHECK(stat(PatternStatistic::OwnersCommitteeShare, 2014, 2015) == Approx(8.0 / 50));
    CHECK(stat(PatternStatistic::OwnersCommitteeGrowth, 2014, 2015) == Approx(3.0 / 50 / 2));
    CHECK(stat(PatternStatistic::OwnersCommitteeGrowth, 2015, 2015) == Approx(2.0 / 50));
    CHECK(stat(PatternStatistic::FeeCollection, 2014, 2014) == Approx(0.7));
    CHECK(stat(PatternStatistic::FeeCollection, 2014, 2015) == Approx((11 * 0.7 + 12 * 0.8) / 23));
    // Undefined: a year the run does not have; nothing handled.
    CHECK(std::isnan(stat(PatternStatistic::Complaints, 2016, 2016)));
    for (auto& row : run.monthly)
        row.handled = {};
    CHECK(std::isnan(stat(PatternStatistic::RcMediationSuccess, 2014, 2015)));
}

TEST_CASE("bands, parameters with several keys and town fragments are read and written",
          "[calibration]") {
    const std::string band =
        "[[calibration.bands]]\nstatistic = \"owners_committee_growth\"\nfirst_year = 2014\n"
        "last_year = 2015\nlower = -0.01\nupper = 0.02\nsource = \"s\"\nreliability = \"H\"\n";
    const std::string town_param = "[[calibration.parameters]]\nkey = \"town.occupancy_start\"\n"
                                   "prior = \"uniform\"\nlower = 0.5\nupper = 0.8\n"
                                   "[[calibration.parameters]]\nname = \"both\"\n"
                                   "keys = [\"escalation.escalate_base\", "
                                   "\"escalation.government_trust_weight\"]\n"
                                   "prior = \"uniform\"\nlower = 0.1\nupper = 0.5\n";
    // The growth needs the end of the year before its first: a warm-up.
    CHECK(error_for(small_calibration(town_param, band)).key() ==
          "calibration.bands[0].first_year");
    const auto warm = std::string("[run]\nwarmup_years = 1\n");
    auto text = small_calibration(town_param, band);
    text.replace(text.find("[run]\nwarmup_years = 0\n"), 23, warm);
    const auto spec = govsim::models::parse_calibration(text, calib_path);
    REQUIRE(spec.patterns.size() == 3);
    CHECK(spec.patterns[2].name == "owners_committee_growth");
    CHECK(spec.patterns[2].scale == Approx(0.015)); // half the band
    CHECK(spec.patterns[2].accept_lower() == -0.01);
    CHECK(spec.patterns[0].accept_upper() == Approx(22.0)); // 20 + 10%
    CHECK(spec.has_town_parameters());
    const auto s = govsim::models::particle_scenario(spec, std::vector<double>{0.7, 0.25});
    CHECK(s.town.occupancy_start == 0.7);
    CHECK(s.escalation.escalate_base == 0.25);
    CHECK(s.escalation.government_trust_weight == 0.25);

    govsim::models::CalibrationResult r;
    r.abc.parameters = {{"town.occupancy_start", govsim::analysis::PriorKind::Uniform, 0.5, 0.8},
                        {"both", govsim::analysis::PriorKind::Uniform, 0.1, 0.5}};
    govsim::analysis::AbcGeneration g;
    g.particles.push_back({{0.6, 0.2}, {20, 30, 0.01}, 0.5, 0.5});
    g.particles.push_back({{0.7, 0.4}, {22, 31, 0.0}, 0.7, 0.5});
    r.abc.generations.push_back(g);
    const govsim::models::CalibrationProvenance prov{"test", "0", "2026-01-01T00:00:00Z"};
    const auto shared = govsim::models::calibration_fragment(spec, r, "/tmp/x/f.toml", prov);
    CHECK_THAT(shared, Contains("[escalation]\nescalate_base = 0.3 "));
    CHECK_THAT(shared, Contains("government_trust_weight = 0.3 "));
    CHECK_THAT(shared, !Contains("occupancy_start ="));
    const auto town = govsim::models::calibration_fragment(spec, r, "/tmp/x/t.toml", prov,
                                                           govsim::models::FragmentPart::Town);
    CHECK_THAT(town, Contains("[town]\noccupancy_start = 0.65 "));
    CHECK_THAT(town, !Contains("escalate_base ="));
    CHECK_THAT(town, Contains("owners_committee_growth (owners_committee_growth, 2014-2015): "
                              "[-0.01, 0.02] [H] s; simulated 0.005"));

    // Bad bands and parameters.
    CHECK(error_for(small_calibration("", "[[calibration.bands]]\nstatistic = \"happiness\"\n"))
              .key() == "calibration.bands[0].statistic");
    auto reversed = band;
    reversed.replace(reversed.find("upper = 0.02"), 12, "upper = -0.5");
    CHECK(error_for(small_calibration("", reversed)).key() == "calibration.bands[0].upper");
    auto clash = band;
    clash.replace(clash.find("first_year"), 0, "name = \"escalation.escalate_base\"\n");
    CHECK(error_for(small_calibration("", clash)).key() == "calibration.bands[0].name");
    CHECK(error_for(small_calibration("[[calibration.parameters]]\nname = \"mixed\"\n"
                                      "keys = [\"escalation.escalate_base\", "
                                      "\"town.occupancy_start\"]\nprior = \"uniform\"\n"
                                      "lower = 0.1\nupper = 0.5\n"))
              .key() == "calibration.parameters[0].keys");
    auto no_source = small_calibration();
    no_source.replace(no_source.find("source = \"test\"\n"), 16, "");
    CHECK(error_for(no_source).key() == "calibration.targets[0].source");
}

TEST_CASE("the predictive check is written between a document's markers", "[calibration]") {
    govsim::test::TempDir dir("govsim-calibration-doc");
    const std::string doc = (dir.path() / "doc.md").string();
    std::ofstream(doc) << "top\n<!-- calibration-check:begin -->\nold table\n"
                          "<!-- calibration-check:end -->\nbottom\n";
    govsim::models::write_between_markers(doc, "new table");
    CHECK(govsim::test::slurp(doc) == "top\n<!-- calibration-check:begin -->\nnew table\n"
                                      "<!-- calibration-check:end -->\nbottom\n");
    govsim::models::write_between_markers(doc, "newer");
    CHECK(govsim::test::slurp(doc) == "top\n<!-- calibration-check:begin -->\nnewer\n"
                                      "<!-- calibration-check:end -->\nbottom\n");
    std::ofstream(doc) << "no markers\n";
    CHECK_THROWS_AS(govsim::models::write_between_markers(doc, "x"), std::runtime_error);
    CHECK(govsim::test::slurp(doc) == "no markers\n");
}

namespace {

govsim::models::RefinedParticle refined(double margin, double distance) {
    govsim::models::RefinedParticle p;
    p.margin = margin;
    p.distance = distance;
    return p;
}

} // namespace

TEST_CASE("the refinement ships the point nearest the patterns among those that meet them best",
          "[calibration]") {
    using govsim::models::select_refined;
    const double inf = HUGE_VAL;
    // Within one rank the smallest distance wins; an equal distance goes to the earlier point.
    CHECK(select_refined(std::vector{refined(-1, 0.9), refined(-2, 0.4), refined(-inf, 0.7)}) == 1);
    CHECK(select_refined(std::vector{refined(3, 0.5), refined(2.5, 0.5), refined(9, 0.6)}) == 0);
    // Means inside every accepted region by 2 standard errors rank before means merely inside,
    // which rank before a point outside one, whatever their distances.
    CHECK(select_refined(std::vector{refined(1.9, 0.1), refined(2.0, 0.8), refined(-0.1, 0.0)}) ==
          1);
    CHECK(select_refined(std::vector{refined(-0.1, 0.0), refined(0.0, 2.0), refined(-5, 0.1)}) ==
          1);
    CHECK(select_refined(std::vector{refined(inf, 3.0), refined(1.0, 0.0)}) == 0);
    CHECK_THROWS_AS(select_refined(std::vector<govsim::models::RefinedParticle>{}),
                    std::invalid_argument);
}

TEST_CASE("the refinement reruns the posterior's best particles and local proposals with seeds "
          "of their own",
          "[calibration]") {
    auto text = small_calibration();
    text.replace(text.find("refine_particles = 0\n"), 21,
                 "refine_particles = 3\nrefine_replicates = 4\nrefine_rounds = 1\n"
                 "refine_proposals = 4\n");
    text += "[[calibration.bands]]\nstatistic = \"fee_collection\"\nfirst_year = 2014\n"
            "last_year = 2015\nlower = 0.5\nupper = 0.95\nsource = \"x\"\nreliability = \"H\"\n";
    const auto spec = govsim::models::parse_calibration(text, calib_path);
    CHECK(spec.refine_particles == 3);
    CHECK(spec.refine_replicates == 4);
    CHECK(spec.refine_rounds == 1);
    CHECK(spec.refine_proposals == 4);
    // A hand-made posterior of five particles; the three with the smallest distances (ties: the
    // lower row first) are the candidates.
    govsim::analysis::AbcGeneration posterior;
    const std::vector<double> thetas{0.1, 0.2, 0.3, 0.4, 0.5};
    const std::vector<double> distances{2.0, 0.5, 1.0, 0.5, 3.0};
    for (std::size_t j = 0; j < thetas.size(); ++j)
        posterior.particles.push_back({{thetas[j]}, {}, distances[j], 0.2});
    CHECK(govsim::models::refinement_candidates(posterior, 3) == std::vector<std::size_t>{1, 3, 2});
    CHECK(govsim::models::refinement_candidates(posterior, 9).size() == 5);

    const auto ref = govsim::models::refine(spec, posterior);
    REQUIRE(ref.particles.size() == 3 + 4);
    REQUIRE(ref.seeds.size() == 2);
    CHECK(ref.runs == 7 * 4);
    const auto bands = spec.bands();
    for (std::size_t j = 0; j < ref.particles.size(); ++j) {
        const auto& p = ref.particles[j];
        INFO("point " << j);
        if (j < 3) {
            CHECK(p.round == 0);
            CHECK(p.parent == j);
            CHECK(p.particle == std::vector<std::size_t>{1, 3, 2}[j]);
            CHECK(p.theta == posterior.particles[p.particle].theta);
            CHECK(p.fit_distance == distances[p.particle]);
        } else {
            // Proposed around one of the best points of round 0, inside the prior's box.
            CHECK(p.round == 1);
            CHECK(p.parent < 3);
            CHECK(p.particle == ref.particles[p.parent].particle);
            CHECK(p.theta[0] >= spec.parameters[0].lower);
            CHECK(p.theta[0] <= spec.parameters[0].upper);
        }
        // Each point's means are its runs at its round's seed: the same as simulating it alone
        // (replicate r of every point shares its seed), and its distance is the fit's distance
        // of those means.
        const auto alone =
            govsim::models::simulate_particles(spec, {p.theta}, ref.seeds[p.round], 4).front();
        REQUIRE(p.means.size() == alone.size());
        for (std::size_t k = 0; k < alone.size(); ++k)
            CHECK(p.means[k] == Approx(alone[k]).epsilon(1e-12));
        CHECK(p.distance == Approx(govsim::analysis::band_distance(p.means, bands)));
        // The margin: how far the worst mean is inside its accepted region, in standard errors.
        double margin = HUGE_VAL;
        for (std::size_t k = 0; k < spec.patterns.size(); ++k) {
            const auto& pattern = spec.patterns[k];
            const double inside =
                std::min(p.means[k] - pattern.accept_lower(), pattern.accept_upper() - p.means[k]);
            margin = std::min(margin, inside / p.standard_errors[k]);
        }
        CHECK(p.margin == Approx(margin));
    }
    // The proposals go round the parents, best first: the first proposal's parent ranks first.
    const auto& first_parent = ref.particles[ref.particles[3].parent];
    for (std::size_t j = 0; j < 3; ++j)
        CHECK_FALSE(govsim::models::refined_before(ref.particles[j], first_parent));
    // The shipped point ranks first.
    CHECK(ref.chosen == govsim::models::select_refined(ref.particles));
    govsim::models::CalibrationResult result;
    result.refinement = ref;
    CHECK(result.point() == ref.particles[ref.chosen].theta);
    CHECK_THAT(govsim::models::shipped_point_phrase(result), Contains("nearest the patterns at 4"));
    // The seeds are the refinement's own: no batch of the fit and not the predictive check.
    std::size_t same = 0;
    for (const auto seed : ref.seeds) {
        same += seed == govsim::models::check_seed(spec) ? 1 : 0;
        for (std::size_t g = 0; g < 20; ++g)
            for (std::size_t b = 0; b < 50; ++b)
                same += seed == govsim::models::fit_seed(spec, g, b) ? 1 : 0;
    }
    CHECK(same == 0);
    CHECK(ref.seeds[0] == govsim::models::refinement_seed(spec, 0));
    CHECK(ref.seeds[1] == govsim::models::refinement_seed(spec, 1));
    CHECK(ref.seeds[0] != ref.seeds[1]);
    // Without a refinement the point is the posterior mean.
    auto none = spec;
    none.refine_particles = 0;
    CHECK(govsim::models::refine(none, posterior).empty());
}
