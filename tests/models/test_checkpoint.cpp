// Interrupted experiments keep what they finished and resume to the same results; damaged,
// truncated and foreign checkpoints are recognised and run again; a store is used by one
// process at a time.
#include "common/temp_dir.hpp"
#include "models/checkpoint.hpp"
#include "models/experiment.hpp"
#include "models/shard_file.hpp"
#include "sim/checksum.hpp"
#include "sim/results_file.hpp"
#include "test_helpers.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <iterator>
#include <span>

using namespace govsim;
namespace fs = std::filesystem;
using govsim::test::TempDir;

namespace {

/// Bitwise equality of a double (NaN included), the fields of a row one by one: structs have
/// padding bytes whose content is not part of the value.
bool same(double a, double b) {
    return std::memcmp(&a, &b, sizeof a) == 0;
}

bool same(const models::DisputeStats& a, const models::DisputeStats& b) {
    return a.disputes == b.disputes && a.complaints == b.complaints && a.resolved == b.resolved &&
           a.abandoned == b.abandoned && a.open_at_end == b.open_at_end &&
           same(a.mean_resolution_days, b.mean_resolution_days) &&
           same(a.median_resolution_days, b.median_resolution_days) &&
           same(a.p90_resolution_days, b.p90_resolution_days) &&
           same(a.mean_detection_days, b.mean_detection_days) &&
           same(a.share_resolved_within_30_days, b.share_resolved_within_30_days);
}

void require_same(const models::RunResult& a, const models::RunResult& b) {
    CHECK(a.key.index == b.key.index);
    CHECK(a.key.scenario == b.key.scenario);
    CHECK(a.key.replicate == b.key.replicate);
    CHECK(a.units == b.units);
    CHECK(same(a.total.stats, b.total.stats));
    REQUIRE(a.years.size() == b.years.size());
    for (std::size_t i = 0; i < a.years.size(); ++i) {
        CHECK(a.years[i].year == b.years[i].year);
        CHECK(same(a.years[i].households, b.years[i].households));
        CHECK(same(a.years[i].stats, b.years[i].stats));
    }
    REQUIRE(a.category_years.size() == b.category_years.size());
    for (std::size_t i = 0; i < a.category_years.size(); ++i) {
        CHECK(a.category_years[i].category == b.category_years[i].category);
        CHECK(same(a.category_years[i].stats, b.category_years[i].stats));
    }
    REQUIRE(a.daily.size() == b.daily.size());
    for (std::size_t i = 0; i < a.daily.size(); ++i) {
        CHECK(a.daily[i].onsets == b.daily[i].onsets);
        CHECK(a.daily[i].open == b.daily[i].open);
        CHECK(same(a.daily[i].busy_server_days[0], b.daily[i].busy_server_days[0]));
    }
    REQUIRE(a.monthly.size() == b.monthly.size());
    for (std::size_t i = 0; i < a.monthly.size(); ++i)
        CHECK(same(a.monthly[i].mean_satisfaction, b.monthly[i].mean_satisfaction));
    REQUIRE(a.disputes.size() == b.disputes.size());
    for (std::size_t i = 0; i < a.disputes.size(); ++i) {
        CHECK(same(a.disputes[i].onset, b.disputes[i].onset));
        CHECK(same(a.disputes[i].closed, b.disputes[i].closed));
        CHECK(a.disputes[i].household == b.disputes[i].household);
    }
}

models::Fingerprint fingerprint(const std::string& seed) {
    models::Fingerprint f;
    f.add("seed", seed);
    f.add_text("file scenario.toml", "[run]\nname = \"x\"\n");
    return f;
}

std::string read_bytes(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& p, const std::string& bytes) {
    std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes;
}

/// A small experiment of 4 replicates, with dispute records, and its plan.
struct Small {
    models::Scenario scenario = govsim::test::small_lishui(15000, 3, 1);
    std::vector<models::Scenario> scenarios{scenario};
    models::ExperimentPlan plan{scenarios, 17, 4, true};
    models::ExperimentOptions options() const {
        models::ExperimentOptions o;
        o.seed = 17;
        o.replicates = 4;
        o.record_disputes = true;
        return o;
    }
};

constexpr std::size_t header_bytes = 32; // magic, fingerprint hash, length, checksum

/// The checksum in a checkpoint's header made that of its payload again.
void rechecksum(std::string& bytes) {
    const std::uint64_t sum =
        sim::checksum(bytes.data() + header_bytes, bytes.size() - header_bytes);
    std::memcpy(bytes.data() + 24, &sum, sizeof sum);
}

} // namespace

