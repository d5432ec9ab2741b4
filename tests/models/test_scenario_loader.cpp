// Tests of scenario loading: the reference file lands in the right fields, every shipped file
// loads, and each class of bad input is rejected with one message naming the file, line:column
// and key. Bad fixtures are the reference text with one line changed. The reference text is the
// Lishui baseline as one file (tests/data/lishui-baseline-monolithic.toml), since the shipped
// scenarios/lishui-baseline.toml is composed from includes (tests of composition, levers and
// experiments are in test_composition.cpp).
#include "models/calibration.hpp"
#include "models/scenario_loader.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using govsim::models::Category;
using govsim::models::category_names;
using govsim::models::Feature;
using govsim::models::HousingType;
using govsim::models::index;
using govsim::models::Level;
using govsim::models::load_scenario;
using govsim::models::parse_scenario;
using govsim::models::Scenario;
using govsim::sim::ConfigError;

namespace {

const std::string reference_path = GOVSIM_SOURCE_DIR "/scenarios/lishui-baseline.toml";
const std::string monolithic_path = GOVSIM_SOURCE_DIR "/tests/data/lishui-baseline-monolithic.toml";
const std::string bad_name = "scenarios/bad.toml";

std::string reference_text() {
    return govsim::sim::read_text_file(monolithic_path);
}

/// A half-open byte range of a text.
struct Span {
    std::size_t begin = 0;
    std::size_t end = 0;
};

/// Start of the first line at or after `start` that begins with `key` followed by '='.
std::size_t key_line(const std::string& text, std::string_view key, std::size_t start = 0) {
    for (std::size_t at = text.find(key, start); at != std::string::npos;
         at = text.find(key, at + 1)) {
        if (at != 0 && text[at - 1] != '\n') {
            continue;
        }
        const std::size_t eq = text.find_first_not_of(' ', at + key.size());
        if (eq != std::string::npos && text[eq] == '=') {
            return at;
        }
    }
    FAIL("no line starts with " << key);
    return std::string::npos;
}

/// The value written after `key =` on its first line at or after `start`, without any comment.
Span value_span(const std::string& text, std::string_view key, std::size_t start = 0) {
    const std::size_t line = key_line(text, key, start);
    Span v;
    v.begin = text.find_first_not_of(' ', text.find('=', line) + 1);
    const std::size_t line_end = text.find('\n', v.begin);
    if (text[v.begin] == '"') {
        v.end = text.find('"', v.begin + 1) + 1;
    } else if (text[v.begin] == '{') {
        v.end = text.find('}', v.begin) + 1;
    } else {
        v.end = std::min(text.find('#', v.begin), line_end);
        while (text[v.end - 1] == ' ') {
            --v.end;
        }
    }
    return v;
}

/// The value of `inner` inside the inline table written after `key =`.
Span inline_span(const std::string& text, std::string_view key, std::string_view inner,
                 std::size_t start = 0) {
    const Span table = value_span(text, key, start);
    for (std::size_t at = text.find(inner, table.begin); at < table.end;
         at = text.find(inner, at + 1)) {
        const char before = text[at - 1];
        const std::size_t eq = text.find_first_not_of(' ', at + inner.size());
        if ((before == ' ' || before == '{' || before == ',') && text[eq] == '=') {
            Span v;
            v.begin = text.find_first_not_of(' ', eq + 1);
            v.end = text.find_first_of(",}", v.begin);
            while (text[v.end - 1] == ' ') {
                --v.end;
            }
            return v;
        }
    }
    FAIL("no " << inner << " in " << key);
    return {};
}

std::string replaced(std::string text, Span span, std::string_view with) {
    text.replace(span.begin, span.end - span.begin, with);
    return text;
}

/// `text` with the first `key = value` line at or after `start` given a new value.
std::string set_value(const std::string& text, std::string_view key, std::string_view value,
                      std::size_t start = 0) {
    return replaced(text, value_span(text, key, start), value);
}

/// `text` with the key of the first `key = value` line renamed.
std::string rename_key(const std::string& text, std::string_view key, std::string_view name) {
    const std::size_t at = key_line(text, key);
    return replaced(text, {at, at + key.size()}, name);
}

/// `text` with `inner` renamed inside the inline table written after `key =`.
std::string rename_inline_key(const std::string& text, std::string_view key, std::string_view inner,
                              std::string_view name) {
    const std::size_t at = text.rfind(inner, inline_span(text, key, inner).begin);
    return replaced(text, {at, at + inner.size()}, name);
}

/// `text` without the first line that starts with `key =`.
std::string remove_line(const std::string& text, std::string_view key) {
    const std::size_t at = key_line(text, key);
    return replaced(text, {at, text.find('\n', at) + 1}, "");
}

/// `text` without the section that starts with the line `header`, up to the next header.
std::string remove_section(const std::string& text, std::string_view header) {
    const std::size_t at = text.find(std::string(header) + "\n");
    REQUIRE(at != std::string::npos);
    std::size_t end = text.find("\n[", at);
    end = end == std::string::npos ? text.size() : end + 1;
    return replaced(text, {at, end}, "");
}

/// `text` with `text_to_insert` inserted after the first occurrence of `after`.
std::string insert_after(const std::string& text, std::string_view after,
                         std::string_view text_to_insert) {
    const std::size_t at = text.find(after);
    REQUIRE(at != std::string::npos);
    return replaced(text, {at + after.size(), at + after.size()}, text_to_insert);
}

double number(const std::string& text, Span span) {
    return std::stod(text.substr(span.begin, span.end - span.begin));
}

/// The number written after `key =` (first occurrence at or after `start`).
double number_in_file(const std::string& text, std::string_view key, std::size_t start = 0) {
    return number(text, value_span(text, key, start));
}

struct Where {
    std::size_t line = 0;
    std::size_t column = 0;
};

/// 1-based line and column of byte `pos` of `text`.
Where where(const std::string& text, std::size_t pos) {
    REQUIRE(pos <= text.size());
    Where w;
    w.line = static_cast<std::size_t>(
                 std::count(text.begin(), text.begin() + static_cast<long>(pos), '\n')) +
             1;
    const std::size_t line_start = pos == 0 ? std::string::npos : text.rfind('\n', pos - 1);
    w.column = line_start == std::string::npos ? pos + 1 : pos - line_start;
    return w;
}

/// 1-based line and column of the first occurrence of `needle`, moved `offset` characters on.
Where find(const std::string& text, std::string_view needle, std::size_t offset = 0) {
    const std::size_t at = text.find(needle);
    REQUIRE(at != std::string::npos);
    return where(text, at + offset);
}

/// Where the value of the first `key =` line at or after `start` begins.
Where value_at(const std::string& text, std::string_view key, std::size_t start = 0) {
    return where(text, value_span(text, key, start).begin);
}

/// The ConfigError thrown by parsing `text` as "scenarios/bad.toml".
ConfigError error_for(const std::string& text) {
    try {
        (void)parse_scenario(text, bad_name);
    } catch (const ConfigError& e) {
        CHECK(std::string(e.what()).find('\n') == std::string::npos);
        return e;
    }
    FAIL("the scenario was accepted");
    throw std::logic_error("unreachable");
}

/// The message prefix "scenarios/bad.toml:<line>:<column>: error: <key>: ".
std::string prefix(Where w, std::string_view key) {
    return fmt::format("{}:{}:{}: error: {}: ", bad_name, w.line, w.column, key);
}

} // namespace

