// Tests of command-line overrides (--set PATH=VALUE), clearing inherited tables, designs in
// experiment files (factorial points crossed with towns and models), declared priors, draws from
// a calibration posterior, and the common random numbers a design's runs share (issue #9, items
// 1, 2 and 5).
#include "common/temp_dir.hpp"
#include "models/experiment.hpp"
#include "models/scenario_loader.hpp"
#include "sim/config.hpp"

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using namespace govsim::models;
using govsim::sim::ConfigError;
using govsim::sim::Override;

namespace {

const std::string shipped = std::string(GOVSIM_SOURCE_DIR) + "/scenarios/";

/// A small Dali (3 communities), the shipped parameters, one year, no warm-up; `extra` is
/// appended to the experiment file.
std::string write_experiment(const std::filesystem::path& dir, const std::string& models,
                             const std::string& extra) {
    std::ofstream(dir / "town.toml") << "include = [\"" << shipped << "towns/dali.toml\"]\n"
                                     << "[town]\nresidents_at_full_occupancy = 9000\n"
                                     << "communities = 2\n";
    const auto path = (dir / "experiment.toml").string();
    std::ofstream(path) << "include = [\"" << shipped << "parameters/nanhai.toml\"]\n"
                        << "[experiment]\ntowns = [\"town.toml\"]\nmodels = [" << models << "]\n"
                        << "[run]\nname = \"t\"\nstart_year = 2014\nyears = 1\nwarmup_years = 0\n"
                        << "replicates = 2\nseed = 5\n"
                        << extra;
    return path;
}

std::string model(const char* name) {
    return fmt::format("\"{}models/{}.toml\"", shipped, name);
}

std::vector<Override> sets(const std::vector<std::string>& texts) {
    std::vector<Override> out;
    for (const auto& t : texts)
        out.push_back(govsim::sim::parse_override(t, "--set " + t));
    return out;
}

std::size_t department(const Scenario& s, const std::string& name) {
    for (std::size_t d = 0; d < s.handlers.departments.size(); ++d)
        if (s.handlers.departments[d].name == name)
            return d;
    FAIL("no department " << name);
    return 0;
}

} // namespace

TEST_CASE("overrides (--set) reach any key, an array element by name or index, and clear tables",
          "[overrides]") {
    const govsim::test::TempDir dir("govsim-overrides");
    const auto path = write_experiment(dir.path(), model("baseline"), "");
    const Experiment plain = load_experiment(path);
    const Scenario& before = plain.scenarios.front();
    const std::size_t urban = department(before, "urban_management");
    const std::size_t parking = index(Category::Parking);
    REQUIRE(before.categories[parking].effects[0] == 2.0); // parking_pressure

    const Experiment e = load_experiment(
        path, {},
        sets({"escalation.escalate_base=0.375", "handlers.departments[urban_management].servers=20",
              fmt::format("handlers.departments[{}].intake_delay_days=4.5",
                          department(before, "police")),
              "disputes.parking.effects={}"}));
    const Scenario& s = e.scenarios.front();
    CHECK(s.escalation.escalate_base == 0.375);
    CHECK(s.handlers.departments[urban].servers == 20);
    CHECK(s.handlers.departments[department(s, "police")].intake_delay_days == 4.5);
    // The other keys of the element stay as the files set them.
    CHECK(s.handlers.departments[urban].intake_delay_days ==
          before.handlers.departments[urban].intake_delay_days);
    for (const double effect : s.categories[parking].effects)
        CHECK(effect == 0.0);
    CHECK(e.overrides ==
          std::vector<std::string>{"escalation.escalate_base=0.375",
                                   "handlers.departments[urban_management].servers=20",
                                   fmt::format("handlers.departments[{}].intake_delay_days=4.5",
                                               department(before, "police")),
                                   "disputes.parking.effects={}"});
}

TEST_CASE("effects = {} in an overriding file clears the inherited table", "[overrides]") {
    const govsim::test::TempDir dir("govsim-overrides");
    const auto path =
        write_experiment(dir.path(), model("baseline"), "[disputes.parking]\neffects = {}\n");
    const Scenario s =
        load_experiment(path).scenarios.front(); // a copy: the experiment is a temporary
    for (const double effect : s.categories[index(Category::Parking)].effects)
        CHECK(effect == 0.0);
    // A non-empty table still merges key by key.
    const auto merged = write_experiment(dir.path(), model("baseline"),
                                         "[disputes.parking]\neffects = { tenant_share = 0.25 }\n");
    const Scenario m = load_experiment(merged).scenarios.front();
    CHECK(m.categories[index(Category::Parking)].effects[0] == 2.0); // inherited
    CHECK(m.categories[index(Category::Parking)].effects[3] == 0.25);
}