TEST_CASE("a saved run is loaded back exactly", "[checkpoint]") {
    const Small small;
    const auto run = models::run_experiment(small.scenarios, small.options())[2];
    const TempDir dir("govsim-checkpoint");
    const models::Checkpoint cp(dir.path() / "store", fingerprint("1"));
    CHECK(cp.saved() == 0);
    CHECK_FALSE(cp.load(small.plan.shape(2)).has_value());
    cp.save(run);
    CHECK(cp.saved_indices() == std::vector<std::size_t>{2});
    std::string problem;
    const auto back = cp.load(small.plan.shape(2), &problem);
    INFO(problem);
    REQUIRE(back.has_value());
    require_same(run, *back);
    cp.remove();
    CHECK_FALSE(fs::exists(dir.path() / "store"));
}

TEST_CASE("records spilled to a file while the run goes on give the same checkpoint",
          "[checkpoint]") {
    // A run saved to a store keeps no records in memory: they go to a spill file as disputes
    // are counted and are copied from there into its checkpoint, byte for byte as if kept.
    const Small small;
    auto run = models::run_experiment(small.scenarios, small.options())[1];
    REQUIRE(run.disputes.size() > 100);
    const TempDir dir("govsim-checkpoint");
    const models::Checkpoint kept(dir.path() / "kept", fingerprint("1"));
    const models::Checkpoint spilled(dir.path() / "spilled", fingerprint("1"));
    kept.save(run);
    auto spill = spilled.spill(1);
    const std::span<const models::DisputeRecord> all(run.disputes);
    for (std::size_t at = 0; at < all.size(); at += 37) // in pieces, as days hand them on
        spill->append(all.subspan(at, std::min<std::size_t>(37, all.size() - at)));
    CHECK(spill->count() == run.disputes.size());
    auto without = run;
    without.disputes.clear();
    CHECK_NOTHROW(models::check_complete(without, small.plan.shape(1), spill.get()));
    CHECK_THROWS_AS(models::check_complete(without, small.plan.shape(1)), std::logic_error);
    const auto leftovers = [&] {
        std::size_t n = 0;
        for (const auto& e : fs::directory_iterator(dir.path() / "spilled"))
            n += e.path().filename().string().find(".records.tmp-") != std::string::npos ? 1U : 0U;
        return n;
    };
    CHECK(leftovers() == 1);
    // Saving completes the spill's file into the checkpoint, renamed into place.
    spilled.save(without, spill.get());
    CHECK(read_bytes(kept.run_path(1)) == read_bytes(spilled.run_path(1)));
    CHECK(leftovers() == 0);
    spill.reset();
    CHECK(fs::exists(spilled.run_path(1)));
    // A spill never saved (its run failed) goes with it.
    auto failed = spilled.spill(2);
    failed->append(all.subspan(0, 10));
    CHECK(leftovers() == 1);
    failed.reset();
    CHECK(leftovers() == 0);
    const auto back = spilled.load(small.plan.shape(1));
    REQUIRE(back.has_value());
    require_same(run, *back);
}