TEST_CASE("the reference scenario loads and its values land in the right fields", "[scenario]") {
    const std::string text = reference_text();
    const Scenario s = load_scenario(monolithic_path);

    CHECK(s.source_path == monolithic_path);
    CHECK(s.source_text == "# ---- file: " + monolithic_path + " ----\n" + text);
    CHECK(s.run.name == "lishui-baseline");
    CHECK_THAT(s.run.description, StartsWith("Lishui under baseline governance"));
    CHECK(s.run.start_year == 2014);
    CHECK(s.days() == 365 * static_cast<int>(number_in_file(text, "years") +
                                             number_in_file(text, "warmup_years")));
    CHECK(s.run.seed == static_cast<std::uint64_t>(number_in_file(text, "seed")));
    CHECK(s.run.replicates == static_cast<std::uint32_t>(number_in_file(text, "replicates")));

    CHECK(s.town.residents_at_full_occupancy ==
          Approx(number_in_file(text, "residents_at_full_occupancy")));
    CHECK(s.town.nonlocal_share == Approx(0.86)); // [FACT]
    CHECK(s.town.communities == static_cast<std::uint32_t>(number_in_file(text, "communities")));
    CHECK(s.town.occupancy_start == Approx(number_in_file(text, "occupancy_start")));
    CHECK(s.town.housing_share[index(HousingType::Resettlement)] ==
          Approx(number(text, inline_span(text, "housing_share", "resettlement"))));
    CHECK(s.town.parking_spaces_per_unit[index(HousingType::OldUnmanaged)] ==
          Approx(number(text, inline_span(text, "parking_spaces_per_unit", "old_unmanaged"))));
    CHECK(s.households.trust_initial_nonlocal ==
          Approx(number_in_file(text, "trust_initial_nonlocal")));

    const std::size_t parking_at = text.find("[disputes.parking]");
    const auto& parking = s.categories[index(Category::Parking)];
    CHECK(parking.rate_per_1000_households_per_year ==
          Approx(number_in_file(text, "rate_per_1000_households_per_year", parking_at)));
    CHECK(parking.effects[index(Feature::ParkingPressure)] ==
          Approx(number(text, inline_span(text, "effects", "parking_pressure", parking_at))));
    CHECK(parking.effects[index(Feature::OldHousing)] == 0.0); // not named: 0
    CHECK(parking.success[index(Level::Department)] ==
          Approx(number(text, inline_span(text, "success", "department", parking_at))));
    CHECK(parking.service_days[index(Level::Coordination)] ==
          Approx(number(text, inline_span(text, "service_days", "coordination", parking_at))));

    std::size_t tables = 0;
    for (auto at = text.find("[[handlers.departments]]"); at != std::string::npos;
         at = text.find("[[handlers.departments]]", at + 1))
        ++tables;
    REQUIRE(s.handlers.departments.size() == tables);
    CHECK(s.handlers.departments[0].name == "urban_management");
    CHECK(s.handlers.departments[1].name == "police");
    CHECK(s.handlers.departments[2].name == "housing");
    CHECK(s.handlers.departments[0].servers ==
          static_cast<std::uint32_t>(number_in_file(text, "servers")));
    const auto& construction = s.categories[index(Category::Construction)];
    CHECK(construction.departments ==
          std::vector<std::uint32_t>{0, 2}); // urban_management, housing
    CHECK(s.categories[index(Category::Neighbour)].departments == std::vector<std::uint32_t>{1});
    CHECK(s.handlers.patience_days[index(Level::Coordination)] ==
          Approx(number(text, inline_span(text, "patience_days", "coordination"))));
    CHECK(s.escalation.direct_complaint_probability ==
          Approx(number_in_file(text, "direct_complaint_probability")));
    CHECK(s.firms.margin_memory_months == Approx(number_in_file(text, "margin_memory_months")));
    CHECK(s.owners_committees.servers == static_cast<std::uint32_t>(number_in_file(
                                             text, "servers", text.find("[owners_committees]"))));
    CHECK(s.assemblies.rule == govsim::models::AssemblyRule::PropertyLaw2007);
    CHECK_FALSE(govsim::models::validate_scenario(s).has_value());
}

