// Tests of scenario composition (includes, deep merge, overrides), lever sections and
// experiments (towns crossed with models). Fixtures are in tests/data/composition/; scenario
// texts written here are "placed" in that folder, so their includes resolve against it.
#include "models/scenario_loader.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using govsim::models::Category;
using govsim::models::category_count;
using govsim::models::Experiment;
using govsim::models::index;
using govsim::models::Level;
using govsim::models::level_count;
using govsim::models::load_experiment;
using govsim::models::load_scenario;
using govsim::models::parse_experiment;
using govsim::models::parse_scenario;
using govsim::models::Scenario;
using govsim::sim::ConfigError;

namespace {

/// Replaces the first occurrence of `from` in `text`, which must contain it.
void replace_first(std::string& text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
}

const std::string source_dir = GOVSIM_SOURCE_DIR;
const std::string data_dir = source_dir + "/tests/data/composition";
/// Where the scenario texts of these tests claim to live.
const std::string here = data_dir + "/inline.toml";
const std::string shipped = "../../../scenarios";

std::string data(std::string_view name) {
    return fmt::format("{}/{}", data_dir, name);
}

std::string scenarios_path(std::string_view relative) {
    return fmt::format("{}/scenarios/{}", source_dir, relative);
}

/// A [run] section for texts written in these tests.
const std::string run_section = "[run]\nname = \"inline\"\nstart_year = 2014\nyears = 1\n"
                                "replicates = 1\nseed = 5\n";

/// A scenario text in data_dir: the shipped Nanhai parameters and Lishui town, `model` (a path
/// relative to data_dir), then `extra` appended after [run].
std::string lishui_with(std::string_view model, std::string_view extra = {}) {
    return fmt::format("include = [\"{0}/parameters/nanhai.toml\", \"{0}/towns/lishui.toml\", "
                       "\"{1}\"]\n\n{2}\n{3}",
                       shipped, model, run_section, extra);
}

/// The Lishui baseline, composed, with `extra` appended.
std::string baseline_with(std::string_view extra) {
    return lishui_with(shipped + "/models/baseline.toml", extra);
}

struct Where {
    std::size_t line = 0;
    std::size_t column = 0;
};

/// 1-based line and column of the first occurrence of `needle` in `text`, `offset` characters on.
Where find(const std::string& text, std::string_view needle, std::size_t offset = 0) {
    const std::size_t at = text.find(needle);
    REQUIRE(at != std::string::npos);
    const std::size_t pos = at + offset;
    Where w;
    w.line = 1;
    std::size_t line_start = 0;
    for (std::size_t i = 0; i < pos; ++i) {
        if (text[i] == '\n') {
            ++w.line;
            line_start = i + 1;
        }
    }
    w.column = pos - line_start + 1;
    return w;
}

/// "<file>:<line>:<column>: error: <key>: "
std::string prefix(std::string_view file, Where w, std::string_view key) {
    return fmt::format("{}:{}:{}: error: {}: ", file, w.line, w.column, key);
}

/// The ConfigError thrown by loading `text` as the experiment file `path`.
ConfigError error_for(const std::string& text, const std::string& path = here) {
    try {
        (void)parse_experiment(text, path);
    } catch (const ConfigError& e) {
        CHECK(std::string(e.what()).find('\n') == std::string::npos);
        return e;
    }
    FAIL("the text was accepted:\n" << text);
    throw std::logic_error("unreachable");
}

std::size_t count(const std::string& text, std::string_view needle) {
    std::size_t n = 0;
    for (std::size_t at = text.find(needle); at != std::string::npos;
         at = text.find(needle, at + 1)) {
        ++n;
    }
    return n;
}

/// The parameters of a scenario's lever, as the lever lists them.
std::vector<std::pair<std::string, std::string>> lever_parameters(const Scenario& s,
                                                                  std::string_view name) {
    for (const auto& e : s.levers.entries())
        if (e.lever->name() == name)
            return e.lever->parameters();
    FAIL("no lever " << name);
    return {};
}

/// Every value of two scenarios is the same (the provenance fields aside).
void check_same_values(const Scenario& a, const Scenario& b) {
    CHECK(a.run == b.run);
    CHECK(a.town == b.town);
    CHECK(a.households == b.households);
    CHECK(a.owners == b.owners);
    for (std::size_t c = 0; c < category_count; ++c) {
        INFO("category " << govsim::models::category_names[c]);
        CHECK(a.categories[c] == b.categories[c]);
    }
    CHECK(a.handlers == b.handlers);
    CHECK(a.residents_committees == b.residents_committees);
    CHECK(a.owners_committees == b.owners_committees);
    CHECK(a.assemblies == b.assemblies);
    CHECK(a.detection == b.detection);
    CHECK(a.escalation == b.escalation);
    CHECK(a.feedback == b.feedback);
    CHECK(a.firms == b.firms);
    CHECK(a.collectives == b.collectives);
    CHECK(a.mechanisms == b.mechanisms);
    CHECK(a.model == b.model);
    CHECK(a.levers.enabled_names() == b.levers.enabled_names());
}

bool any_lever_on(const govsim::models::Levers& l) {
    return !l.enabled_names().empty();
}

} // namespace