TEST_CASE("a store of another experiment is refused, names what differs and keeps its runs",
          "[checkpoint]") {
    const TempDir dir("govsim-checkpoint");
    const fs::path folder = dir.path() / "store";
    const Small small;
    const auto run = models::run_experiment(small.scenarios, small.options())[0];
    { models::Checkpoint(folder, fingerprint("1")).save(run); }
    CHECK_NOTHROW(models::Checkpoint(folder, fingerprint("1")));
    try {
        const models::Checkpoint other(folder, fingerprint("2"));
        FAIL("a store of another fingerprint was accepted");
    } catch (const sim::OutputError& e) {
        const std::string message = e.what();
        CHECK(message.find("its seed is 1, now 2") != std::string::npos);
        CHECK(message.find("1 finished run") != std::string::npos);
        CHECK(message.find("nothing was deleted") != std::string::npos);
    }
    CHECK(fs::exists(folder / "run-000000.bin"));
}

TEST_CASE("damaged, truncated and foreign checkpoints are recognised, never used", "[checkpoint]") {
    const Small small;
    const auto runs = models::run_experiment(small.scenarios, small.options());
    const TempDir dir("govsim-checkpoint");
    const models::Checkpoint cp(dir.path() / "store", fingerprint("1"));
    cp.save(runs[1]);
    const fs::path file = cp.run_path(1);
    const std::string good = read_bytes(file);
    const auto problem_of = [&](const std::string& bytes) {
        write_bytes(file, bytes);
        std::string problem;
        const bool loaded = cp.load(small.plan.shape(1), &problem).has_value();
        CHECK_FALSE(loaded);
        return problem;
    };

    SECTION("a flipped bit anywhere in the payload") {
        for (const std::size_t at : {header_bytes + 3, good.size() / 2, good.size() - 1}) {
            std::string bad = good;
            bad[at] = static_cast<char>(bad[at] ^ 0x10);
            CHECK(problem_of(bad).find("checksum") != std::string::npos);
        }
    }
    SECTION("truncated, extended or empty") {
        CHECK(problem_of(good.substr(0, good.size() - 100)).find("bytes long") !=
              std::string::npos);
        CHECK(problem_of(good + "x").find("bytes long") != std::string::npos);
        CHECK(problem_of("").find("not a govsim checkpoint") != std::string::npos);
        CHECK(problem_of(good.substr(0, 10)).find("not a govsim checkpoint") != std::string::npos);
    }
    SECTION("a checkpoint of another experiment") {
        const models::Checkpoint other(dir.path() / "other", fingerprint("2"));
        other.save(runs[1]);
        CHECK(problem_of(read_bytes(other.run_path(1))).find("another experiment") !=
              std::string::npos);
    }
    SECTION("a checkpoint of another run under this run's name") {
        cp.save(runs[3]);
        CHECK(problem_of(read_bytes(cp.run_path(3))).find("holds run 3") != std::string::npos);
    }
    // The head (the key, then the tables) follows the dispute records.
    const std::size_t head = header_bytes + runs[1].disputes.size() * sizeof(models::DisputeRecord);
    SECTION("a name with a line break, with a valid checksum: the problem is one line") {
        std::string bad = good;
        const auto& k = runs[1].key;
        bad[head + 8 + 8 + k.scenario.size() + 8] = '\n'; // the town's first byte
        rechecksum(bad);
        const std::string problem = problem_of(bad);
        CHECK(problem.find("holds run 1 (town '\\x0a") != std::string::npos);
        CHECK(problem.find('\n') == std::string::npos);
    }
    SECTION("a length field that promises more rows than the run has, with a valid checksum") {
        // The yearly table's length follows the key and three counts; a huge length with a
        // recomputed checksum must be refused from the shape, before anything is allocated.
        std::string bad = good;
        const auto& k = runs[1].key;
        const std::size_t at =
            head + 8 + 3 * 8 + k.scenario.size() + k.town.size() + k.model.size() + 4 + 3 * 4;
        const std::uint64_t huge = std::uint64_t{1} << 60;
        std::memcpy(bad.data() + at, &huge, sizeof huge);
        rechecksum(bad);
        CHECK(problem_of(bad).find("the yearly table has 1152921504606846976 rows, not 1") !=
              std::string::npos);
    }
    SECTION("a directory in its place") {
        fs::remove(file);
        fs::create_directory(file);
        std::string problem;
        CHECK_FALSE(cp.load(small.plan.shape(1), &problem).has_value());
        CHECK(problem.find("not a regular file") != std::string::npos);
    }
}