namespace {

/// Whether a TOML file, on its own (before composition), holds a top-level table `name`.
bool declares(const std::filesystem::path& file, std::string_view name) {
    return govsim::sim::ConfigDocument::load(file.string()).root().contains(name);
}

/// Files below scenarios/<folder>, as paths relative to scenarios/, sorted.
std::vector<std::string> fragments_in(const std::string& folder) {
    const std::filesystem::path root = GOVSIM_SOURCE_DIR "/scenarios";
    std::vector<std::string> out;
    if (!std::filesystem::exists(root / folder)) {
        return out;
    }
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root / folder)) {
        if (entry.path().extension() == ".toml") {
            out.push_back(entry.path().lexically_relative(root).generic_string());
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::string toml_list(const std::vector<std::string>& items) {
    std::string out = "[";
    for (std::size_t i = 0; i < items.size(); ++i) {
        out += fmt::format("{}\"{}\"", i == 0 ? "" : ", ", items[i]);
    }
    return out + "]";
}

} // namespace

// Shipped files are of two kinds. A file holding [run] or [experiment] itself is a scenario or
// an experiment and must load as it is. Any other file is a fragment: parameters/ (behavioural
// parameters), towns/ and models/ are not complete scenarios, so they are checked by composing
// every parameter set with every town and every model, as an experiment would; a fragment
// elsewhere must be a town or model of a shipped experiment (which loaded it).
TEST_CASE("every scenario file shipped in scenarios/ loads", "[scenario]") {
    const std::filesystem::path root = GOVSIM_SOURCE_DIR "/scenarios";
    int scenarios = 0;
    std::vector<std::string> others, named;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
        if (entry.path().extension() != ".toml") {
            continue;
        }
        INFO(entry.path().string());
        if (declares(entry.path(), "calibration")) { // a calibration file (scenarios/calibration/)
            CHECK_NOTHROW(govsim::models::load_calibration(entry.path().string()));
            continue;
        }
        if (declares(entry.path(), "run") || declares(entry.path(), "experiment")) {
            try {
                const auto e = govsim::models::load_experiment(entry.path().string());
                if (declares(entry.path(), "experiment"))
                    for (const auto* parts : {&e.towns, &e.models})
                        for (const auto& part : *parts)
                            named.push_back((entry.path().parent_path() / part)
                                                .lexically_normal()
                                                .lexically_relative(root)
                                                .generic_string());
            } catch (const ConfigError& e) {
                FAIL(e.what());
            }
            ++scenarios;
        } else {
            others.push_back(entry.path().lexically_relative(root).generic_string());
        }
    }
    CHECK(scenarios >= 1);

    const auto parameters = fragments_in("parameters");
    const auto towns = fragments_in("towns");
    const auto models = fragments_in("models");
    for (const auto& other : others) {
        INFO(other << " is neither a scenario, nor in parameters/, towns/ or models/, nor named by "
                      "an experiment");
        CHECK((std::find(parameters.begin(), parameters.end(), other) != parameters.end() ||
               std::find(towns.begin(), towns.end(), other) != towns.end() ||
               std::find(models.begin(), models.end(), other) != models.end() ||
               std::find(named.begin(), named.end(), other) != named.end()));
    }
    REQUIRE(!parameters.empty());
    REQUIRE(!towns.empty());
    REQUIRE(!models.empty());
    for (const auto& base : parameters) {
        // An experiment "written" in scenarios/, so that paths resolve as in shipped files.
        const std::string text = fmt::format("include = [\"{}\"]\n"
                                             "[experiment]\ntowns = {}\nmodels = {}\n"
                                             "[run]\nname = \"fragments\"\nstart_year = 2014\n"
                                             "years = 1\nreplicates = 1\nseed = 1\n",
                                             base, toml_list(towns), toml_list(models));
        INFO(text);
        try {
            const auto e =
                govsim::models::parse_experiment(text, (root / "fragments.toml").string());
            CHECK(e.scenarios.size() == towns.size() * models.size());
        } catch (const ConfigError& e) {
            FAIL(e.what());
        }
    }
}