// ---- Composition ----------------------------------------------------------------------------

TEST_CASE("the composed Lishui baseline loads to the values of the monolithic file",
          "[composition]") {
    const Scenario composed = load_scenario(scenarios_path("lishui-baseline.toml"));
    const Scenario monolithic =
        load_scenario(source_dir + "/tests/data/lishui-baseline-monolithic.toml");
    check_same_values(composed, monolithic);
    CHECK(composed.model.name == "baseline");
    CHECK_FALSE(composed.model.description.empty());
    CHECK_FALSE(any_lever_on(composed.levers));
}

TEST_CASE("source_text holds every file that went into a scenario, in merge order",
          "[composition]") {
    const std::string top = scenarios_path("lishui-baseline.toml");
    const Scenario s = load_scenario(top);
    CHECK(s.source_path == top);
    const std::vector<std::string> files{scenarios_path("parameters/nanhai.toml"),
                                         scenarios_path("towns/lishui.toml"),
                                         scenarios_path("models/baseline.toml"), top};
    std::string expected;
    for (const auto& file : files) {
        const std::string text = govsim::sim::read_text_file(file);
        expected += "# ---- file: " + file + " ----\n" + text;
        if (text.back() != '\n') {
            expected += '\n';
        }
    }
    CHECK(s.source_text == expected);
}

TEST_CASE("included files merge in order and the including file's keys override them",
          "[composition]") {
    const Scenario base = parse_scenario(baseline_with(""), here);
    SECTION("a plain key overrides; the rest of its table is kept") {
        const Scenario s = parse_scenario(baseline_with("[town]\noccupancy_max = 0.9\n"), here);
        CHECK(s.town.occupancy_max == 0.9);
        CHECK(s.town.occupancy_start == base.town.occupancy_start);
        CHECK(s.town.name == "lishui");
    }
    SECTION("an inline table merges key by key") {
        const Scenario s =
            parse_scenario(baseline_with("[disputes.parking]\nsuccess = { firm = 0.5 }\n"), here);
        const auto& parking = s.categories[index(Category::Parking)];
        CHECK(parking.success[index(Level::Firm)] == 0.5);
        CHECK(parking.success[index(Level::Department)] ==
              base.categories[index(Category::Parking)].success[index(Level::Department)]);
        CHECK(parking.rate_per_1000_households_per_year ==
              base.categories[index(Category::Parking)].rate_per_1000_households_per_year);
    }
    SECTION("a later include overrides an earlier one") {
        const std::string text =
            fmt::format("include = [\"{0}/parameters/nanhai.toml\", \"{0}/towns/lishui.toml\", "
                        "\"{0}/towns/guicheng.toml\", \"{0}/models/baseline.toml\"]\n{1}",
                        shipped, run_section);
        const Scenario s = parse_scenario(text, here);
        CHECK(s.town.name == "guicheng");
        CHECK(s.handlers.departments.size() == 3);
    }
}