namespace {
/// Run `r` with its records repeated until there are more than `n` (its disputes the reported
/// ones), so that they take several pieces to read.
models::RunResult with_many_records(models::RunResult r, std::size_t n) {
    const std::vector<models::DisputeRecord> once = r.disputes;
    REQUIRE_FALSE(once.empty());
    while (r.disputes.size() <= n)
        r.disputes.insert(r.disputes.end(), once.begin(), once.end());
    r.total.stats.disputes = static_cast<std::uint64_t>(
        std::count_if(r.disputes.begin(), r.disputes.end(),
                      [](const models::DisputeRecord& d) { return d.onset >= 0; }));
    return r;
}

} // namespace

TEST_CASE("a saved run's records are read a piece at a time and checked as they are read",
          "[checkpoint]") {
    const Small small;
    const auto run = with_many_records(models::run_experiment(small.scenarios, small.options())[1],
                                       2 * models::record_piece);
    const auto shape = small.plan.shape(1);
    const TempDir dir("govsim-checkpoint");
    const models::Checkpoint cp(dir.path() / "store", fingerprint("1"));
    cp.save(run);
    const fs::path file = cp.run_path(1);
    const std::string good = read_bytes(file);
    std::string problem;
    {
        auto streamed = cp.load_streamed(shape, &problem);
        INFO(problem);
        REQUIRE(streamed.has_value());
        CHECK(streamed->run.disputes.empty());
        CHECK(streamed->records.count == run.disputes.size());
        std::vector<std::size_t> pieces;
        std::vector<models::DisputeRecord> back;
        streamed->records.read([&](std::span<const models::DisputeRecord> piece) {
            pieces.push_back(piece.size());
            back.insert(back.end(), piece.begin(), piece.end());
        });
        const std::size_t n = run.disputes.size();
        CHECK(pieces == std::vector<std::size_t>{models::record_piece, models::record_piece,
                                                 n - 2 * models::record_piece});
        REQUIRE(back.size() == n);
        CHECK(std::memcmp(back.data(), run.disputes.data(), n * sizeof(models::DisputeRecord)) ==
              0);
        CHECK(cp.sound(shape));
    }
    // The records come first, after the header.
    const std::size_t records = header_bytes;

    SECTION("a flipped bit among the records: every piece is handed over, then the verdict") {
        std::string bad = good;
        const std::size_t at = records + run.disputes.size() / 2 * sizeof(models::DisputeRecord);
        bad[at] = static_cast<char>(bad[at] ^ 0x10);
        write_bytes(file, bad);
        auto streamed = cp.load_streamed(shape, &problem);
        REQUIRE(streamed.has_value()); // the head is sound
        std::size_t handed = 0;
        CHECK_THROWS_MATCHES(
            streamed->records.read(
                [&](std::span<const models::DisputeRecord> piece) { handed += piece.size(); }),
            models::DamagedRun,
            Catch::Matchers::Predicate<models::DamagedRun>([&](const models::DamagedRun& e) {
                const std::string m = e.what();
                return m.find("checksum") != std::string::npos &&
                       m.find(file.string()) != std::string::npos;
            }));
        CHECK(handed == run.disputes.size());
        CHECK_FALSE(cp.sound(shape, &problem));
        CHECK(problem.find("checksum") != std::string::npos);
        problem.clear();
        CHECK_FALSE(cp.load(shape, &problem).has_value());
        CHECK(problem.find("checksum") != std::string::npos);
    }
    SECTION("a reported record moved into the warm-up, with a valid checksum") {
        std::string bad = good;
        const double before = -1;
        std::memcpy(bad.data() + records + offsetof(models::DisputeRecord, onset), &before,
                    sizeof before);
        rechecksum(bad);
        write_bytes(file, bad);
        auto streamed = cp.load_streamed(shape, &problem);
        REQUIRE(streamed.has_value());
        CHECK_THROWS_WITH(streamed->records.read([](std::span<const models::DisputeRecord>) {}),
                          Catch::Matchers::Contains("dispute records") &&
                              Catch::Matchers::Contains(
                                  fmt::format("for {} disputes", run.total.stats.disputes)));
        CHECK_FALSE(cp.sound(shape));
    }
    SECTION("more records counted than the file can hold, with a valid checksum") {
        std::string bad = good;
        const std::uint64_t count = std::uint64_t{1} << 40;
        std::memcpy(bad.data() + bad.size() - sizeof count, &count, sizeof count);
        rechecksum(bad);
        write_bytes(file, bad);
        CHECK_FALSE(cp.load_streamed(shape, &problem).has_value());
        CHECK(problem.find("it counts 1099511627776 dispute records, more than") !=
              std::string::npos);
    }
}