TEST_CASE("malformed TOML is rejected with the parser's position", "[scenario]") {
    SECTION("in text") {
        const std::string text = set_value(reference_text(), "years", "= 2");
        const auto e = error_for(text);
        CHECK_THAT(e.what(),
                   StartsWith(fmt::format("{}:{}:", bad_name, find(text, "years = = 2").line)));
        CHECK_THAT(e.what(), Contains("error: malformed TOML: "));
    }
    SECTION("in a file") {
        const std::string path = GOVSIM_SOURCE_DIR "/tests/data/bad/unterminated-string.toml";
        const std::string text = govsim::sim::read_text_file(path);
        CHECK_THROWS_WITH(load_scenario(path),
                          StartsWith(fmt::format("{}:{}:", path, find(text, "name =").line)) &&
                              Contains("malformed TOML"));
    }
}

TEST_CASE("an unknown key is rejected", "[scenario]") {
    SECTION("in a section") {
        const std::string text =
            insert_after(reference_text(), "[detection]\n", "colour = \"blue\"\n");
        const auto e = error_for(text);
        CHECK_THAT(e.what(),
                   StartsWith(prefix(find(text, "colour"), "detection.colour") + "unknown key"));
        CHECK_THAT(e.what(), !Contains("did you mean"));
    }
    SECTION("as a whole section") {
        const std::string text = reference_text() + "\n[colours]\nsky = \"blue\"\n";
        const auto e = error_for(text);
        CHECK(std::string(e.what()) ==
              prefix(find(text, "[colours]", 1), "colours") + "unknown key");
    }
}