TEST_CASE("arrays, and arrays of tables, replace the earlier value wholesale", "[composition]") {
    SECTION("an array of strings") {
        const Scenario s = parse_scenario(
            baseline_with("[disputes.construction]\ndepartments = [\"housing\"]\n"), here);
        CHECK(s.categories[index(Category::Construction)].departments ==
              std::vector<std::uint32_t>{2});
    }
    SECTION("an array of tables") {
        std::string departments;
        const std::vector<std::pair<std::string, int>> entries{
            {"housing", 9}, {"police", 8}, {"urban_management", 7}};
        for (const auto& [name, servers] : entries) {
            departments += fmt::format("[[handlers.departments]]\nname = \"{}\"\nservers = {}\n"
                                       "intake_delay_days = 1.0\n"
                                       "cross_department_success_factor = 0.5\n\n",
                                       name, servers);
        }
        const Scenario s = parse_scenario(baseline_with(departments), here);
        REQUIRE(s.handlers.departments.size() == 3);
        CHECK(s.handlers.departments[0].name == "housing");
        CHECK(s.handlers.departments[0].servers == 9);
        CHECK(s.handlers.departments[2].name == "urban_management");
        CHECK(s.categories[index(Category::Parking)].departments == std::vector<std::uint32_t>{2});
        CHECK(s.categories[index(Category::Construction)].departments ==
              (std::vector<std::uint32_t>{2, 0}));
    }
}

TEST_CASE("an include cycle is reported with the chain", "[composition]") {
    const std::string a = data("cycle-a.toml");
    const std::string b = data("cycle-b.toml");
    const std::string b_text = govsim::sim::read_text_file(b);
    try {
        (void)load_scenario(a);
        FAIL("the cycle was accepted");
    } catch (const ConfigError& e) {
        CHECK(std::string(e.what()) == prefix(b, find(b_text, "\"cycle-a.toml\""), "include[0]") +
                                           fmt::format("include cycle: {} -> {} -> {}", a, b, a));
    }
}

TEST_CASE("an include that cannot be read is reported where it is named", "[composition]") {
    const std::string text = baseline_with("").replace(0, 11, "include = [\"no-such.toml\", ");
    CHECK(
        std::string(error_for(text).what()) ==
        prefix(here, find(text, "\"no-such.toml\""), "include[0]") +
            fmt::format("'{}': cannot read file: No such file or directory", data("no-such.toml")));
}

TEST_CASE("include must be an array of file names", "[composition]") {
    const std::string text = "include = \"a.toml\"\n" + run_section;
    CHECK(std::string(error_for(text).what()) ==
          prefix(here, find(text, "\"a.toml\""), "include") +
              "expected an array of strings, found a string (\"a.toml\")");
}

TEST_CASE("an error in an included file names that file, line and column", "[composition]") {
    SECTION("a value out of range") {
        const std::string file = data("bad-value.toml");
        // Included first, bad-value.toml is overridden by the town file; included last, its
        // value stands and is reported in it.
        const std::string first =
            baseline_with("").replace(0, 11, "include = [\"bad-value.toml\", ");
        CHECK_NOTHROW(parse_scenario(first, here));
        const std::string last =
            baseline_with("").replace(baseline_with("").find("]\n"), 1, ", \"bad-value.toml\"]");
        const std::string file_text = govsim::sim::read_text_file(file);
        CHECK(std::string(error_for(last).what()) ==
              prefix(file, find(file_text, "1.86"), "town.nonlocal_share") +
                  "expected a probability in [0, 1], found 1.86");
    }
    SECTION("an unknown key") {
        const std::string file = data("unknown-key.toml");
        const std::string text =
            baseline_with("").replace(baseline_with("").find("]\n"), 1, ", \"unknown-key.toml\"]");
        const std::string file_text = govsim::sim::read_text_file(file);
        CHECK(std::string(error_for(text).what()) ==
              prefix(file, find(file_text, "colour"), "detection.colour") +
                  "unknown key; known keys here: report_delay_days, trust_delay_elasticity");
    }
    SECTION("a missing key, at the header of the table in the file that wrote it") {
        // This text replaces the town file's [[handlers.departments]] by one entry without
        // servers: the error points at that entry's header, in this text.
        const std::string text =
            baseline_with("[[handlers.departments]]\nname = \"housing\"\nintake_delay_days = 1.0\n"
                          "cross_department_success_factor = 0.5\n");
        CHECK(std::string(error_for(text).what()) ==
              prefix(here, find(text, "[[handlers.departments]]"),
                     "handlers.departments[0].servers") +
                  "expected an integer in [1, 100000], found nothing (key missing)");
    }
}