/// Small's runs, every one saved to a store, and the provenance of their results file (a
/// fixture: TEST_CASE_METHOD).
struct SavedSmall {
    Small small;
    std::vector<models::RunResult> runs = models::run_experiment(small.scenarios, small.options());
    TempDir dir{"govsim-checkpoint"};
    models::Checkpoint cp{dir.path() / "store", fingerprint("1")};
    models::Provenance provenance;
    SavedSmall() {
        for (const auto& run : runs)
            cp.save(run);
        provenance.scenario_name = "small";
        provenance.seed = 17;
        provenance.replicates = 4;
    }
};

TEST_CASE_METHOD(SavedSmall,
                 "results assembled from a store with a damaged run fail and leave no file",
                 "[checkpoint]") {
    const models::StoredRuns stored(small.plan, cp);
    const fs::path path = dir.path() / "results.h5";
    const fs::path from_memory = dir.path() / "memory.h5";
    (void)models::write_results(from_memory.string(), provenance, models::MemoryRuns(runs), true);
    const auto csv = [](const fs::path& p) {
        std::string out;
        sim::ResultsReader(p).write_csv("disputes", [&](std::string_view s) { out += s; });
        return out;
    };

    // Its records, read from the store a piece at a time, are those of the runs in memory.
    (void)models::write_results(path.string(), provenance, stored, true);
    CHECK(csv(path) == csv(from_memory));
    fs::remove(path);

    // A flipped bit in run 2's records is found as they are read, with or without /disputes.
    const std::string good = read_bytes(cp.run_path(2));
    std::string bad = good;
    const std::size_t at = header_bytes + 10 * sizeof(models::DisputeRecord) + 2;
    REQUIRE(runs[2].disputes.size() > 10);
    bad[at] = static_cast<char>(bad[at] ^ 0x04);
    write_bytes(cp.run_path(2), bad);
    for (const bool disputes : {true, false}) {
        CHECK_THROWS_WITH(models::write_results(path.string(), provenance, stored, disputes),
                          Catch::Matchers::Contains("run 2") &&
                              Catch::Matchers::Contains("checksum") &&
                              Catch::Matchers::Contains("run the same command again"));
        CHECK_FALSE(fs::exists(path));
    }
}

TEST_CASE_METHOD(SavedSmall,
                 "a shard is written only from sound checkpoints, each verified as it is copied",
                 "[checkpoint]") {
    const fs::path shard = dir.path() / "part.h5";
    const std::vector<std::size_t> indices = small.plan.all();
    models::write_shard(shard.string(), provenance, small.plan, indices, 0, 1, cp);
    // The sound store's shard gives back the runs saved.
    const models::ShardRuns read({shard.string()});
    REQUIRE(read.runs() == runs.size());
    require_same(read.load(2), runs[2]);
    fs::remove(shard);

    // A flipped bit among run 2's records: found before the shard is committed.
    const std::string good = read_bytes(cp.run_path(2));
    REQUIRE(runs[2].disputes.size() > 10);
    std::string bad = good;
    const std::size_t at = header_bytes + 10 * sizeof(models::DisputeRecord) + 2;
    bad[at] = static_cast<char>(bad[at] ^ 0x04);
    write_bytes(cp.run_path(2), bad);
    CHECK_THROWS_WITH(
        models::write_shard(shard.string(), provenance, small.plan, indices, 0, 1, cp),
        Catch::Matchers::Contains(cp.run_path(2).string()) &&
            Catch::Matchers::Contains("checksum"));
    CHECK_FALSE(fs::exists(shard));

    // A run missing from the store.
    fs::remove(cp.run_path(2));
    CHECK_THROWS_WITH(
        models::write_shard(shard.string(), provenance, small.plan, indices, 0, 1, cp),
        Catch::Matchers::Contains(cp.run_path(2).string()) &&
            Catch::Matchers::Contains("it is missing"));
    CHECK_FALSE(fs::exists(shard));
}