TEST_CASE("a misspelt key is rejected with a did-you-mean hint", "[scenario]") {
    SECTION("a required key in an array of tables") {
        const std::string text = rename_key(reference_text(), "servers", "sevrers");
        CHECK(std::string(error_for(text).what()) ==
              prefix(find(text, "\nsevrers", 1), "handlers.departments[0].sevrers") +
                  "unknown key; did you mean 'servers'?");
    }
    SECTION("a level in an inline table") {
        const std::string text =
            rename_inline_key(reference_text(), "success", "owners_committee", "owners_comittee");
        CHECK(std::string(error_for(text).what()) ==
              prefix(find(text, "owners_comittee"), "disputes.parking.success.owners_comittee") +
                  "unknown key; did you mean 'owners_committee'?");
    }
    SECTION("an optional feature name in effects") {
        const std::string text =
            rename_inline_key(reference_text(), "effects", "parking_pressure", "parking_presure");
        CHECK(std::string(error_for(text).what()) ==
              prefix(find(text, "parking_presure"), "disputes.parking.effects.parking_presure") +
                  "unknown key; did you mean 'parking_pressure'?");
    }
    SECTION("a section name") {
        const std::string text = replaced(
            reference_text(),
            {reference_text().find("[detection]"), reference_text().find("[detection]") + 11},
            "[detecton]");
        CHECK(std::string(error_for(text).what()) ==
              prefix(find(text, "[detecton]", 1), "detecton") +
                  "unknown key; did you mean 'detection'?");
    }
}

TEST_CASE("a missing section is rejected", "[scenario]") {
    SECTION("a top-level section") {
        const std::string text = remove_section(reference_text(), "[detection]");
        CHECK(std::string(error_for(text).what()) ==
              prefix({1, 1}, "detection") + "expected a table, found nothing (section missing)");
    }
    SECTION("a dispute category, reported at the disputes table") {
        const std::string text = remove_section(reference_text(), "[disputes.sanitation]");
        CHECK(std::string(error_for(text).what()) ==
              prefix(find(text, "\n[disputes.", 1), "disputes.sanitation") +
                  "expected a table, found nothing (section missing)");
    }
    SECTION("every [[handlers.departments]] entry") {
        std::string text = reference_text();
        while (text.find("[[handlers.departments]]\n") != std::string::npos) {
            text = remove_section(text, "[[handlers.departments]]");
        }
        CHECK(std::string(error_for(text).what()) ==
              prefix(find(text, "[handlers]"), "handlers.departments") +
                  "expected an array of tables, found nothing (section missing)");
    }
}