TEST_CASE("a bad --set is one error naming the argument, expected and found", "[overrides]") {
    const govsim::test::TempDir dir("govsim-overrides");
    const auto path = write_experiment(dir.path(), model("baseline"), "");
    const auto message = [&](const std::string& text) {
        try {
            (void)load_experiment(path, {}, sets({text}));
        } catch (const ConfigError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK(message("escalation.escalate_base=1.5") ==
          "--set escalation.escalate_base=1.5: error: escalation.escalate_base: expected a "
          "probability in [0, 1], found 1.5");
    CHECK_THAT(message("handlers.departments[nobody].servers=3"),
               StartsWith("--set handlers.departments[nobody].servers=3: error: "
                          "handlers.departments: expected the name of one of its elements, "
                          "found \"nobody\"") &&
                   Contains("urban_management"));
    CHECK_THAT(message("handlers.departments[7].servers=3"), Contains("expected an index below 3"));
    CHECK_THAT(message("escalation.escalate_bse=0.2"),
               StartsWith("--set escalation.escalate_bse=0.2: error: escalation.escalate_bse: "
                          "unknown key; did you mean 'escalate_base'?"));
    CHECK_THAT(message("run.name=plain"), Contains("is not a TOML value"));
    CHECK_THAT(message("escalation=3"), Contains("expected a table, found an integer (3)"));
    CHECK_THROWS_WITH(govsim::sim::parse_override("no-equals", "--set no-equals"),
                      StartsWith("--set no-equals: error: expected PATH=VALUE"));
    CHECK_THROWS_WITH(govsim::sim::parse_override("a..b=1", "--set a..b=1"),
                      Contains("malformed key path"));
}

TEST_CASE("a factorial design crosses its points with towns and models", "[design]") {
    const govsim::test::TempDir dir("govsim-design");
    const auto path = write_experiment(
        dir.path(), model("baseline") + ", " + model("denghu"),
        "[design]\nkind = \"factorial\"\n"
        "[[design.parameters]]\nkey = \"escalation.escalate_base\"\nvalues = [0.1, 0.2, 0.4]\n"
        "[[design.parameters]]\nkey = \"handlers.departments[urban_management].servers\"\n"
        "lower = 2\nupper = 5\nlevels = 2\n");
    const Experiment e = load_experiment(path);
    REQUIRE(e.design.kind == "factorial");
    REQUIRE(e.design.points() == 6);
    REQUIRE(e.scenarios_per_point() == 2);
    REQUIRE(e.scenarios.size() == 12);
    CHECK(e.design.parameters[1].integer);
    CHECK_FALSE(e.design.parameters[0].integer);
    // Last factor fastest; the unit coordinates are level / (levels - 1).
    const std::vector<std::vector<double>> values{{0.1, 2}, {0.1, 5}, {0.2, 2},
                                                  {0.2, 5}, {0.4, 2}, {0.4, 5}};
    CHECK(e.design.values == values);
    CHECK(e.design.unit[3] == std::vector<double>{0.5, 1.0});
    for (std::size_t p = 0; p < 6; ++p)
        for (std::size_t m = 0; m < 2; ++m) {
            const Scenario& s = e.scenarios[p * 2 + m];
            CHECK(s.model.name == (m == 0 ? "baseline" : "denghu"));
            CHECK(s.escalation.escalate_base == values[p][0]);
            CHECK(s.handlers.departments[department(s, "urban_management")].servers ==
                  values[p][1]);
            // The files' text is the experiment's, once: a point holds none of it, not even as
            // spare capacity (a design of 5,632 points once held 250 MB of it).
            CHECK(s.source_text.capacity() < 64);
        }
    CHECK_FALSE(e.source_text.empty());

    SECTION("a design key that names no number is refused where it is written") {
        const auto bad = write_experiment(dir.path(), model("baseline"),
                                          "[design]\nkind = \"factorial\"\n"
                                          "[[design.parameters]]\nkey = \"escalation.nothing\"\n"
                                          "values = [1, 2]\n");
        CHECK_THROWS_WITH(load_experiment(bad),
                          Contains("experiment.toml:") &&
                              Contains("design.parameters[0].key: expected the key path of a "
                                       "number of the scenarios") &&
                              Contains("names no value in any"));
    }
    SECTION("a key some scenarios lack leaves them as they are") {
        const auto lever = write_experiment(
            dir.path(), model("baseline") + ", " + model("denghu"),
            "[design]\nkind = \"factorial\"\n[[design.parameters]]\n"
            "key = \"levers.rapid_response.response_deadline_days\"\nvalues = [5, 15]\n");
        const Experiment x = load_experiment(lever);
        REQUIRE(x.scenarios.size() == 4);
        CHECK_FALSE(x.scenarios[0].levers.has("rapid_response")); // the baseline
        CHECK(x.scenarios[0].escalation.escalate_base == x.scenarios[2].escalation.escalate_base);
        CHECK(x.design.values == std::vector<std::vector<double>>{{5}, {15}});
    }
    SECTION("a point the schema refuses names the design point") {
        const auto bad = write_experiment(dir.path(), model("baseline"),
                                          "[design]\nkind = \"factorial\"\n"
                                          "[[design.parameters]]\n"
                                          "key = \"escalation.escalate_base\"\n"
                                          "values = [0.5, 1.5]\n");
        CHECK_THROWS_WITH(load_experiment(bad),
                          StartsWith("[design] point 1 (escalation.escalate_base = 1.5): error: "
                                     "escalation.escalate_base: expected a probability"));
    }
}

TEST_CASE("priors are declared beside values, checked, and drive key-only parameters", "[design]") {
    const govsim::test::TempDir dir("govsim-design");
    const std::string prior =
        "[priors]\n\"escalation.escalate_base\" = { distribution = \"triangular\", lower = 0.05, "
        "upper = 0.5, mode = 0.2, reason = \"[A] test\" }\n";
    const Experiment e = load_experiment(write_experiment(dir.path(), model("baseline"), prior));
    // Beside the shipped parameters' own priors, the one declared here.
    const auto it = std::find_if(e.priors.begin(), e.priors.end(),
                                 [](const auto& p) { return p.key == "escalation.escalate_base"; });
    REQUIRE(it != e.priors.end());
    CHECK(it->distribution.name == "triangular");
    CHECK(it->distribution.mode == 0.2);
    CHECK(it->reason == "[A] test");

    // A value outside its prior is allowed (--set, a design or a calibration may move it);
    // a prior on a key that names no number is not.
    const std::string outside =
        "[priors]\n\"escalation.escalate_base\" = { lower = 0.6, upper = 0.9, reason = \"x\" }\n";
    CHECK_NOTHROW(load_experiment(write_experiment(dir.path(), model("baseline"), outside)));
    const std::string nowhere =
        "[priors]\n\"escalation.no_such_key\" = { lower = 0.6, upper = 0.9, reason = \"x\" }\n";
    CHECK_THROWS_WITH(load_experiment(write_experiment(dir.path(), model("baseline"), nowhere)),
                      Contains("which names no value"));
    const std::string no_reason =
        "[priors]\n\"escalation.escalate_base\" = { lower = 0.1, upper = 0.9 }\n";
    CHECK_THROWS_WITH(load_experiment(write_experiment(dir.path(), model("baseline"), no_reason)),
                      Contains("reason"));
}

TEST_CASE("a design's runs share common random numbers across points and models", "[design]") {
    const govsim::test::TempDir dir("govsim-design");
    // Two points with the same value: any difference between them would come from the point's
    // index reaching a run's random streams.
    const Experiment e = load_experiment(write_experiment(
        dir.path(), model("baseline") + ", " + model("denghu"),
        "[design]\nkind = \"factorial\"\n"
        "[[design.parameters]]\nkey = \"escalation.escalate_base\"\nvalues = [0.3, 0.3, 0.1]\n"));
    ExperimentOptions options;
    options.seed = 5;
    options.replicates = 2;
    const auto runs = run_experiment(e.scenarios, options);
    REQUIRE(runs.size() == 12); // 3 points x 2 models x 2 replicates
    const auto at = [&](std::size_t point, std::size_t m, std::size_t r) -> const RunResult& {
        return runs[(point * 2 + m) * 2 + r];
    };
    for (std::size_t m = 0; m < 2; ++m)
        for (std::size_t r = 0; r < 2; ++r) {
            CHECK(at(0, m, r).evaluation.stats.disputes == at(1, m, r).evaluation.stats.disputes);
            CHECK(at(0, m, r).evaluation.stats.complaints ==
                  at(1, m, r).evaluation.stats.complaints);
            CHECK(at(0, m, r).daily.size() == at(1, m, r).daily.size());
            // The same synthesised town at every point (escalation is not a town key).
            CHECK(at(2, m, r).units == at(0, m, r).units);
            CHECK(at(2, m, r).compounds == at(0, m, r).compounds);
        }
    // Replicates differ (their seeds do).
    CHECK(at(0, 0, 0).evaluation.stats.disputes != at(0, 0, 1).evaluation.stats.disputes);
}

TEST_CASE("lhs, sobol, morris and prior designs map the unit points through the distributions",
          "[design]") {
    const govsim::test::TempDir dir("govsim-design");
    const std::string prior =
        "[priors]\n\"escalation.escalate_base\" = { distribution = \"uniform\", lower = 0.1, "
        "upper = 0.5, reason = \"[A] test\" }\n";
    const auto load = [&](const std::string& design) {
        return load_experiment(write_experiment(dir.path(), model("baseline"), prior + design));
    };
    const std::string two =
        "[[design.parameters]]\nkey = \"escalation.escalate_base\"\n"
        "[[design.parameters]]\nkey = \"handlers.departments[urban_management].servers\"\n"
        "lower = 2\nupper = 9\n";
    const Experiment lhs = load("[design]\nkind = \"lhs\"\nsamples = 5\nseed = 3\n" + two);
    const Experiment sobol = load("[design]\nkind = \"sobol\"\nsamples = 4\nseed = 3\n" + two);
    const Experiment morris =
        load("[design]\nkind = \"morris\"\nsamples = 3\nlevels = 4\nseed = 3\n" + two);
    // The shipped parameters declare priors of their own: a prior design over every prior
    // draws them all, and one over the listed keys only those.
    const Experiment all = load("[design]\nkind = \"prior\"\nsamples = 6\n");
    CHECK(all.design.parameters.size() == all.priors.size());
    CHECK(all.priors.size() > 1);
    const Experiment drawn = load("[design]\nkind = \"prior\"\nsamples = 6\n"
                                  "[[design.parameters]]\nkey = \"escalation.escalate_base\"\n");
    CHECK(lhs.design.points() == 5);
    CHECK(sobol.design.points() == 4 * (2 + 2));
    CHECK(morris.design.points() == 3 * (2 + 1));
    CHECK(drawn.design.points() == 6);
    CHECK(drawn.design.parameters.size() == 1);
    for (const Experiment* e : {&lhs, &sobol, &morris, &drawn}) {
        REQUIRE(e->scenarios.size() == e->design.points());
        for (std::size_t p = 0; p < e->design.points(); ++p) {
            const double u = e->design.unit[p][0];
            // uniform on [0.1, 0.5]; the scenario holds the value
            CHECK(e->design.values[p][0] == Approx(0.1 + 0.4 * u));
            CHECK(e->scenarios[p].escalation.escalate_base == e->design.values[p][0]);
            if (e->design.parameters.size() == 2) {
                const double servers = e->design.values[p][1];
                CHECK(servers == std::round(servers)); // an integer key
                CHECK(servers >= 2);
                CHECK(servers <= 9);
            }
        }
    }
}

namespace {

/// A calibration of two parameters (one key, and one name for two keys) and its posterior's
/// table as `govsim export` writes it: three rows of weights 0.6, 0.3 and 0.1. detection.
/// report_delay_days has a prior in the shipped parameters.
void write_posterior(const std::filesystem::path& dir, const std::string& csv = {}) {
    std::ofstream(dir / "calibration.toml")
        << "include = [\"base.toml\"]\n" // not read: only [calibration] is
        << "[calibration]\nseed = 1\nreplicates = 2\nparticles = 3\ngenerations = 1\n"
        << "tolerance_quantile = 0.5\nfinal_tolerance = 0.1\nmin_acceptance = 0.05\n"
        << "batch_size = 3\nmax_batches_per_generation = 1\n"
        << "[[calibration.targets]]\nyear = 2014\ncomplaints = 80\ntolerance = 0.1\n"
        << "source = \"test\"\nreliability = \"FACT\"\n"
        << "[[calibration.parameters]]\nkey = \"detection.report_delay_days\"\n"
        << "prior = \"uniform\"\nlower = 1\nupper = 4\n"
        << "[[calibration.parameters]]\nname = \"rc_success\"\n"
        << "keys = [\"disputes.parking.success.residents_committee\", "
        << "\"disputes.neighbour.success.residents_committee\"]\n"
        << "prior = \"uniform\"\nlower = 0.2\nupper = 0.95\n";
    std::ofstream(dir / "posterior.csv")
        << (csv.empty() ? "generation,particle,weight,distance,detection.report_delay_days,"
                          "rc_success,complaints_2014\n"
                          "2,0,0.6,0.1,1.5,0.31,80\n"
                          "2,1,0.3,0.2,2.5,0.52,85\n"
                          "2,2,0.1,0.3,3.5,0.73,90\n"
                        : csv);
}

const std::string posterior_design =
    "[design]\nkind = \"prior\"\nsamples = 100\nseed = 9\n"
    "posterior = { file = \"posterior.csv\", calibration = \"calibration.toml\" }\n";

} // namespace

TEST_CASE("a prior design draws calibration posterior rows by weight, stratified, and applies "
          "each row jointly",
          "[design][posterior]") {
    const govsim::test::TempDir dir("govsim-design");
    write_posterior(dir.path());
    const Experiment e =
        load_experiment(write_experiment(dir.path(), model("baseline"), posterior_design));
    const ExperimentDesign& d = e.design;
    REQUIRE(d.points() == 100);
    REQUIRE(e.scenarios.size() == 100);
    CHECK(d.has_posterior());
    CHECK(d.posterior_size == 3);
    CHECK(d.posterior_file == (dir.path() / "posterior.csv").lexically_normal().string());

    // Every declared prior but the posterior's key, then the posterior's three keys.
    const std::vector<std::string> posterior_keys{"detection.report_delay_days",
                                                  "disputes.parking.success.residents_committee",
                                                  "disputes.neighbour.success.residents_committee"};
    REQUIRE(d.parameters.size() == e.priors.size() - 1 + 3);
    const std::size_t drawn = e.priors.size() - 1;
    for (std::size_t k = 0; k < drawn; ++k) {
        CHECK(d.parameters[k].key != "detection.report_delay_days");
        CHECK(d.parameters[k].distribution.name != "posterior");
    }
    for (std::size_t j = 0; j < 3; ++j) {
        CHECK(d.parameters[drawn + j].key == posterior_keys[j]);
        CHECK(d.parameters[drawn + j].distribution.name == "posterior");
    }
    CHECK(d.parameters[drawn].distribution.lower == 1.5);
    CHECK(d.parameters[drawn].distribution.upper == 3.5);

    // With one point in each stratum [i/100, (i+1)/100) of the draw's column, the rows land
    // 60/30/10 (+-1 where a stratum straddles a cumulative weight in floating point).
    const std::vector<double> delay{1.5, 2.5, 3.5}, success{0.31, 0.52, 0.73};
    std::array<int, 3> count{};
    REQUIRE(d.posterior_rows.size() == 100);
    std::vector<int> strata(100, 0);
    const std::size_t rc = govsim::models::index(Level::ResidentsCommittee);
    for (std::size_t p = 0; p < 100; ++p) {
        CAPTURE(p);
        const std::size_t row = d.posterior_rows[p];
        REQUIRE(row < 3);
        ++count[row];
        const double u = d.unit[p][drawn];
        ++strata[static_cast<std::size_t>(u * 100)];
        // The posterior's keys share the draw's coordinate; the row is the weights' inverse CDF.
        CHECK(d.unit[p][drawn + 1] == u);
        CHECK(d.unit[p][drawn + 2] == u);
        CHECK(row == (u < 0.6 ? 0U : u < 0.9 ? 1U : 2U));
        // Jointly: one row's values at every key, in the design and in the scenario.
        CHECK(d.values[p][drawn] == delay[row]);
        CHECK(d.values[p][drawn + 1] == success[row]);
        CHECK(d.values[p][drawn + 2] == success[row]);
        const Scenario& s = e.scenarios[p];
        CHECK(s.detection.report_delay_days == delay[row]);
        CHECK(s.categories[govsim::models::index(Category::Parking)].success[rc] == success[row]);
        CHECK(s.categories[govsim::models::index(Category::Neighbour)].success[rc] == success[row]);
        // A key of the same category the posterior does not set keeps its value.
        CHECK(s.categories[govsim::models::index(Category::Sanitation)].success[rc] ==
              e.scenarios[0].categories[govsim::models::index(Category::Sanitation)].success[rc]);
    }
    CHECK(std::all_of(strata.begin(), strata.end(), [](int n) { return n == 1; }));
    CHECK(std::abs(count[0] - 60) <= 1);
    CHECK(std::abs(count[1] - 30) <= 1);
    CHECK(std::abs(count[2] - 10) <= 1);
    CHECK(count[0] + count[1] + count[2] == 100);

    // The CSV and the calibration file are recorded like scenario files.
    const auto recorded = [&](const std::string& name) {
        return std::any_of(e.sources.begin(), e.sources.end(), [&](const auto& s) {
            return s.file == (dir.path() / name).lexically_normal().string();
        });
    };
    CHECK(recorded("posterior.csv"));
    CHECK(recorded("calibration.toml"));
    CHECK_FALSE(recorded("base.toml")); // the calibration's scenario is not read

    SECTION("adding a posterior leaves the draws of the same priors as they were") {
        const std::string drawn_prior =
            "[[design.parameters]]\nkey = \"escalation.escalate_base\"\n"
            "lower = 0.1\nupper = 0.4\n";
        const Experiment with = load_experiment(
            write_experiment(dir.path(), model("baseline"), posterior_design + drawn_prior));
        const Experiment without = load_experiment(write_experiment(
            dir.path(), model("baseline"),
            "[design]\nkind = \"prior\"\nsamples = 100\nseed = 9\n" + drawn_prior));
        REQUIRE(with.design.parameters.size() == 4);
        REQUIRE(without.design.parameters.size() == 1);
        for (std::size_t p = 0; p < 100; ++p) {
            CHECK(with.design.unit[p][0] == without.design.unit[p][0]);
            CHECK(with.design.values[p][0] == without.design.values[p][0]);
        }
    }
    SECTION("posterior.parameters takes some of the calibrated parameters") {
        const Experiment some = load_experiment(write_experiment(
            dir.path(), model("baseline"),
            "[design]\nkind = \"prior\"\nsamples = 10\nseed = 9\n"
            "posterior = { file = \"posterior.csv\", calibration = \"calibration.toml\", "
            "parameters = [\"rc_success\"] }\n"));
        REQUIRE(some.design.parameters.size() == e.priors.size() + 2);
        CHECK(some.design.parameters.back().key == posterior_keys[2]);
        // report_delay_days is drawn from its prior again.
        CHECK(std::any_of(some.design.parameters.begin(), some.design.parameters.end(),
                          [](const DesignParameter& q) {
                              return q.key == "detection.report_delay_days" &&
                                     q.distribution.name == "uniform";
                          }));
    }
}

TEST_CASE("a bad posterior is one error naming the file, line, column and key",
          "[design][posterior]") {
    const govsim::test::TempDir dir("govsim-design");
    const auto fails = [&](const std::string& csv, const std::string& design = posterior_design) {
        write_posterior(dir.path(), csv);
        try {
            (void)load_experiment(write_experiment(dir.path(), model("baseline"), design));
        } catch (const ConfigError& error) {
            return std::string(error.what());
        }
        FAIL("no error");
        return std::string();
    };
    const std::string csv_path = (dir.path() / "posterior.csv").lexically_normal().string();
    const std::string experiment = (dir.path() / "experiment.toml").string();
    const std::string header = "weight,detection.report_delay_days,rc_success\n";
    // The file: missing, or a column the calibration does not name.
    CHECK_THAT(fails({}, "[design]\nkind = \"prior\"\nsamples = 4\nposterior = { file = "
                         "\"missing.csv\", calibration = \"calibration.toml\" }\n"),
               StartsWith(experiment + ":15:22: error: design.posterior.file: expected a file that "
                                       "can be read") &&
                   Contains("missing.csv': cannot read file"));
    CHECK_THAT(fails("weight,detection.report_delay_days,rc_succes\n1,2,0.5\n"),
               StartsWith(csv_path + ":1:36: error: rc_succes: expected a column of the "
                                     "/posterior table") &&
                   Contains("found \"rc_succes\""));
    CHECK_THAT(fails("weight,rc_success\n1,0.5\n"),
               StartsWith(csv_path + ":1:1: error: detection.report_delay_days: expected a "
                                     "column for every calibrated parameter taken"));
    // Weights: negative, NaN, all zero.
    CHECK_THAT(fails(header + "0.5,2,0.5\n-0.1,2,0.5\n"),
               StartsWith(csv_path + ":3:1: error: weight: expected a weight >= 0, found -0.1"));
    CHECK_THAT(fails(header + "nan,2,0.5\n"),
               StartsWith(csv_path + ":2:1: error: weight: expected a finite number, found nan"));
    CHECK_THAT(fails(header + "0,2,0.5\n0,3,0.6\n"),
               StartsWith(csv_path + ":1:1: error: weight: expected weights with a positive, "
                                     "finite sum, found a sum of 0"));
    CHECK_THAT(fails(header + "1,x,0.5\n"),
               StartsWith(csv_path + ":2:3: error: detection.report_delay_days: expected a "
                                     "number, found \"x\""));
    CHECK_THAT(fails(header + "1,2\n"), StartsWith(csv_path + ":2:1: error: expected 3 fields"));
    // A calibrated key the scenarios do not have.
    write_posterior(dir.path());
    {
        std::ifstream in(dir.path() / "calibration.toml");
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        text.replace(text.find("detection.report_delay_days"), 27, "detection.no_such_delay");
        std::ofstream(dir.path() / "calibration.toml") << text;
        std::ofstream(dir.path() / "posterior.csv")
            << "weight,detection.no_such_delay,rc_success\n1,2,0.5\n";
    }
    try {
        (void)load_experiment(write_experiment(dir.path(), model("baseline"), posterior_design));
        FAIL("no error");
    } catch (const ConfigError& error) {
        CHECK_THAT(error.what(),
                   StartsWith(experiment + ":16:") &&
                       Contains("design.posterior.calibration: expected a calibration whose keys "
                                "are numbers of every scenario of the experiment, found "
                                "\"detection.no_such_delay\", which names no value in scenario"));
    }
    // The posterior belongs to a prior design, and replaces the priors of its keys.
    write_posterior(dir.path());
    CHECK_THAT(fails({}, "[design]\nkind = \"lhs\"\nsamples = 4\nposterior = { file = "
                         "\"posterior.csv\", calibration = \"calibration.toml\" }\n"
                         "[[design.parameters]]\nkey = \"escalation.escalate_base\"\n"
                         "lower = 0.1\nupper = 0.2\n"),
               Contains("design.posterior: expected a [design] of kind \"prior\""));
    CHECK_THAT(fails({}, posterior_design +
                             "[[design.parameters]]\nkey = \"detection.report_delay_days\"\n"),
               Contains("design.parameters[0].key: expected a key the design's posterior does "
                        "not set"));
    CHECK_THAT(fails({}, "[design]\nkind = \"prior\"\nsamples = 4\nposterior = { file = "
                         "\"posterior.csv\", calibration = \"calibration.toml\", parameters = "
                         "[\"nothing\"] }\n"),
               Contains("design.posterior.parameters: expected names of parameters"));
}

TEST_CASE("a lever's --set changes the models that have the lever and leaves the others",
          "[overrides]") {
    const govsim::test::TempDir dir("govsim-overrides");
    const auto path = write_experiment(dir.path(), model("baseline") + ", " + model("denghu"), "");
    const Experiment plain = load_experiment(path);
    const Experiment e =
        load_experiment(path, {}, sets({"levers.rapid_response.response_deadline_days=15"}));
    REQUIRE(e.scenarios.size() == 2);
    // The baseline has no rapid response: it is as it was, and gains no lever.
    CHECK(e.scenarios[0].levers.entries().size() == plain.scenarios[0].levers.entries().size());
    // Denghu's lever takes the value.
    bool found = false;
    for (const auto& entry : e.scenarios[1].levers.entries())
        for (const auto& [key, value] : entry.lever->parameters())
            if (key == "response_deadline_days") {
                CHECK(std::stod(value) == 15.0);
                found = true;
            }
    CHECK(found);
    // A lever no scenario has is an error naming the override.
    CHECK_THROWS_WITH(
        load_experiment(path, {}, sets({"levers.grid_inspection.detection_probability=0.9"})),
        Contains("--set levers.grid_inspection.detection_probability=0.9") &&
            Contains("no scenario with [levers.grid_inspection]"));
}
