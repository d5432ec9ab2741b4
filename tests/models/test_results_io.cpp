// Tests of the experiment results file: a hand-made set of runs is written and read back
// through the HDF5 C API, h5dump and h5py + pandas, column by column and attribute by attribute.
#include "common/hdf5_reading.hpp"
#include "common/temp_dir.hpp"
#include "models/comparison.hpp"
#include "models/results_io.hpp"
#include "sim/parallel.hpp"
#include "sim/results_file.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <hdf5.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>

namespace fs = std::filesystem;
using namespace govsim::models;
using namespace govsim::test; // Id, TempDir and the HDF5 reading helpers

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

/// Names this file's scratch directories.
constexpr const char* temp_prefix = "govsim-results-io";

bool exists(hid_t file, const char* name) {
    return H5Lexists(file, name, H5P_DEFAULT) > 0;
}

const std::string long_scenario = "nanhai-opinions-with-every-lever-switched-on-and-tuned";

DisputeStats stats(std::uint64_t resolved, std::uint64_t abandoned, std::uint64_t open,
                   double median) {
    DisputeStats s;
    s.disputes = resolved + abandoned + open;
    s.complaints = abandoned;
    s.resolved = resolved;
    s.abandoned = abandoned;
    s.open_at_end = open;
    s.mean_resolution_days = resolved > 0 ? median + 1 : nan;
    s.median_resolution_days = resolved > 0 ? median : nan;
    s.p90_resolution_days = resolved > 0 ? 2 * median : nan;
    s.mean_detection_days = 1.5;
    s.share_resolved_within_30_days = s.disputes > 0 ? 0.5 : nan;
    return s;
}

RunResult make_run(std::uint32_t index, std::string scenario, std::string town,
                   std::uint32_t replicate) {
    RunResult run;
    run.key = RunKey{index, std::move(scenario), std::move(town), "baseline", replicate};
    run.communities = 3 + index;
    run.compounds = 20 + index;
    run.units = 5000 + index;
    run.wall_seconds = 0.25 * (index + 1);
    const auto year = [](int y, double households, double rate, DisputeStats s) {
        YearRow row;
        row.year = y;
        row.households = households;
        row.dispute_rate_per_1000_households = rate;
        row.stats = s;
        return row;
    };
    run.years = {year(2014, 1000.0 + index, 12.5, stats(10, 2, 1, 14.0)),
                 year(2015, 1100.0 + index, 0.0, stats(0, 0, 0, 0.0))};
    run.category_years = {
        CategoryYearRow{2014, Category::Parking, {}, stats(6, 1, 0, 9.0)},
        CategoryYearRow{2014, Category::Sanitation, {}, stats(4, 1, 1, 20.0)},
    };
    for (int day = 0; day < 3; ++day) {
        DailyRow row;
        row.day = day;
        row.households = 1000 + static_cast<std::uint32_t>(day);
        row.onsets = 2;
        row.open = static_cast<std::uint32_t>(day) + index;
        for (std::size_t level = 0; level < level_count; ++level) {
            // Values derived from the level's own index, so the test does not depend on where a
            // level sits in the order.
            row.busy_server_days[level] = 0.5 * static_cast<double>(level) + day;
            row.servers[level] = static_cast<std::uint32_t>(level + 1);
        }
        run.daily.push_back(row);
    }
    for (int month = 0; month < 2; ++month) {
        MonthlyRow row;
        row.month = month;
        row.mean_satisfaction = 0.6 + 0.01 * month;
        row.mean_trust = 0.7 - 0.01 * month;
        row.fee_collection = 0.9 - 0.02 * month;
        row.managed_compounds = 18U - static_cast<std::uint32_t>(month);
        row.owners_committees = 5;
        row.functioning_committees = 4U - static_cast<std::uint32_t>(month);
        row.firm_balance = -1.5 - month;
        row.institutions.abandonments = static_cast<std::uint32_t>(month);
        row.institutions.assemblies = 3;
        run.monthly.push_back(row);
    }
    run.disputes = {
        DisputeRecord{
            1, 2, 3, Category::OwnersRights, {}, 1.0, 2.0, nan, 30.0, 1, Level::Department, 2},
        DisputeRecord{1, 4, 5, Category::Parking, {}, 5.0, nan, nan, nan, 0, Level::Firm, 0},
        DisputeRecord{
            2, 6, 7, Category::Construction, {}, 9.0, 9.5, 12.0, 40.0, 2, Level::Coordination, 4},
    };
    return run;
}