TEST_CASE("a missing key is rejected at its enclosing table", "[scenario]") {
    SECTION("a plain key") {
        const std::string text = remove_line(reference_text(), "occupancy_max");
        CHECK(std::string(error_for(text).what()) ==
              prefix(find(text, "[town]"), "town.occupancy_max") +
                  "expected a share in (0, 1], found nothing (key missing)");
    }
    SECTION("a level in an inline table") {
        const std::string text =
            set_value(reference_text(), "patience_days",
                      "{ firm = 14.0, owners_committee = 21.0, residents_committee = 21.0, "
                      "department = 45.0 }");
        CHECK(std::string(error_for(text).what()) ==
              prefix(value_at(text, "patience_days"), "handlers.patience_days.coordination") +
                  "expected a non-negative number no larger than 1000000000, found nothing (key "
                  "missing)");
    }
}

TEST_CASE("a value of the wrong type is rejected", "[scenario]") {
    SECTION("a string for a number") {
        const std::string text = set_value(reference_text(), "nonlocal_share", "\"86%\"");
        CHECK(std::string(error_for(text).what()) ==
              prefix(value_at(text, "nonlocal_share"), "town.nonlocal_share") +
                  "expected a number, found a string (\"86%\")");
    }
    SECTION("a float for an integer") {
        const std::string text = set_value(reference_text(), "years", "2.5");
        CHECK(std::string(error_for(text).what()) ==
              prefix(value_at(text, "years"), "run.years") +
                  "expected an integer, found a floating-point number (2.5)");
    }
    SECTION("a single name for a list of departments") {
        const std::string text = set_value(reference_text(), "departments", "\"police\"");
        CHECK(std::string(error_for(text).what()) ==
              prefix(value_at(text, "departments"), "disputes.parking.departments") +
                  "expected an array of strings, found a string (\"police\")");
    }
}

TEST_CASE("a probability above 1 is rejected", "[scenario]") {
    const std::string text = reference_text();
    const Span firm = inline_span(text, "success", "firm");
    const std::string bad = replaced(text, firm, "1.5");
    CHECK(std::string(error_for(bad).what()) ==
          prefix(where(bad, firm.begin), "disputes.parking.success.firm") +
              "expected a probability in [0, 1], found 1.5");
}

TEST_CASE("a non-finite number is rejected", "[scenario]") {
    const std::string text = set_value(reference_text(), "nonlocal_share", "nan");
    CHECK(std::string(error_for(text).what()) ==
          prefix(value_at(text, "nonlocal_share"), "town.nonlocal_share") +
              "expected a probability in [0, 1], found nan");
}

TEST_CASE("a negative rate is rejected", "[scenario]") {
    const std::string text =
        set_value(reference_text(), "rate_per_1000_households_per_year", "-14.0");
    CHECK(std::string(error_for(text).what()) ==
          prefix(value_at(text, "rate_per_1000_households_per_year"),
                 "disputes.parking.rate_per_1000_households_per_year") +
              "expected a non-negative number no larger than 100000, found -14.0");
}

TEST_CASE("a negative or zero count is rejected where an unsigned integer is required",
          "[scenario]") {
    SECTION("servers") {
        const std::string text = set_value(reference_text(), "servers", "-3");
        CHECK(std::string(error_for(text).what()) ==
              prefix(value_at(text, "servers"), "handlers.departments[0].servers") +
                  "expected an integer in [1, 100000], found -3");
    }
    SECTION("seed") {
        const std::string text = set_value(reference_text(), "seed", "-1");
        CHECK(std::string(error_for(text).what()) ==
              prefix(value_at(text, "seed"), "run.seed") +
                  "expected a non-negative integer, found -1");
    }
    SECTION("communities") {
        const std::string text = set_value(reference_text(), "communities", "0");
        CHECK(std::string(error_for(text).what()) ==
              prefix(value_at(text, "communities"), "town.communities") +
                  "expected an integer in [1, 10000], found 0");
    }
    SECTION("years out of range") {
        const std::string text = set_value(reference_text(), "years", "51");
        CHECK(std::string(error_for(text).what()) ==
              prefix(value_at(text, "years"), "run.years") +
                  "expected an integer in [1, 50], found 51");
    }
}

