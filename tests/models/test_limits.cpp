// Bounded inputs: every count and rate has an engineering limit, checked when a scenario is
// read, with the file, line, column and key of the value; values at the limits of their types
// never wrap; composing files is bounded in size, depth and fan-out; only regular files are read.
#include "common/temp_dir.hpp"
#include "models/experiment.hpp"
#include "models/scenario_loader.hpp"
#include "sim/config.hpp"
#include "test_helpers.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>

using namespace govsim;
namespace fs = std::filesystem;
using govsim::test::TempDir;

namespace {

/// The shipped Lishui baseline with `overrides` appended, written to a file in `dir`.
std::string variant(const TempDir& dir, const std::string& overrides,
                    const std::string& name = "variant.toml") {
    const fs::path p = dir.path() / name;
    std::ofstream(p) << "include = [\"" << GOVSIM_SOURCE_DIR
                     << "/scenarios/lishui-baseline.toml\"]\n"
                     << overrides;
    return p.string();
}

/// The error loading `path` gives (fails the test if it loads).
sim::ConfigError error_of(const std::string& path) {
    try {
        (void)models::load_experiment(path);
    } catch (const sim::ConfigError& e) {
        return e;
    }
    FAIL("'" << path << "' was accepted");
    throw std::logic_error("unreachable");
}

/// Line (1-based) of the first line of `text` holding `needle`.
std::uint32_t line_of(const std::string& path, const std::string& needle) {
    std::ifstream in(path);
    std::string line;
    for (std::uint32_t n = 1; std::getline(in, line); ++n)
        if (line.find(needle) != std::string::npos)
            return n;
    return 0;
}

} // namespace

TEST_CASE("counts at the limits of their types are located errors, never wrapped", "[limits]") {
    const TempDir dir("govsim-limits");
    struct Case {
        const char* section;
        const char* key;
        const char* value;
        const char* expected;
    };
    const Case cases[] = {
        {"town", "communities", "4294967295", "an integer in [1, 10000]"},
        {"town", "communities", "4294967296", "an integer in [1, 10000]"},
        {"town", "communities", "9223372036854775807", "an integer in [1, 10000]"},
        {"town", "firms", "4294967295", "an integer in [1, 1000000]"},
        {"town", "compound_units_min", "4294967295", "an integer in [1, 1000000]"},
        {"run", "replicates", "4294967295", "an integer in [1, 100000]"},
        {"owners_committees", "servers", "4294967295", "an integer in [1, 50]"},
        {"residents_committees", "min_staff", "4294967295", "an integer in [1, 100000]"},
        {"handlers", "coordination_servers", "4294967295", "an integer in [1, 100000]"},
    };
    for (const Case& c : cases) {
        INFO(c.section << "." << c.key << " = " << c.value);
        const std::string path =
            variant(dir, fmt::format("[{}]\n{} = {}\n", c.section, c.key, c.value));
        const auto e = error_of(path);
        CHECK(e.file() == path);
        CHECK(e.line() == line_of(path, c.key));
        CHECK(e.column() == std::string(c.key).size() + 4);
        CHECK(e.key() == fmt::format("{}.{}", c.section, c.key));
        CHECK(e.expected() == c.expected);
        CHECK(e.found() == c.value);
        CHECK(e.hint().find("engineering limit") != std::string::npos);
    }
    // Beyond a TOML integer: the parser's own located error.
    const auto e = error_of(variant(dir, "[town]\ncommunities = 18446744073709551616\n"));
    CHECK(e.line() == 3);
}

TEST_CASE("rates and numbers far beyond their use are located errors", "[limits]") {
    const TempDir dir("govsim-limits");
    struct Case {
        const char* table;
        const char* key;
        const char* value;
    };
    const Case cases[] = {
        {"disputes.parking", "rate_per_1000_households_per_year", "1e30"},
        {"disputes.parking", "rate_per_1000_households_per_year", "1e300"},
        {"disputes.parking.effects", "parking_pressure", "1e300"},
        {"disputes.parking.effects", "parking_pressure", "-1e300"},
        {"firms", "staff_per_1000_units", "1e300"},
        {"residents_committees", "staff_per_1000_households", "1e300"},
        {"disputes.parking.raised_by", "tenant", "1e300"},
        {"owners", "floor_area_cv", "1e300"},
        {"handlers.patience_days", "firm", "1e300"},
        {"town", "cars_per_household_mean", "1e300"},
        {"town", "compound_units_mean", "1e300"},
        {"town", "residents_per_household", "1e300"},
        {"households", "onset_dissatisfaction_weight", "1e300"},
        {"detection", "report_delay_days", "1e300"},
        {"firms", "fee_per_unit_month", "1e300"},
    };
    for (const Case& c : cases) {
        INFO(c.table << "." << c.key << " = " << c.value);
        const std::string path =
            variant(dir, fmt::format("[{}]\n{} = {}\n", c.table, c.key, c.value));
        const auto e = error_of(path);
        CHECK(e.file() == path);
        CHECK(e.line() == 3);
        CHECK(e.key() == fmt::format("{}.{}", c.table, c.key));
    }
}