Provenance make_provenance() {
    Provenance p;
    p.scenario_path = "scenarios/baseline.toml";
    p.scenario_text = "[scenario]\nname = \"baseline\"\n# 里水 town\n";
    p.scenario_name = "baseline";
    p.command_line = "govsim run scenarios/baseline.toml --seed 42";
    p.version = "0.1.0";
    p.build_type = "Debug";
    p.created_utc = "2024-05-01T12:00:00Z";
    p.seed = 42;
    p.threads = 2;
    p.ranks = 1;
    p.replicates = 2;
    return p;
}

/// Runs given out of index order, one of them with a scenario name longer than 32 bytes.
std::vector<RunResult> make_runs() {
    std::vector<RunResult> runs;
    runs.push_back(make_run(1, long_scenario, "dali", 1));
    runs.push_back(make_run(0, "baseline", "lishui", 0));
    return runs;
}

} // namespace

TEST_CASE("write_results: every table and attribute reads back through the HDF5 C API",
          "[results]") {
    const TempDir dir(temp_prefix);
    const fs::path path = dir.path() / "results.h5";
    const auto runs = make_runs();
    write_results(path.string(), make_provenance(), runs, true);
    REQUIRE(fs::exists(path));
    CHECK(dir.entries() == 1);

    const Id file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    const hid_t f = file.get();

    SECTION("provenance") {
        CHECK(read_string_attribute(f, "format") == "govsim-results");
        CHECK(read_attribute<std::int64_t>(f, "format_version", H5T_NATIVE_INT64) ==
              govsim::models::results_format_version);
        const Provenance p = make_provenance();
        CHECK(read_string_attribute(f, "scenario_path") == p.scenario_path);
        CHECK(read_string_attribute(f, "scenario_text") == p.scenario_text);
        CHECK(read_string_attribute(f, "scenario_name") == p.scenario_name);
        CHECK(read_string_attribute(f, "command_line") == p.command_line);
        CHECK(read_string_attribute(f, "version") == p.version);
        CHECK(read_string_attribute(f, "build_type") == p.build_type);
        CHECK(read_string_attribute(f, "created_utc") == p.created_utc);
        CHECK(read_attribute<std::uint64_t>(f, "seed", H5T_NATIVE_UINT64) == 42);
        CHECK(read_attribute<std::uint64_t>(f, "threads", H5T_NATIVE_UINT64) == 2);
        CHECK(read_attribute<std::uint64_t>(f, "ranks", H5T_NATIVE_UINT64) == 1);
        CHECK(read_attribute<std::uint64_t>(f, "replicates", H5T_NATIVE_UINT64) == 2);
    }

    SECTION("every dataset has a description") {
        for (const char* name :
             {"runs", "summary", "summary_by_category", "daily", "monthly", "equity", "comparison",
              "cost_effectiveness", "equity_comparison", "disputes"}) {
            CAPTURE(name);
            const Id dataset(H5Dopen2(f, name, H5P_DEFAULT), H5Dclose);
            CHECK_FALSE(read_string_attribute(dataset.get(), "description").empty());
        }
    }

    SECTION("/runs: one row per run, in index order") {
        REQUIRE(dataset_rows(f, "runs") == 2);
        std::vector<std::string> columns{
            "index",       "scenario",  "town",  "model",          "replicate",    "point",
            "communities", "compounds", "units", "evaluated_from", "evaluated_to", "wall_seconds"};
        for (const auto name : metric_names)
            columns.emplace_back(name);
        CHECK(member_names(f, "runs") == columns);
        // Without a design every run is at point 0; each metric as the comparison computes it.
        CHECK(read_column<std::uint64_t>(f, "runs", "point", H5T_NATIVE_UINT64) ==
              std::vector<std::uint64_t>{0, 0});
        for (std::size_t m = 0; m < metric_count; ++m) {
            CAPTURE(metric_names[m]);
            const auto column = read_column<double>(f, "runs", std::string(metric_names[m]).c_str(),
                                                    H5T_NATIVE_DOUBLE);
            REQUIRE(column.size() == 2);
            // runs[1] is index 0, runs[0] index 1
            const double want0 = metric_value(runs[1], static_cast<Metric>(m));
            const double want1 = metric_value(runs[0], static_cast<Metric>(m));
            CHECK((column[0] == want0 || (std::isnan(column[0]) && std::isnan(want0))));
            CHECK((column[1] == want1 || (std::isnan(column[1]) && std::isnan(want1))));
        }
        CHECK(read_column<std::uint32_t>(f, "runs", "index", H5T_NATIVE_UINT32) ==
              std::vector<std::uint32_t>{0, 1});
        // Scenario names are never truncated: the column is as wide as the longest.
        CHECK(read_string_column(f, "runs", "scenario") ==
              std::vector<std::string>{"baseline", long_scenario});
        CHECK(read_string_column(f, "runs", "town") == std::vector<std::string>{"lishui", "dali"});
        CHECK(read_column<std::uint32_t>(f, "runs", "units", H5T_NATIVE_UINT32) ==
              std::vector<std::uint32_t>{5000, 5001});
        CHECK(read_column<double>(f, "runs", "wall_seconds", H5T_NATIVE_DOUBLE) ==
              std::vector<double>{0.25, 0.5});
    }

    SECTION("/summary: one row per run and year") {
        REQUIRE(dataset_rows(f, "summary") == 4);
        CHECK(member_names(f, "summary") ==
              std::vector<std::string>{"scenario",
                                       "town",
                                       "model",
                                       "replicate",
                                       "year",
                                       "households",
                                       "dispute_rate_per_1000_households",
                                       "burden_per_1000_households",
                                       "disputes",
                                       "complaints",
                                       "grid_referrals",
                                       "timer_escalations",
                                       "government_cases",
                                       "resolved",
                                       "abandoned",
                                       "open_at_end",
                                       "resolved_share",
                                       "abandoned_share",
                                       "open_share_at_end",
                                       "mean_resolution_days",
                                       "median_resolution_days",
                                       "p90_resolution_days",
                                       "mean_detection_days",
                                       "share_resolved_within_30_days",
                                       "open_dispute_days",
                                       "unresolved_dispute_days",
                                       "assemblies",
                                       "committees_elected",
                                       "dismissal_votes",
                                       "dismissals",
                                       "hire_votes",
                                       "tenders",
                                       "firms_hired",
                                       "abandonments",
                                       "committees_dormant",
                                       "committees_revived",
                                       "department_staff",
                                       "coordination_staff",
                                       "residents_committee_staff",
                                       "grid_staff",
                                       "firm_staff",
                                       "volunteers",
                                       "joint_meetings",
                                       "information_platform",
                                       "interim_management",
                                       "party_branches",
                                       "public_cost",
                                       "fee_funded_cost"});
        CHECK(read_string_column(f, "summary", "town") ==
              std::vector<std::string>{"lishui", "lishui", "dali", "dali"});
        CHECK(read_column<std::uint32_t>(f, "summary", "replicate", H5T_NATIVE_UINT32) ==
              std::vector<std::uint32_t>{0, 0, 1, 1});
        CHECK(read_column<std::int32_t>(f, "summary", "year", H5T_NATIVE_INT32) ==
              std::vector<std::int32_t>{2014, 2015, 2014, 2015});
        CHECK(read_column<double>(f, "summary", "households", H5T_NATIVE_DOUBLE) ==
              std::vector<double>{1000, 1100, 1001, 1101});
        const auto disputes =
            read_column<std::uint64_t>(f, "summary", "disputes", H5T_NATIVE_UINT64);
        const auto resolved =
            read_column<std::uint64_t>(f, "summary", "resolved", H5T_NATIVE_UINT64);
        const auto abandoned =
            read_column<std::uint64_t>(f, "summary", "abandoned", H5T_NATIVE_UINT64);
        const auto open =
            read_column<std::uint64_t>(f, "summary", "open_at_end", H5T_NATIVE_UINT64);
        CHECK(disputes == std::vector<std::uint64_t>{13, 0, 13, 0});
        for (std::size_t i = 0; i < disputes.size(); ++i) {
            CHECK(disputes[i] == resolved[i] + abandoned[i] + open[i]);
        }
        const auto median =
            read_column<double>(f, "summary", "median_resolution_days", H5T_NATIVE_DOUBLE);
        CHECK(median[0] == 14.0);
        CHECK(std::isnan(median[1])); // undefined values stay NaN
    }

    SECTION("/summary_by_category: category names") {
        REQUIRE(dataset_rows(f, "summary_by_category") == 4);
        CHECK(member_names(f, "summary_by_category").at(5) == "category");
        CHECK(read_string_column(f, "summary_by_category", "category") ==
              std::vector<std::string>{"parking", "sanitation", "parking", "sanitation"});
        CHECK(read_column<std::uint64_t>(f, "summary_by_category", "open_at_end",
                                         H5T_NATIVE_UINT64) ==
              std::vector<std::uint64_t>{0, 1, 0, 1});
    }

    SECTION("/daily: per-level arrays as one column per level") {
        REQUIRE(dataset_rows(f, "daily") == 6);
        const auto names = member_names(f, "daily");
        CHECK(names.at(4) == "day");
        for (std::string_view level : level_names) {
            CHECK(std::find(names.begin(), names.end(),
                            fmt::format("busy_server_days_{}", level)) != names.end());
            CHECK(std::find(names.begin(), names.end(), fmt::format("servers_{}", level)) !=
                  names.end());
        }
        CHECK(read_column<std::int32_t>(f, "daily", "day", H5T_NATIVE_INT32) ==
              std::vector<std::int32_t>{0, 1, 2, 0, 1, 2});
        CHECK(read_column<std::uint32_t>(f, "daily", "open", H5T_NATIVE_UINT32) ==
              std::vector<std::uint32_t>{0, 1, 2, 1, 2, 3});
        const double dep = 0.5 * static_cast<double>(index(Level::Department));
        CHECK(read_column<double>(f, "daily", "busy_server_days_department", H5T_NATIVE_DOUBLE) ==
              std::vector<double>{dep, dep + 1, dep + 2, dep, dep + 1, dep + 2});
        CHECK(read_column<std::uint32_t>(f, "daily", "servers_coordination", H5T_NATIVE_UINT32) ==
              std::vector<std::uint32_t>(
                  6, static_cast<std::uint32_t>(index(Level::Coordination) + 1)));
    }

    SECTION("/monthly") {
        REQUIRE(dataset_rows(f, "monthly") == 4);
        CHECK(read_column<std::int32_t>(f, "monthly", "month", H5T_NATIVE_INT32) ==
              std::vector<std::int32_t>{0, 1, 0, 1});
        CHECK(read_column<double>(f, "monthly", "firm_balance", H5T_NATIVE_DOUBLE) ==
              std::vector<double>{-1.5, -2.5, -1.5, -2.5});
        CHECK(
            read_column<std::uint32_t>(f, "monthly", "functioning_committees", H5T_NATIVE_UINT32) ==
            std::vector<std::uint32_t>{4, 3, 4, 3});
        CHECK(read_column<std::uint32_t>(f, "monthly", "abandonments", H5T_NATIVE_UINT32) ==
              std::vector<std::uint32_t>{0, 1, 0, 1});
        CHECK(read_column<std::uint32_t>(f, "monthly", "assemblies", H5T_NATIVE_UINT32) ==
              std::vector<std::uint32_t>{3, 3, 3, 3});
    }

    SECTION("/disputes: the run as its /runs index, codes as enumerations that name them") {
        REQUIRE(dataset_rows(f, "disputes") == 6);
        CHECK(member_names(f, "disputes") ==
              std::vector<std::string>{"run", "community", "compound", "household", "category",
                                       "onset", "detected", "government", "channel", "closed",
                                       "outcome", "last_level", "handoffs", "party", "housing",
                                       "village_converted", "tenure", "owner_nonlocal"});
        // runs[1] is index 0
        CHECK(read_column<std::uint32_t>(f, "disputes", "run", H5T_NATIVE_UINT32) ==
              std::vector<std::uint32_t>{0, 0, 0, 1, 1, 1});
        CHECK(read_enum_column(f, "disputes", "category") ==
              std::vector<std::string>{"owners_rights", "parking", "construction", "owners_rights",
                                       "parking", "construction"});
        CHECK(read_enum_column(f, "disputes", "outcome") ==
              std::vector<std::string>{"resolved", "open", "abandoned", "resolved", "open",
                                       "abandoned"});
        CHECK(read_enum_column(f, "disputes", "last_level") ==
              std::vector<std::string>{"department", "firm", "coordination", "department", "firm",
                                       "coordination"});
        CHECK(read_enum_column(f, "disputes", "tenure") ==
              std::vector<std::string>(6, std::string(govsim::models::tenure_names[0])));
        CHECK(read_column<std::uint8_t>(f, "disputes", "handoffs", H5T_NATIVE_UINT8) ==
              std::vector<std::uint8_t>{2, 0, 4, 2, 0, 4});
        const auto detected = read_column<double>(f, "disputes", "detected", H5T_NATIVE_DOUBLE);
        CHECK(detected[0] == 2.0);
        CHECK(std::isnan(detected[1]));
    }
}