// ---- [model] and levers ---------------------------------------------------------------------

TEST_CASE("the [model] section names the governance model, and is optional", "[composition]") {
    const Scenario s = parse_scenario(lishui_with("model-grid.toml"), here);
    CHECK(s.model.name == "grid-only");
    CHECK(s.model.description == "grid inspection alone");
    const Scenario p = parse_scenario(lishui_with("model-platform.toml"), here);
    CHECK(p.model.name == "platform-only");
    CHECK(p.model.description.empty());
    SECTION("a [model] without a name is rejected") {
        const std::string text = baseline_with("[model]\nname = \"\"\n");
        CHECK_THAT(error_for(text).what(),
                   StartsWith(prefix(here, find(text, "\"\"\n"), "model.name") +
                              "expected a non-empty string, found an empty string"));
    }
    SECTION("an unknown key in [model]") {
        const std::string text = baseline_with("[model]\nnmae = \"x\"\n");
        CHECK_THAT(error_for(text).what(),
                   StartsWith(prefix(here, find(text, "nmae"), "model.nmae") +
                              "unknown key; did you mean 'name'?"));
    }
}

TEST_CASE("every lever section lands in Scenario::levers", "[composition]") {
    const std::string fixture = govsim::sim::read_text_file(data("all-levers.toml"));
    const toml::table table = toml::parse(fixture);
    const Scenario s = parse_scenario(lishui_with("all-levers.toml"), here);
    CHECK(s.model.name == "all-levers");
    for (const auto& type : govsim::models::lever_types()) {
        INFO("lever " << type.name);
        CHECK_THAT(fixture, Contains(fmt::format("[levers.{}]\n", type.name)));
        CHECK(s.levers.enabled(type.name));
        // Every key of the section, and only those, with the value written in the file.
        const toml::table& section = *table["levers"][type.name].as_table();
        const auto parameters = lever_parameters(s, type.name);
        std::size_t keys = 0;
        for (const auto& [key, node] : section) {
            if (key.str() == "enabled")
                continue;
            ++keys;
            // A value as the lever lists it: reals as format_number writes them, counts as
            // integers.
            std::vector<std::string> written;
            if (const auto* number = node.as_floating_point()) {
                written.push_back(govsim::sim::format_number(number->get()));
            } else if (const auto* integer = node.as_integer()) {
                written.push_back(govsim::sim::format_number(static_cast<double>(integer->get())));
                written.push_back(std::to_string(integer->get()));
            } else if (const auto* flag = node.as_boolean()) {
                written.emplace_back(flag->get() ? "true" : "false");
            } else {
                continue; // per-category tables: checked below
            }
            bool found = false;
            for (const auto& [k, v] : parameters)
                for (const auto& w : written)
                    found = found || (k == key.str() && v == w);
            CHECK(found);
        }
        CHECK(keys == parameters.size());
    }
    const auto group = lever_parameters(s, "self_governance");
    CHECK(std::find(group.begin(), group.end(),
                    std::pair<std::string, std::string>{
                        "success", "{ parking = 0.5, neighbour = 0.6 }"}) != group.end());
    CHECK(std::find(group.begin(), group.end(),
                    std::pair<std::string, std::string>{
                        "service_days", "{ parking = 3.0, neighbour = 4.5 }"}) != group.end());
}

TEST_CASE("a lever section with enabled = false is read but off", "[composition]") {
    SECTION("in the section itself") {
        const Scenario s =
            parse_scenario(baseline_with("[levers.more_residents_committees]\nenabled = false\n"
                                         "max_households_per_committee = 2000\n"),
                           here);
        CHECK(s.levers.has("more_residents_committees"));
        CHECK_FALSE(s.levers.enabled("more_residents_committees"));
        CHECK(lever_parameters(s, "more_residents_committees").front().second == "2000.0");
    }
    SECTION("as an override of a model's lever (attribution)") {
        const Scenario s = parse_scenario(
            lishui_with("model-grid.toml", "[levers.grid_inspection]\nenabled = false\n"), here);
        CHECK(s.model.name == "grid-only");
        CHECK_FALSE(s.levers.enabled("grid_inspection"));
        CHECK(lever_parameters(s, "grid_inspection")[1].second == "300.0");
        CHECK_FALSE(any_lever_on(s.levers));
    }
    SECTION("enabled must be a boolean") {
        const std::string text =
            lishui_with("model-grid.toml", "[levers.grid_inspection]\nenabled = \"no\"\n");
        CHECK(std::string(error_for(text).what()) ==
              prefix(here, find(text, "\"no\""), "levers.grid_inspection.enabled") +
                  "expected a boolean (true or false), found a string (\"no\")");
    }
}