TEST_CASE("lever intervals and multipliers are bounded", "[limits]") {
    const TempDir dir("govsim-limits");
    // A meeting every 1e-300 days would never let a run end.
    const std::string meetings =
        variant(dir, "[levers.joint_meeting]\ninterval_days = 1e-300\ncases_per_meeting = 20\n"
                     "success = 0.8\n");
    const auto e = error_of(meetings);
    CHECK(e.key() == "levers.joint_meeting.interval_days");
    CHECK(e.line() == 3);
    CHECK(e.expected() == "an interval in days in [0.01, 1000000000]");
    const std::string cases =
        variant(dir, "[levers.joint_meeting]\ninterval_days = 14\ncases_per_meeting = 4294967295\n"
                     "success = 0.8\n");
    CHECK(error_of(cases).key() == "levers.joint_meeting.cases_per_meeting");
    const std::string multiplier =
        variant(dir, "[levers.leading_group]\ndepartment_success_multiplier = 1.2\n"
                     "department_server_multiplier = 1e300\nmeeting_success_multiplier = 1.1\n");
    CHECK(error_of(multiplier).key() == "levers.leading_group.department_server_multiplier");
}

TEST_CASE("a town whose rates imply more disputes than memory holds is refused", "[limits]") {
    const TempDir dir("govsim-limits");
    // 10 million households at a rate 100 times the reference.
    const std::string path =
        variant(dir, "[town]\nresidents_at_full_occupancy = 3.1e7\n"
                     "[disputes.parking]\nrate_per_1000_households_per_year = 5000\n");
    const auto e = error_of(path);
    CHECK(e.key() == "town.residents_at_full_occupancy");
    CHECK(e.message().find("disputes in one run") != std::string::npos);
    // The estimate is an upper bound of what runs have: checked on the shipped town.
    const auto s = govsim::test::small_lishui(30000, 4, 1);
    models::ExperimentOptions o;
    o.seed = 3;
    o.replicates = 2;
    for (const auto& run : models::run_experiment(s, o))
        CHECK(static_cast<double>(run.total.stats.disputes) <=
              models::expected_disputes_upper_estimate(s));
}

TEST_CASE("an experiment of too many scenarios or runs is refused before composing", "[limits]") {
    const TempDir dir("govsim-limits");
    const std::string town = std::string(GOVSIM_SOURCE_DIR) + "/scenarios/towns/lishui.toml";
    const std::string model = std::string(GOVSIM_SOURCE_DIR) + "/scenarios/models/baseline.toml";
    std::string towns;
    for (int i = 0; i < 1001; ++i) // 100,100 scenarios: above limits::max_scenarios
        towns += fmt::format("{}\"{}\"", i ? ", " : "", town);
    std::string models_list;
    for (int i = 0; i < 100; ++i)
        models_list += fmt::format("{}\"{}\"", i ? ", " : "", model);
    const fs::path p = dir.path() / "huge.toml";
    std::ofstream(p) << "include = [\"" << GOVSIM_SOURCE_DIR
                     << "/scenarios/parameters/nanhai.toml\"]\n[experiment]\ntowns = [" << towns
                     << "]\nmodels = [" << models_list
                     << "]\n[run]\nname = \"x\"\nstart_year = 2014\nyears = 1\nreplicates = 1\n"
                        "seed = 1\n";
    const auto start = std::chrono::steady_clock::now();
    const auto e = error_of(p.string());
    CHECK(e.key() == "experiment");
    CHECK(e.found() == "1001 towns x 100 models");
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}