TEST_CASE("a resumed experiment gives the results of an uninterrupted one, damaged runs redone",
          "[checkpoint]") {
    const Small small;
    const auto uninterrupted = models::run_experiment(small.scenarios, small.options());

    // An "interrupted" experiment: replicates 0, 1 and 3 were saved, and 3 was damaged since.
    const TempDir dir("govsim-checkpoint");
    const models::Checkpoint cp(dir.path() / "store", fingerprint("1"));
    for (const std::size_t i : {0, 1, 3})
        cp.save(uninterrupted[i]);
    std::string bytes = read_bytes(cp.run_path(3));
    bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 1);
    write_bytes(cp.run_path(3), bytes);

    const auto saved = models::check_saved(small.plan, small.plan.all(), cp);
    CHECK(saved.sound == std::vector<std::size_t>{0, 1});
    REQUIRE(saved.damaged.size() == 1);
    CHECK(saved.damaged.front().first == 3);

    auto o = small.options();
    o.checkpoint = &cp;
    const auto resumed = models::run_experiment(small.scenarios, o);
    CHECK(cp.saved() == 4); // the runs done now were saved as they finished
    CHECK(models::check_saved(small.plan, small.plan.all(), cp).damaged.empty());
    REQUIRE(resumed.size() == uninterrupted.size());
    for (std::size_t i = 0; i < resumed.size(); ++i)
        require_same(uninterrupted[i], resumed[i]);
}

TEST_CASE("a store is locked by its owner: a second owner is refused", "[checkpoint]") {
    const TempDir dir("govsim-checkpoint");
    const fs::path folder = dir.path() / "out.h5.partial";
    {
        const models::Checkpoint first(folder, fingerprint("1"));
        try {
            const models::Checkpoint second(folder, fingerprint("1"));
            FAIL("a second owner took the lock");
        } catch (const sim::OutputError& e) {
            const std::string message = e.what();
            CHECK(message.find("being written by another process") != std::string::npos);
            CHECK(message.find("out.h5'") != std::string::npos);
        }
        // A worker (another rank of the owner's job) needs no lock.
        CHECK_NOTHROW(
            models::Checkpoint(folder, fingerprint("1"), models::Checkpoint::Role::Worker));
    }
    // Released with its owner.
    CHECK_NOTHROW(models::Checkpoint(folder, fingerprint("1")));
}

TEST_CASE("an owner removes temporary files left by killed processes", "[checkpoint]") {
    const TempDir dir("govsim-checkpoint");
    const fs::path folder = dir.path() / "store";
    { const models::Checkpoint cp(folder, fingerprint("1")); }
    write_bytes(folder / "run-000004.bin.tmp-999999", "half a checkpoint");
    write_bytes(folder / "manifest.tmp-999998", "half a manifest");
    const models::Checkpoint cp(folder, fingerprint("1"));
    CHECK_FALSE(fs::exists(folder / "run-000004.bin.tmp-999999"));
    CHECK_FALSE(fs::exists(folder / "manifest.tmp-999998"));
    CHECK(cp.saved() == 0);
}