TEST_CASE("an unknown lever is rejected with a did-you-mean hint", "[composition]") {
    const std::string text = baseline_with("[levers.grid_inspecton]\ninterval_days = 7\n");
    CHECK(std::string(error_for(text).what()) ==
          prefix(here, find(text, "grid_inspecton"), "levers.grid_inspecton") +
              "unknown key; did you mean 'grid_inspection'?");
}

TEST_CASE("a lever key that is misspelt, missing or out of range is rejected", "[composition]") {
    const std::string meeting = "[levers.joint_meeting]\ninterval_days = 14\n"
                                "cases_per_meeting = 20\nsuccess = 0.8\n";
    CHECK_NOTHROW(parse_scenario(baseline_with(meeting), here));
    SECTION("misspelt") {
        std::string section = meeting;
        replace_first(section, "interval_days", "interval_dys");
        const std::string text = baseline_with(section);
        CHECK(std::string(error_for(text).what()) ==
              prefix(here, find(text, "interval_dys"), "levers.joint_meeting.interval_dys") +
                  "unknown key; did you mean 'interval_days'?");
    }
    SECTION("unknown") {
        const std::string text = baseline_with(meeting + "chair = \"town head\"\n");
        CHECK_THAT(error_for(text).what(),
                   StartsWith(prefix(here, find(text, "chair"), "levers.joint_meeting.chair") +
                              "unknown key"));
    }
    SECTION("missing") {
        const std::string text =
            baseline_with("[levers.joint_meeting]\ninterval_days = 14\ncases_per_meeting = 20\n");
        CHECK(std::string(error_for(text).what()) ==
              prefix(here, find(text, "[levers.joint_meeting]"), "levers.joint_meeting.success") +
                  "expected a probability in [0, 1], found nothing (key missing)");
    }
    SECTION("a probability above 1") {
        std::string section = meeting;
        replace_first(section, "0.8", "1.2");
        const std::string text = baseline_with(section);
        CHECK(std::string(error_for(text).what()) ==
              prefix(here, find(text, "1.2"), "levers.joint_meeting.success") +
                  "expected a probability in [0, 1], found 1.2");
    }
    SECTION("an interval of 0 days") {
        std::string section = meeting;
        replace_first(section, "14", "0");
        const std::string text = baseline_with(section);
        CHECK(std::string(error_for(text).what()) ==
              prefix(here, find(text, "interval_days = 0", 16),
                     "levers.joint_meeting.interval_days") +
                  "expected an interval in days in [0.01, 1000000000], found 0");
    }
    SECTION("a count of 0") {
        std::string section = meeting;
        replace_first(section, "20", "0");
        const std::string text = baseline_with(section);
        CHECK_THAT(error_for(text).what(),
                   Contains("levers.joint_meeting.cases_per_meeting: expected an integer in "
                            "[1, 1000000], found 0"));
    }
    SECTION("a negative multiplier") {
        const std::string text = baseline_with(
            "[levers.more_residents_committees]\nmax_households_per_committee = -1\n");
        CHECK_THAT(error_for(text).what(),
                   Contains("levers.more_residents_committees.max_households_per_committee: "
                            "expected a number in [1, 1000000000000], found -1"));
    }
}