TEST_CASE("housing shares that do not sum to 1 are rejected", "[scenario]") {
    const std::string text = set_value(reference_text(), "housing_share",
                                       "{ commodity = 0.70, resettlement = 0.18, "
                                       "old_unmanaged = 0.07 }");
    CHECK(std::string(error_for(text).what()) ==
          prefix(value_at(text, "housing_share"), "town.housing_share") +
              "expected shares summing to 1, found shares summing to 0.95");
}

TEST_CASE("an occupancy that starts above its maximum is rejected", "[scenario]") {
    const std::string text =
        set_value(set_value(reference_text(), "occupancy_start", "0.9"), "occupancy_max", "0.85");
    CHECK_THAT(error_for(text).what(),
               StartsWith(prefix(value_at(text, "occupancy_max"), "town.occupancy_max") +
                          "expected a share no smaller than occupancy_start (0.9), found 0.85"));
}

TEST_CASE("escalation parameters that allow a probability above 1 are rejected", "[scenario]") {
    const std::string text = set_value(set_value(reference_text(), "escalate_base", "0.7"),
                                       "escalate_dissatisfaction", "0.5");
    CHECK_THAT(error_for(text).what(), StartsWith(prefix(value_at(text, "escalate_dissatisfaction"),
                                                         "escalation.escalate_dissatisfaction") +
                                                  "expected at most 1 - escalate_base (0.3)"));
}

TEST_CASE("an unknown department name is rejected with a did-you-mean hint", "[scenario]") {
    const std::string text = set_value(reference_text(), "departments", "[\"urban_managment\"]");
    CHECK(std::string(error_for(text).what()) ==
          prefix(find(text, "\"urban_managment\""), "disputes.parking.departments[0]") +
              "expected the name of a [[handlers.departments]] entry, found \"urban_managment\"; "
              "did you mean 'urban_management'?");
}

TEST_CASE("a department name used twice is rejected", "[scenario]") {
    const std::string reference = reference_text();
    std::size_t departments = 0;
    for (std::size_t at = reference.find("[[handlers.departments]]"); at != std::string::npos;
         at = reference.find("[[handlers.departments]]", at + 1)) {
        ++departments;
    }
    const std::string text = reference +
                             "\n[[handlers.departments]]\nname = \"police\"\nservers = 1\n"
                             "intake_delay_days = 0.0\ncross_department_success_factor = 0.3\n";
    const Where w = where(text, reference.size() + 33);
    CHECK(std::string(error_for(text).what()) ==
          prefix(w, fmt::format("handlers.departments[{}].name", departments)) +
              "expected a name not used by another department, found \"police\", already the "
              "name of handlers.departments[1]");
}

TEST_CASE("a category without departments is rejected", "[scenario]") {
    const std::string reference = reference_text();
    const std::size_t neighbour = reference.find("[disputes.neighbour]");
    const std::string text = set_value(reference, "departments", "[]", neighbour);
    CHECK(std::string(error_for(text).what()) ==
          prefix(value_at(text, "departments", neighbour), "disputes.neighbour.departments") +
              "expected at least one department name, found an empty list");
}

TEST_CASE("a population too large for memory is rejected", "[scenario]") {
    const std::string text = reference_text();
    SECTION("far above the limit") {
        const std::string bad = set_value(text, "residents_at_full_occupancy", "2e9");
        const auto e = error_for(bad);
        CHECK_THAT(e.what(), StartsWith(prefix(value_at(bad, "residents_at_full_occupancy"),
                                               "town.residents_at_full_occupancy") +
                                        fmt::format("expected at most {} households",
                                                    govsim::models::max_households_in_memory)));
        CHECK_THAT(e.what(),
                   Contains(fmt::format("found {:.0f} households",
                                        2e9 / number_in_file(text, "residents_per_household"))));
    }
    SECTION("exactly at the limit is accepted, one household more is not") {
        const std::string one_per_household = set_value(text, "residents_per_household", "1");
        const std::string at_limit =
            set_value(one_per_household, "residents_at_full_occupancy",
                      fmt::format("{}", govsim::models::max_households_in_memory));
        CHECK_NOTHROW(parse_scenario(at_limit, bad_name));
        const std::string above =
            set_value(one_per_household, "residents_at_full_occupancy",
                      fmt::format("{}", govsim::models::max_households_in_memory + 1));
        CHECK_THAT(error_for(above).what(), Contains("town.residents_at_full_occupancy: "));
    }
}