TEST_CASE("a worker requires the owner's store and manifest", "[checkpoint]") {
    const TempDir dir("govsim-checkpoint");
    CHECK_THROWS_AS(
        models::Checkpoint(dir.path() / "none", fingerprint("1"), models::Checkpoint::Role::Worker),
        sim::OutputError);
    { const models::Checkpoint owner(dir.path() / "store", fingerprint("1")); }
    CHECK_THROWS_AS(models::Checkpoint(dir.path() / "store", fingerprint("2"),
                                       models::Checkpoint::Role::Worker),
                    sim::OutputError);
}

TEST_CASE("only a complete run passes check_complete", "[checkpoint]") {
    const Small small;
    const auto run = models::run_experiment(small.scenarios, small.options())[1];
    const auto shape = small.plan.shape(1);
    CHECK_NOTHROW(models::check_complete(run, shape));
    auto cut = run;
    cut.daily.pop_back();
    CHECK_THROWS_AS(models::check_complete(cut, shape), std::logic_error);
    cut = run;
    cut.disputes.pop_back();
    CHECK_THROWS_AS(models::check_complete(cut, shape), std::logic_error);
    cut = run;
    cut.key.replicate = 2;
    CHECK_THROWS_AS(models::check_complete(cut, shape), std::logic_error);
    cut = run;
    cut.monthly.clear();
    CHECK_THROWS_AS(models::check_complete(cut, shape), std::logic_error);
}

TEST_CASE("fingerprints round-trip through their text and name their first difference",
          "[checkpoint]") {
    const auto a = fingerprint("1");
    const auto parsed = models::Fingerprint::parse(a.text());
    REQUIRE(parsed.has_value());
    CHECK(parsed->text() == a.text());
    CHECK(parsed->hash() == a.hash());
    CHECK_FALSE(a.first_difference(*parsed).has_value());
    const auto diff = a.first_difference(fingerprint("2"));
    REQUIRE(diff.has_value());
    CHECK(std::get<0>(*diff) == "seed");
    CHECK_FALSE(models::Fingerprint::parse("something else").has_value());
    models::Fingerprint f;
    CHECK_THROWS_AS(f.add("two\nlines", "x"), std::invalid_argument);
}

namespace {
#if defined(__has_builtin)
#if __has_builtin(__builtin_clear_padding)
#define GOVSIM_HAVE_CLEAR_PADDING 1
/// Whether T has bytes that are no member's (padding): a checkpoint writes a row's bytes as they
/// are, and padding bytes hold whatever the memory held, so two checkpoints of one run could
/// differ. Fills a T with 0xFF and asks the compiler to clear its padding.
template <class T>
bool has_padding() {
    static_assert(std::is_trivially_copyable_v<T>);
    alignas(T) unsigned char filled[sizeof(T)];
    std::memset(filled, 0xFF, sizeof filled);
    alignas(T) unsigned char cleared[sizeof(T)];
    std::memcpy(cleared, filled, sizeof cleared);
    __builtin_clear_padding(reinterpret_cast<T*>(cleared));
    return std::memcmp(filled, cleared, sizeof(T)) != 0;
}
#endif
#endif
} // namespace

TEST_CASE("rows a checkpoint writes byte for byte have no padding bytes", "[checkpoint]") {
#ifdef GOVSIM_HAVE_CLEAR_PADDING
    struct Padded {
        int a;
        double b;
    };
    REQUIRE(has_padding<Padded>()); // the check finds padding where there is some
    CHECK_FALSE(has_padding<models::YearRow>());
    CHECK_FALSE(has_padding<models::CategoryYearRow>());
    CHECK_FALSE(has_padding<models::DailyRow>());
    CHECK_FALSE(has_padding<models::MonthlyRow>());
    CHECK_FALSE(has_padding<models::DisputeRecord>());
    CHECK_FALSE(has_padding<models::EquityRow>());
    CHECK_FALSE(has_padding<models::DisputeStats>());
    CHECK_FALSE(has_padding<models::InstitutionStats>());
    CHECK_FALSE(has_padding<models::Resources>());
#else
    WARN("this compiler has no __builtin_clear_padding: not checked (GCC 11 or later checks it)");
#endif
}