TEST_CASE("self-governance tables are keyed by category and need a time where they succeed",
          "[composition]") {
    const auto group = [](std::string_view success, std::string_view days) {
        return fmt::format("[levers.self_governance]\nformation_per_month = 0.1\n"
                           "service_quality = 0.45\nvolunteers_per_1000_units = 3\n"
                           "success = {}\nservice_days = {}\npatience_days = 14\n",
                           success, days);
    };
    SECTION("missing categories are 0") {
        const Scenario s =
            parse_scenario(baseline_with(group("{ parking = 0.5 }", "{ parking = 2 }")), here);
        const auto p = lever_parameters(s, "self_governance");
        CHECK(std::find(p.begin(), p.end(),
                        std::pair<std::string, std::string>{"success", "{ parking = 0.5 }"}) !=
              p.end());
    }
    SECTION("an unknown category") {
        const std::string text = baseline_with(group("{ parkng = 0.5 }", "{}"));
        CHECK(std::string(error_for(text).what()) ==
              prefix(here, find(text, "parkng"), "levers.self_governance.success.parkng") +
                  "unknown key; did you mean 'parking'?");
    }
    SECTION("no service time where the group succeeds") {
        const std::string text = baseline_with(group("{ parking = 0.5 }", "{ neighbour = 2 }"));
        CHECK(
            std::string(error_for(text).what()) ==
            prefix(here, find(text, "{ neighbour"), "levers.self_governance.service_days.parking") +
                "expected a positive number where success.parking > 0 (0.5), found 0.0; a "
                "category missing from service_days is 0");
    }
    SECTION("a service time of 0 where the group succeeds") {
        const std::string text = baseline_with(group("{ parking = 0.5 }", "{ parking = 0 }"));
        CHECK_THAT(error_for(text).what(),
                   StartsWith(prefix(here, find(text, "parking = 0 ", 10),
                                     "levers.self_governance.service_days.parking")));
    }
}

// ---- Experiments ----------------------------------------------------------------------------

TEST_CASE("an experiment of 2 towns x 3 models yields 6 scenarios, town-major", "[composition]") {
    const std::string path = data("experiment.toml");
    const Experiment e = load_experiment(path);
    CHECK(e.name == "two-by-three");
    CHECK(e.towns == std::vector<std::string>{"../../../scenarios/towns/lishui.toml",
                                              "../../../scenarios/towns/guicheng.toml"});
    CHECK(e.models == std::vector<std::string>{"../../../scenarios/models/baseline.toml",
                                               "model-grid.toml", "model-platform.toml"});
    REQUIRE(e.scenarios.size() == 6);
    const std::vector<std::string> towns{"lishui", "guicheng"};
    const std::vector<std::string> models{"baseline", "grid-only", "platform-only"};
    for (std::size_t t = 0; t < 2; ++t) {
        for (std::size_t m = 0; m < 3; ++m) {
            const Scenario& s = e.scenarios[t * 3 + m];
            INFO("scenario " << t * 3 + m);
            CHECK(s.town.name == towns[t]);
            CHECK(s.model.name == models[m]);
            CHECK(s.run.name == "two-by-three");
            CHECK(s.run.years == 1);
            CHECK(s.run.seed == 7);
            CHECK(s.source_path == path);
            CHECK(s.detection.report_delay_days == 1.25); // the experiment's override
            CHECK(s.levers.enabled("grid_inspection") == (m == 1));
            CHECK(s.levers.enabled("information_platform") == (m == 2));
            CHECK(count(s.source_text, "# ---- file: ") == 4);
            CHECK_THAT(s.source_text,
                       StartsWith("# ---- file: " + scenarios_path("parameters/nanhai.toml")));
            CHECK_THAT(s.source_text, Contains("# ---- file: " + path + " ----\n"));
        }
    }
    // The override changes nothing else: a Guicheng baseline composed by hand is the same.
    const std::string by_hand = fmt::format(
        "include = [\"{0}/parameters/nanhai.toml\", \"{0}/towns/guicheng.toml\", "
        "\"{0}/models/baseline.toml\"]\n"
        "[run]\nname = \"two-by-three\"\nstart_year = 2014\nyears = 1\nreplicates = 2\nseed = 7\n"
        "[detection]\nreport_delay_days = 1.25\n",
        shipped);
    check_same_values(e.scenarios[3], parse_scenario(by_hand, here));
    // Each of the 7 files once: the parameters, 2 towns, 3 models, the experiment.
    CHECK(count(e.source_text, "# ---- file: ") == 7);
    CHECK(count(e.source_text, "# ---- file: " + data("model-grid.toml") + " ----") == 1);
}