TEST_CASE("a scenario with every count at its limit runs without wrapping", "[limits]") {
    // A tiny town with the largest counts the limits allow: servers, firms, staff (and many
    // communities). Server totals must stay exact (32-bit) and disputes must be conserved.
    const TempDir dir("govsim-limits");
    const std::string path = variant(
        dir, "[run]\nyears = 1\nreplicates = 1\n"
             "[town]\nresidents_at_full_occupancy = 3100\ncommunities = 1000\nfirms = 1000000\n"
             "cars_per_household_mean = 50\n"
             "[handlers]\ncoordination_servers = 100000\n"
             "[firms]\nstaff_per_1000_units = 1000\n"
             "[residents_committees]\nstaff_per_1000_households = 1000\n"
             "[owners_committees]\nservers = 50\n");
    const auto experiment = models::load_experiment(path);
    models::ExperimentOptions o;
    o.seed = 1;
    const auto runs = models::run_experiment(experiment.scenarios, o);
    REQUIRE(runs.size() == 1);
    const auto& r = runs.front();
    CHECK(r.communities == 1000);
    CHECK(r.total.stats.disputes ==
          r.total.stats.resolved + r.total.stats.abandoned + r.total.stats.open_at_end);
    std::uint64_t onsets = 0;
    for (const auto& d : r.daily) {
        if (!d.warmup)
            onsets += d.onsets;
        CHECK(d.servers[models::index(models::Level::Firm)] <= 1000U * 1000U);
    }
    CHECK(onsets == r.total.stats.disputes);
}

TEST_CASE("includes are bounded in depth, fan-out and size", "[limits][composition]") {
    const TempDir dir("govsim-limits");
    const auto write = [&](const std::string& name, const std::string& text) {
        std::ofstream(dir.path() / name) << text;
        return (dir.path() / name).string();
    };
    SECTION("a chain deeper than the limit") {
        const std::size_t n = sim::ConfigLimits::max_include_depth + 5;
        for (std::size_t i = 0; i < n; ++i)
            write(fmt::format("chain-{}.toml", i),
                  i + 1 < n ? fmt::format("include = [\"chain-{}.toml\"]\n", i + 1) : "x = 1\n");
        const auto e = error_of((dir.path() / "chain-0.toml").string());
        CHECK(e.message().find("nest deeper than") != std::string::npos);
        CHECK(e.line() == 1);
        CHECK(e.key() == "include[0]");
    }
    SECTION("a fan-out that multiplies at every level") {
        // 8 files including the 8 files of the next level, 6 levels: 8^6 compositions.
        for (int level = 0; level < 6; ++level)
            for (int k = 0; k < 8; ++k) {
                std::string text;
                if (level < 5) {
                    text = "include = [";
                    for (int j = 0; j < 8; ++j)
                        text += fmt::format("{}\"f-{}-{}.toml\"", j ? ", " : "", level + 1, j);
                    text += "]\n";
                }
                text += fmt::format("k{} = {}\n", k, level);
                write(fmt::format("f-{}-{}.toml", level, k), text);
            }
        const auto start = std::chrono::steady_clock::now();
        const auto e = error_of((dir.path() / "f-0-0.toml").string());
        CHECK(e.message().find("files are included into one scenario") != std::string::npos);
        CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
    }
    SECTION("a file larger than the limit") {
        const std::string big(sim::ConfigLimits::max_file_bytes + 10, '#');
        write("big.toml", big);
        const std::string main = write("main.toml", "include = [\"big.toml\"]\n");
        const auto e = error_of(main);
        CHECK(e.file() == main);
        CHECK(e.line() == 1);
        CHECK(e.message().find("bytes long, more than the limit") != std::string::npos);
        CHECK_THROWS_AS(sim::read_text_file((dir.path() / "big.toml").string()), sim::ConfigError);
    }
    SECTION("an include of a device, a FIFO or a directory") {
        for (const std::string target : {"/dev/zero", "/dev/null", "fifo.toml", "folder"}) {
            INFO(target);
            if (target == "fifo.toml")
                REQUIRE(::mkfifo((dir.path() / target).c_str(), 0600) == 0);
            if (target == "folder")
                fs::create_directory(dir.path() / target);
            const std::string main =
                write("main.toml", fmt::format("include = [\"{}\"]\n", target));
            const auto start = std::chrono::steady_clock::now();
            const auto e = error_of(main);
            CHECK(e.file() == main);
            CHECK(e.line() == 1);
            CHECK((e.message().find("not a regular file") != std::string::npos ||
                   e.message().find("directory") != std::string::npos));
            CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
        }
    }
    SECTION("a FIFO or a device as the scenario itself") {
        REQUIRE(::mkfifo((dir.path() / "in.toml").c_str(), 0600) == 0);
        CHECK_THROWS_AS(models::load_experiment((dir.path() / "in.toml").string()),
                        sim::ConfigError);
        CHECK_THROWS_AS(models::load_experiment("/dev/zero"), sim::ConfigError);
    }
}