TEST_CASE("write_results: /disputes only on request", "[results]") {
    const TempDir dir(temp_prefix);
    const fs::path path = dir.path() / "results.h5";
    write_results(path.string(), make_provenance(), make_runs(), false);
    const Id file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    CHECK(exists(file.get(), "summary"));
    CHECK_FALSE(exists(file.get(), "disputes"));
}

TEST_CASE("write_results: /disputes at any deflate level holds the same rows", "[results]") {
    // The shuffle and deflate level 1 by default; 0 leaves the table uncompressed.
    const TempDir dir(temp_prefix);
    const auto runs = make_runs();
    const auto filters = [](const fs::path& p) {
        const Id file(H5Fopen(p.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
        const Id set(H5Dopen2(file.get(), "disputes", H5P_DEFAULT), H5Dclose);
        const Id dcpl(H5Dget_create_plist(set.get()), H5Pclose);
        std::vector<H5Z_filter_t> out;
        for (int k = 0; k < H5Pget_nfilters(dcpl.get()); ++k) {
            unsigned flags = 0;
            std::size_t n = 0;
            out.push_back(H5Pget_filter2(dcpl.get(), static_cast<unsigned>(k), &flags, &n, nullptr,
                                         0, nullptr, nullptr));
        }
        return out;
    };
    std::vector<fs::path> paths;
    for (const unsigned level : {1U, 0U, 9U}) {
        paths.push_back(dir.path() / fmt::format("level{}.h5", level));
        const govsim::models::MemoryRuns source(runs);
        (void)write_results(paths.back().string(), make_provenance(), source, true, nullptr, level);
    }
    const std::vector<H5Z_filter_t> shuffled{H5Z_FILTER_SHUFFLE, H5Z_FILTER_DEFLATE};
    CHECK(filters(paths[0]) == shuffled);
    CHECK(filters(paths[1]).empty());
    CHECK(filters(paths[2]) == shuffled);
    for (const std::size_t k : {1U, 2U}) {
        const auto differences =
            govsim::sim::compare_datasets(paths[0], paths[k], {"wall_seconds", "created_utc"});
        CHECK(differences.empty());
    }
}

TEST_CASE("write_results: no runs gives empty tables that stock readers read", "[results]") {
    const TempDir dir(temp_prefix);
    const fs::path path = dir.path() / "empty.h5";
    write_results(path.string(), make_provenance(), std::vector<RunResult>{}, true);
    {
        const Id file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
        for (const char* name :
             {"runs", "summary", "summary_by_category", "daily", "monthly", "equity", "comparison",
              "cost_effectiveness", "equity_comparison", "disputes"}) {
            CAPTURE(name);
            CHECK(dataset_rows(file.get(), name) == 0);
        }
        CHECK(member_names(file.get(), "summary").size() == 48);
    }
    CHECK(run(fmt::format("h5dump -H '{}' > /dev/null", path.string())) == 0);
}

TEST_CASE("write_results: a small file's tables have chunks of their expected size", "[results]") {
    // Each per-run table is expected to hold the number of runs times the first run's rows
    // (the run of index 0), and gets chunks of that many rows, or of 16 KiB of rows if that
    // is more, instead of 256 KiB (whose padding HDF5 would shuffle and deflate). A later run
    // with more rows than the first still has every row written.
    const TempDir dir(temp_prefix);
    const fs::path path = dir.path() / "small.h5";
    auto runs = make_runs(); // index 1 first, then index 0: each with 3 days
    for (int day = 3; day < 5; ++day) {
        DailyRow row = runs[0].daily.back();
        row.day = day;
        runs[0].daily.push_back(row); // the run of index 1 gets 5 days
    }
    write_results(path.string(), make_provenance(), runs, true);
    const Id file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    // The chunk's rows, and the rows 16 KiB and 256 KiB (a full chunk) hold.
    struct Chunk {
        std::size_t rows, least, full;
    };
    const auto chunk = [&](const char* name) {
        const Id dataset(H5Dopen2(file.get(), name, H5P_DEFAULT), H5Dclose);
        const Id dcpl(H5Dget_create_plist(dataset.get()), H5Pclose);
        hsize_t rows = 0;
        REQUIRE(H5Pget_chunk(dcpl.get(), 1, &rows) == 1);
        const Id type(H5Dget_type(dataset.get()), H5Tclose);
        const std::size_t size = H5Tget_size(type.get());
        return Chunk{static_cast<std::size_t>(rows), 16 * 1024 / size, 256 * 1024 / size};
    };
    // Both runs have 2 years, 2 category-years, 2 months and 3 disputes.
    for (const char* name : {"runs", "summary", "summary_by_category", "monthly", "disputes"}) {
        CAPTURE(name);
        const Chunk c = chunk(name);
        CHECK(c.rows == std::max(dataset_rows(file.get(), name), c.least));
        CHECK(c.rows < c.full);
    }
    const auto [daily_rows, daily_least, daily_full] = chunk("daily");
    CHECK(daily_rows < daily_full);
    CHECK(daily_rows == std::max<std::size_t>(2 * 3, daily_least)); // two runs of 3 days...
    REQUIRE(dataset_rows(file.get(), "daily") == 3 + 5);            // ...hold 8 rows, all written
    CHECK(read_column<std::int32_t>(file.get(), "daily", "day", H5T_NATIVE_INT32) ==
          std::vector<std::int32_t>{0, 1, 2, 0, 1, 2, 3, 4});
}

TEST_CASE("write_results: /disputes holds the run's records exactly, every code by its name",
          "[results]") {
    // Records spanning several chunks, every code of every vocabulary, times with full
    // mantissas and NaN; read back from the file (at the default level, uncompressed and at 9,
    // on 1 and 2 threads) field by field, codes through the enumerations' names.
    std::mt19937_64 rng(11);
    std::vector<RunResult> runs{make_run(0, "baseline", "lishui", 0)};
    RunResult& run = runs[0];
    run.disputes.clear();
    const auto pick = [&rng](std::size_t n) { return static_cast<std::uint8_t>(rng() % n); };
    const auto time = [&rng]() {
        return rng() % 7 == 0 ? std::numeric_limits<double>::quiet_NaN()
                              : std::ldexp(static_cast<double>(rng() >> 11), -40) - 30.0;
    };
    for (int i = 0; i < 20'000; ++i) {
        DisputeRecord d;
        d.community = static_cast<std::uint32_t>(rng() % 300);
        d.compound = static_cast<std::uint32_t>(rng() % 700);
        d.household = static_cast<std::uint32_t>(rng());
        d.category = static_cast<Category>(pick(category_names.size()));
        d.onset = time();
        d.detected = time();
        d.government = time();
        d.closed = time();
        d.outcome = pick(dispute_outcome_names.size());
        d.last_level = static_cast<Level>(pick(level_names.size()));
        d.handoffs = static_cast<std::uint8_t>(rng());
        d.party = pick(dispute_party_names.size());
        d.channel = pick(government_channel_names.size());
        d.housing = pick(housing_type_names.size());
        d.village = pick(2);
        d.tenure = pick(tenure_names.size());
        d.nonlocal = pick(2);
        run.disputes.push_back(d);
    }
    // The rows the writer packs are those the table's description gives.
    CHECK(packed_dispute_rows(run) == described_dispute_rows(run));

    const TempDir dir(temp_prefix);
    const auto same_time = [](const std::vector<double>& got, double DisputeRecord::*field,
                              const std::vector<DisputeRecord>& want) {
        for (std::size_t i = 0; i < want.size(); ++i) {
            const double w = want[i].*field;
            if (!(got[i] == w || (std::isnan(got[i]) && std::isnan(w))))
                return false;
        }
        return true;
    };
    for (const unsigned level : {1U, 0U, 9U})
        for (const std::size_t threads : {1U, 2U}) {
            CAPTURE(level, threads);
            const govsim::sim::ThreadLimit limit(threads);
            const fs::path path = dir.path() / fmt::format("records-{}-{}.h5", level, threads);
            const MemoryRuns source(runs);
            (void)write_results(path.string(), make_provenance(), source, true, nullptr, level);
            const Id file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
            const hid_t f = file.get();
            const auto& want = run.disputes;
            REQUIRE(dataset_rows(f, "disputes") == want.size());
            const auto u32 = [&](const char* column) {
                return read_column<std::uint32_t>(f, "disputes", column, H5T_NATIVE_UINT32);
            };
            const auto u8 = [&](const char* column) {
                return read_column<std::uint8_t>(f, "disputes", column, H5T_NATIVE_UINT8);
            };
            const auto names = [&](const char* column) {
                return read_enum_column(f, "disputes", column);
            };
            const auto dbl = [&](const char* column) {
                return read_column<double>(f, "disputes", column, H5T_NATIVE_DOUBLE);
            };
            const auto community = u32("community"), compound = u32("compound"),
                       household = u32("household");
            const auto category = names("category"), channel = names("channel"),
                       outcome = names("outcome"), last_level = names("last_level"),
                       party = names("party"), housing = names("housing"), tenure = names("tenure");
            const auto handoffs = u8("handoffs"), village = u8("village_converted"),
                       nonlocal = u8("owner_nonlocal");
            std::size_t first_different = want.size();
            for (std::size_t i = 0; i < want.size() && first_different == want.size(); ++i) {
                const DisputeRecord& d = want[i];
                const bool same = community[i] == d.community && compound[i] == d.compound &&
                                  household[i] == d.household &&
                                  category[i] == category_names[index(d.category)] &&
                                  channel[i] == government_channel_names[d.channel] &&
                                  outcome[i] == dispute_outcome_names[d.outcome] &&
                                  last_level[i] == level_names[index(d.last_level)] &&
                                  party[i] == dispute_party_names[d.party] &&
                                  housing[i] == housing_type_names[d.housing] &&
                                  tenure[i] == tenure_names[d.tenure] &&
                                  handoffs[i] == d.handoffs && village[i] == d.village &&
                                  nonlocal[i] == d.nonlocal;
                if (!same)
                    first_different = i;
            }
            CHECK(first_different == want.size());
            CHECK(same_time(dbl("onset"), &DisputeRecord::onset, want));
            CHECK(same_time(dbl("detected"), &DisputeRecord::detected, want));
            CHECK(same_time(dbl("government"), &DisputeRecord::government, want));
            CHECK(same_time(dbl("closed"), &DisputeRecord::closed, want));
            CHECK(u32("run") == std::vector<std::uint32_t>(want.size(), 0));
        }
}

TEST_CASE("write_results: a corrupt record fails and leaves no file", "[results]") {
    const TempDir dir(temp_prefix);
    const fs::path path = dir.path() / "results.h5";
    auto runs = make_runs();
    runs[1].disputes[0].outcome = 7;
    CHECK_THROWS_WITH(write_results(path.string(), make_provenance(), runs, true),
                      Catch::Matchers::Contains("dispute outcome code 7") &&
                          Catch::Matchers::Contains("scenario 'baseline'"));
    CHECK(dir.entries() == 0);
    // Without records the same runs are fine.
    write_results(path.string(), make_provenance(), runs, false);
    CHECK(fs::exists(path));
}

TEST_CASE("write_results: an unwritable destination throws OutputError", "[results]") {
    const TempDir dir(temp_prefix);
    CHECK_THROWS_AS(write_results((dir.path() / "missing" / "r.h5").string(), make_provenance(),
                                  make_runs(), false),
                    govsim::sim::OutputError);
    CHECK(dir.entries() == 0);
}

TEST_CASE("write_results: h5dump and h5py + pandas read the file", "[results]") {
    const TempDir dir(temp_prefix);
    const fs::path path = dir.path() / "results.h5";
    write_results(path.string(), make_provenance(), make_runs(), true);
    CHECK(run(fmt::format("h5dump -H '{}' > /dev/null", path.string())) == 0);

    const fs::path script = dir.path() / "read.py";
    std::ofstream(script) << fmt::format(R"(
import math, h5py, pandas
with h5py.File("{path}", "r") as f:
    assert f.attrs["format"] == "govsim-results", f.attrs["format"]
    assert f.attrs["seed"] == 42
    summary = pandas.DataFrame(f["summary"][()])
    disputes = pandas.DataFrame(f["disputes"][()])
    outcomes = {{code: name for name, code in
                h5py.check_enum_dtype(f["disputes"].dtype["outcome"]).items()}}
    daily = pandas.DataFrame(f["daily"][()])
for frame in (summary, disputes, daily):
    for name in frame.columns:
        if frame[name].dtype == object:
            frame[name] = frame[name].str.decode("utf-8")
assert len(summary) == 4, len(summary)
assert list(summary.columns[:7]) == ["scenario", "town", "model", "replicate", "year", "households",
                                     "dispute_rate_per_1000_households"], list(summary.columns)
assert len(summary.columns) == 48, list(summary.columns)
assert list(summary["scenario"]) == ["baseline", "baseline", "{long}", "{long}"]
assert (summary["disputes"] == summary["resolved"] + summary["abandoned"]
        + summary["open_at_end"]).all()
assert math.isnan(summary["median_resolution_days"][1])
assert [outcomes[c] for c in disputes["outcome"][:3]] == ["resolved", "open", "abandoned"]
assert daily["servers_firm"].sum() == 6 * {firm_servers}
)",
                                         fmt::arg("path", path.string()),
                                         fmt::arg("long", long_scenario),
                                         fmt::arg("firm_servers", index(Level::Firm) + 1));
    CHECK(run(fmt::format("/usr/bin/python3 '{}'", script.string())) == 0);
}