TEST_CASE("a plain scenario file loads as an experiment of one", "[composition]") {
    const Experiment e = load_experiment(scenarios_path("lishui-baseline.toml"));
    REQUIRE(e.scenarios.size() == 1);
    CHECK(e.name == "lishui-baseline");
    CHECK(e.towns == std::vector<std::string>{"lishui"});
    CHECK(e.models == std::vector<std::string>{"baseline"});
    CHECK(e.source_text == e.scenarios.front().source_text);
}

TEST_CASE("load_scenario takes an experiment of one pair and rejects more", "[composition]") {
    const std::string one = fmt::format("include = [\"{0}/parameters/nanhai.toml\"]\n"
                                        "[experiment]\ntowns = [\"{0}/towns/dali.toml\"]\n"
                                        "models = [\"model-grid.toml\"]\n{1}",
                                        shipped, run_section);
    const Scenario s = parse_scenario(one, here);
    CHECK(s.town.name == "dali");
    CHECK(s.model.name == "grid-only");

    const std::string path = data("experiment.toml");
    const std::string text = govsim::sim::read_text_file(path);
    CHECK_THROWS_WITH(load_scenario(path),
                      prefix(path, find(text, "[experiment]"), "experiment") +
                          "expected a single scenario, found an experiment of 6 (2 towns x 3 "
                          "models); load it as an experiment (load_experiment)");
}

TEST_CASE("a bad [experiment] section is reported where it is written", "[composition]") {
    const auto experiment = [](std::string_view towns, std::string_view models,
                               std::string_view extra = {}) {
        return fmt::format("include = [\"{}/parameters/nanhai.toml\"]\n"
                           "[experiment]\ntowns = {}\nmodels = {}\n{}{}",
                           shipped, towns, models, extra, run_section);
    };
    const std::string lishui = "[\"" + shipped + "/towns/lishui.toml\"]";
    SECTION("a town file that cannot be read") {
        const std::string text = experiment("[\"no-such-town.toml\"]", "[\"model-grid.toml\"]");
        CHECK(std::string(error_for(text).what()) ==
              prefix(here, find(text, "\"no-such-town.toml\""), "experiment.towns[0]") +
                  fmt::format("'{}': cannot read file: No such file or directory",
                              data("no-such-town.toml")));
    }
    SECTION("no models") {
        const std::string text = experiment(lishui, "[]");
        CHECK(std::string(error_for(text).what()) ==
              prefix(here, find(text, "[]"), "experiment.models") +
                  "expected at least one file name, found an empty list");
    }
    SECTION("a missing list") {
        const std::string text = fmt::format("[experiment]\ntowns = {}\n{}", lishui, run_section);
        CHECK(std::string(error_for(text).what()) ==
              prefix(here, find(text, "[experiment]"), "experiment.models") +
                  "expected an array of strings, found nothing (key missing)");
    }
    SECTION("an unknown key") {
        const std::string text = experiment(lishui, "[\"model-grid.toml\"]", "modles = []\n");
        CHECK(std::string(error_for(text).what()) ==
              prefix(here, find(text, "modles"), "experiment.modles") +
                  "unknown key; did you mean 'models'?");
    }
    SECTION("a town file that sets [run] differently from the others") {
        const std::string text = fmt::format(
            "include = [\"{0}/parameters/nanhai.toml\", \"run-base.toml\"]\n"
            "[experiment]\ntowns = [\"{0}/towns/lishui.toml\", \"town-with-run.toml\"]\n"
            "models = [\"{0}/models/baseline.toml\"]\n",
            shipped);
        const std::string town = data("town-with-run.toml");
        CHECK(std::string(error_for(text).what()) ==
              prefix(town, find(govsim::sim::read_text_file(town), "= 3", 2), "run.years") +
                  "expected the same value in every run of the experiment (1), found 3; set "
                  "[run] in the experiment file, not in town or model files");
    }
}

TEST_CASE("a fragment loaded as a scenario is reported as a fragment", "[composition]") {
    const std::string town = scenarios_path("towns/lishui.toml");
    CHECK_THROWS_WITH(load_scenario(town),
                      town + ":1:1: error: run: expected a table, found nothing (section "
                             "missing); a file without [run] is a fragment (parameters, a town "
                             "or a model): include it from a scenario, or name it in an "
                             "experiment");
}