TEST_CASE("an unreadable scenario file is rejected with the reason", "[scenario]") {
    const std::string missing = GOVSIM_SOURCE_DIR "/scenarios/no-such-scenario.toml";
    CHECK_THROWS_AS(load_scenario(missing), ConfigError);
    CHECK_THROWS_WITH(load_scenario(missing),
                      missing + ": error: cannot read file: No such file or directory");
}

TEST_CASE("validate_scenario finds problems in a scenario built in code", "[scenario]") {
    Scenario s = load_scenario(reference_path);
    s.categories[index(Category::Sanitation)].departments = {7};
    const auto problem = govsim::models::validate_scenario(s);
    REQUIRE(problem.has_value());
    CHECK(problem->key ==
          fmt::format("disputes.{}.departments[0]", category_names[index(Category::Sanitation)]));
}

TEST_CASE("the keys of owners, committees, assemblies, firms and mechanisms are checked",
          "[scenario]") {
    const std::string text = reference_text();
    SECTION("an assembly rule that is not a known law") {
        const std::string bad = set_value(text, "rule", "\"majority\"");
        CHECK(std::string(error_for(bad).what()) ==
              prefix(value_at(bad, "rule"), "assemblies.rule") +
                  "expected one of property_law_2007, civil_code_2021, found \"majority\"");
    }
    SECTION("a turnout above 1") {
        const std::string bad = set_value(text, "turnout_resident", "1.2");
        CHECK(std::string(error_for(bad).what()) ==
              prefix(value_at(bad, "turnout_resident"), "assemblies.turnout_resident") +
                  "expected a probability in [0, 1], found 1.2");
    }
    SECTION("a committee without members") {
        const std::string bad = set_value(text, "min_staff", "0");
        CHECK_THAT(error_for(bad).what(),
                   Catch::Matchers::StartsWith(
                       prefix(value_at(bad, "min_staff"), "residents_committees.min_staff")));
    }
    SECTION("a margin memory of no months") {
        const std::string bad = set_value(text, "margin_memory_months", "0");
        CHECK(std::string(error_for(bad).what()) ==
              prefix(value_at(bad, "margin_memory_months"), "firms.margin_memory_months") +
                  "expected a number in [1.0, 1200.0], found 0");
    }
    SECTION("a negative floor area") {
        const Span area = inline_span(text, "floor_area_mean_m2", "commodity");
        const std::string bad = replaced(text, area, "-95.0");
        CHECK(std::string(error_for(bad).what()) ==
              prefix(where(bad, area.begin), "owners.floor_area_mean_m2.commodity") +
                  "expected a positive number no larger than 10000, found -95.0");
    }
    SECTION("a category without raised_by") {
        const std::size_t at = text.find("raised_by");
        const std::size_t end = text.find('\n', at);
        const std::string bad = text.substr(0, at) + text.substr(end + 1);
        CHECK_THAT(error_for(bad).what(), Catch::Matchers::Contains("disputes.parking.raised_by"));
    }
    SECTION("a mechanism switch that is not a boolean") {
        const std::string bad = text + "\n[mechanisms]\nfirm_exit = 0\n";
        CHECK_THAT(error_for(bad).what(),
                   Catch::Matchers::Contains("mechanisms.firm_exit: expected a boolean"));
    }
    SECTION("an unknown mechanism") {
        const std::string bad = text + "\n[mechanisms]\nfirm_exits = false\n";
        CHECK_THAT(error_for(bad).what(),
                   Catch::Matchers::Contains("unknown key; did you mean 'firm_exit'?"));
    }
}
