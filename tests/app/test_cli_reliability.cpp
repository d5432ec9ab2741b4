// Nothing wrong, nothing lost (issue #11), as a user meets it: outputs that would destroy data
// are refused, a full disk exits 2 with the reason and no crash, saved runs are reused only when
// sound and never deleted silently, a second invocation on the same output refuses, and
// temporary files of killed processes are removed. Every recovery ends in the file an
// uninterrupted run writes.
#include "common/hdf5_reading.hpp"
#include "common/run_govsim.hpp"
#include "common/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
using govsim::test::dataset_bytes;
using govsim::test::TempDir;

namespace {

struct Outcome {
    int status; ///< exit status, or 128 + signal if killed by one
    std::string out, err;
};

/// Runs `prefix govsim args` through the shell in `dir` (e.g. prefix "ulimit -f 40;").
Outcome govsim_in(const fs::path& dir, const std::string& args, const std::string& prefix = "") {
    // Atomic: two threads call this at once (the test of a second invocation), and each must
    // have files of its own (the thread sanitizer found the plain counter's race).
    static std::atomic<int> counter{0};
    const int n = counter++;
    const auto out = dir / fmt::format("stdout-{}.txt", n),
               err = dir / fmt::format("stderr-{}.txt", n);
    const std::string command =
        fmt::format("cd '{}' && ( {} exec {} {} ) >'{}' 2>'{}' </dev/null", dir.string(), prefix,
                    GOVSIM_BINARY, args, out.string(), err.string());
    const int raw = std::system(command.c_str()); // through sh -c
    int status = -1;
    if (WIFEXITED(raw))
        status = WEXITSTATUS(raw);
    const Outcome o{status, govsim::test::slurp(out), govsim::test::slurp(err)};
    fs::remove(out);
    fs::remove(err);
    return o;
}

std::size_t lines(const std::string& s) {
    return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
}

/// A small scenario (3 replicates of a shrunk Lishui) in `dir`, without a warm-up so that a
/// checkpoint stays small enough for the file-size limits below.
void write_scenario(const fs::path& dir, int replicates = 3) {
    std::ofstream(dir / "small.toml")
        << "include = [\"" << GOVSIM_SOURCE_DIR << "/scenarios/lishui-baseline.toml\"]\n"
        << "[town]\nresidents_at_full_occupancy = 20000\n"
        << "communities = 4\n[run]\nyears = 1\nwarmup_years = 0\nreplicates = " << replicates
        << "\nseed = 5\n";
}

/// Every dataset byte-identical (in /runs, the time field wall_seconds excepted).
void require_same_results(const fs::path& a, const fs::path& b) {
    for (const char* name :
         {"/summary", "/summary_by_category", "/daily", "/monthly", "/comparison"}) {
        INFO(name);
        CHECK(dataset_bytes(a, name) == dataset_bytes(b, name));
    }
    using govsim::test::Id;
    const Id fa(H5Fopen(a.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    const Id fb(H5Fopen(b.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    for (const char* column : {"index", "replicate", "units"})
        CHECK(
            govsim::test::read_column<std::uint32_t>(fa.get(), "runs", column, H5T_NATIVE_UINT32) ==
            govsim::test::read_column<std::uint32_t>(fb.get(), "runs", column, H5T_NATIVE_UINT32));
    CHECK(govsim::test::read_string_column(fa.get(), "runs", "town") ==
          govsim::test::read_string_column(fb.get(), "runs", "town"));
}

std::vector<std::string> entries(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir))
        names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

std::string read_bytes(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// Makes every run's checkpoint and then fails the final write (a full disk simulated with a
/// file-size limit): leaves out.h5.partial/ with every run saved.
void leave_saved_runs(const fs::path& dir) {
    // 80 KiB (sh counts 512-byte blocks): each checkpoint (about 43 KB) fits, the results file
    // (about 110 KB) does not.
    const auto r = govsim_in(dir, "run small.toml -o out.h5 -q", "trap '' XFSZ; ulimit -f 160;");
    INFO(r.err);
    REQUIRE(r.status == 2);
    REQUIRE(fs::exists(dir / "out.h5.partial/run-000002.bin"));
}

} // namespace

TEST_CASE("outputs that would destroy data are refused before any simulation", "[cli][outputs]") {
    const TempDir dir("govsim-cli-reliability");
    write_scenario(dir.path());
    const std::string before = read_bytes(dir.path() / "small.toml");
    struct Case {
        std::string args;
        std::string message;
    };
    REQUIRE(::mkfifo((dir.path() / "fifo.h5").c_str(), 0600) == 0);
    std::ofstream(dir.path() / "target.h5") << "keep me";
    fs::create_symlink("target.h5", dir.path() / "link.h5");
    const Case cases[] = {
        {"-o results.csv", "the results file 'results.csv' and the CSV table"},
        {"-o x.h5 --csv x.h5", "the results file 'x.h5' and the CSV table 'x.h5'"},
        {"-o small.toml", "it is the input file 'small.toml'"},
        {"-o out.h5 --csv small.toml", "it is the input file 'small.toml'"},
        {"-o ./sub/../small.toml", "it is the input file"},
        {"-o fifo.h5", "is a FIFO (named pipe), not a regular file"},
        {"-o link.h5", "is a symbolic link, not a regular file"},
        {"-o /dev/null", "is a character device, not a regular file"},
        {"-o out.h5 --csv /dev/full", "is a character device, not a regular file"},
        {"-o .", "a directory"},
        {"-o missing-dir/out.h5", "does not exist"},
    };
    fs::create_directory(dir.path() / "sub");
    for (const Case& c : cases) {
        INFO(c.args);
        const auto r = govsim_in(dir.path(), "run small.toml -q " + c.args);
        CHECK(r.status == 2);
        CHECK(lines(r.err) == 1);
        CHECK(r.err.find(c.message) != std::string::npos);
        INFO(r.err);
    }
    CHECK(read_bytes(dir.path() / "small.toml") == before);
    CHECK(read_bytes(dir.path() / "target.h5") == "keep me");
    CHECK(fs::is_symlink(dir.path() / "link.h5"));
    for (const auto& name : entries(dir.path()))
        CHECK(
            (name.find(".partial") == std::string::npos && name.find(".tmp") == std::string::npos));
}

TEST_CASE("command-line numbers are range-checked", "[cli][limits]") {
    const TempDir dir("govsim-cli-reliability");
    write_scenario(dir.path());
    for (const std::string bad :
         {"--seed -1", "--seed 9223372036854775808", "--seed 18446744073709551616", "--seed 1e3",
          "--seed 12abc", "--replicates 0", "--replicates 100001", "--replicates 4294967297",
          "--replicates -1", "--threads 0", "--threads 1025", "--threads 18446744073709551617",
          "--progress-every 0", "--progress-every nan"}) {
        INFO(bad);
        const auto r = govsim_in(dir.path(), "run small.toml -o out.h5 -q " + bad);
        CHECK(r.status == 2);
        CHECK_FALSE(fs::exists(dir.path() / "out.h5"));
    }
    CHECK(govsim_in(dir.path(), "run small.toml -o out.h5 -q --seed 9223372036854775807").status ==
          0);
}

TEST_CASE("a full disk exits 2 with the reason, keeps finished runs, and a rerun completes",
          "[cli][faults]") {
    const TempDir dir("govsim-cli-reliability");
    write_scenario(dir.path());
    REQUIRE(govsim_in(dir.path(), "run small.toml -o reference.h5 -q").status == 0);
    for (const int blocks : {4, 40, 80, 120}) {
        INFO("file size limit " << blocks << " blocks");
        const auto r = govsim_in(dir.path(), "run small.toml -o out.h5 -q",
                                 fmt::format("trap '' XFSZ; ulimit -f {};", blocks));
        INFO(r.err);
        // Either it fitted, or it failed cleanly: exit 2 (never a signal), one line, the reason.
        if (r.status != 0) {
            CHECK(r.status == 2);
            CHECK(lines(r.err) == 1);
            CHECK(r.err.find("File too large") != std::string::npos);
            CHECK_FALSE(fs::exists(dir.path() / "out.h5"));
        }
        for (const auto& name : entries(dir.path()))
            CHECK(name.find(".tmp-") == std::string::npos);
        const auto again = govsim_in(dir.path(), "run small.toml -o out.h5 -q");
        INFO(again.err);
        REQUIRE(again.status == 0);
        require_same_results(dir.path() / "reference.h5", dir.path() / "out.h5");
        CHECK_FALSE(fs::exists(dir.path() / "out.h5.partial"));
        fs::remove(dir.path() / "out.h5");
    }
}

TEST_CASE("damaged, truncated and foreign checkpoints are run again with a warning",
          "[cli][faults]") {
    const TempDir dir("govsim-cli-reliability");
    write_scenario(dir.path());
    REQUIRE(govsim_in(dir.path(), "run small.toml -o reference.h5 -q").status == 0);
    leave_saved_runs(dir.path());
    const fs::path store = dir.path() / "out.h5.partial";
    // Damage run 0 (a flipped bit), truncate run 1, and replace run 2 by run 2 of another seed.
    std::string zero = read_bytes(store / "run-000000.bin");
    zero[zero.size() / 2] = static_cast<char>(zero[zero.size() / 2] ^ 4);
    std::ofstream(store / "run-000000.bin", std::ios::binary | std::ios::trunc) << zero;
    const std::string one = read_bytes(store / "run-000001.bin");
    std::ofstream(store / "run-000001.bin", std::ios::binary | std::ios::trunc)
        << one.substr(0, one.size() / 3);
    const auto other = govsim_in(dir.path(), "run small.toml -o other.h5 -q --seed 6",
                                 "trap '' XFSZ; ulimit -f 160;");
    REQUIRE(other.status == 2);
    fs::copy_file(dir.path() / "other.h5.partial/run-000002.bin", store / "run-000002.bin",
                  fs::copy_options::overwrite_existing);

    const auto r = govsim_in(dir.path(), "run small.toml -o out.h5 -q");
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(lines(r.err) == 3);
    CHECK(r.err.find("run 0 (town 'lishui', model 'baseline', replicate 0) is damaged") !=
          std::string::npos);
    CHECK(r.err.find("checksum") != std::string::npos);
    CHECK(r.err.find("bytes long") != std::string::npos);
    CHECK(r.err.find("another experiment") != std::string::npos);
    require_same_results(dir.path() / "reference.h5", dir.path() / "out.h5");
}

TEST_CASE("a rerun of another seed or replicate count never deletes saved runs", "[cli][faults]") {
    const TempDir dir("govsim-cli-reliability");
    write_scenario(dir.path());
    leave_saved_runs(dir.path());
    const fs::path store = dir.path() / "out.h5.partial";
    const auto saved = entries(store);
    for (const std::string& args :
         {std::string("--seed 6"), std::string("--replicates 2"), std::string("--disputes")}) {
        INFO(args);
        const auto r = govsim_in(dir.path(), "run small.toml -o out.h5 -q " + args);
        CHECK(r.status == 2);
        CHECK(lines(r.err) == 1);
        CHECK(r.err.find("nothing was deleted") != std::string::npos);
        CHECK(entries(store) == saved);
    }
    const auto r = govsim_in(dir.path(), "run small.toml -o out.h5 -q --seed 6");
    CHECK(r.err.find("its seed is 5, now 6") != std::string::npos);
    // The same command resumes, and says what it reused.
    const auto resumed = govsim_in(dir.path(), "run small.toml -o out.h5");
    CHECK(resumed.status == 0);
    CHECK(resumed.err.find("resuming: 3 of 3 runs reused") != std::string::npos);
}

TEST_CASE("a second invocation on the same output refuses while the first runs", "[cli][faults]") {
    const TempDir dir("govsim-cli-reliability");
    write_scenario(dir.path(), 24); // long enough (with one thread) to be caught running
    REQUIRE(govsim_in(dir.path(), "run small.toml -o reference.h5 -q").status == 0);
    // The first holds the lock for its whole run; the second starts while it runs.
    Outcome first{}, second{};
    std::thread a(
        [&] { first = govsim_in(dir.path(), "run small.toml -o out.h5 -q --threads 1"); });
    for (int i = 0; i < 2000 && !fs::exists(dir.path() / "out.h5.partial/manifest"); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    second = govsim_in(dir.path(), "run small.toml -o out.h5 -q");
    a.join();
    CHECK(first.status == 0);
    CHECK(second.status == 2);
    CHECK(lines(second.err) == 1);
    CHECK(second.err.find("'out.h5' is being written by another process (pid ") !=
          std::string::npos);
    require_same_results(dir.path() / "reference.h5", dir.path() / "out.h5");
}

TEST_CASE("temporary files of killed processes are removed", "[cli][faults]") {
    const TempDir dir("govsim-cli-reliability");
    write_scenario(dir.path());
    leave_saved_runs(dir.path());
    for (const char* name :
         {"out.h5.tmp-999999", "out.csv.tmp-12", "out.h5.partial/run-000001.bin.tmp-7",
          "out.h5.partial/manifest.tmp-3"})
        std::ofstream(dir.path() / name) << "left by a killed process";
    std::ofstream(dir.path() / "other.h5.tmp-5") << "not ours";
    const auto r = govsim_in(dir.path(), "run small.toml -o out.h5 -q");
    REQUIRE(r.status == 0);
    const auto left = entries(dir.path());
    CHECK(left == std::vector<std::string>{"other.h5.tmp-5", "out.csv", "out.h5", "small.toml"});
}

TEST_CASE("progress lines go to a log, with runs done and time left", "[cli]") {
    const TempDir dir("govsim-cli-reliability");
    write_scenario(dir.path(), 4);
    // Runs long enough (a larger town, three years) that progress is reported between them.
    std::ofstream(dir.path() / "longer.toml")
        << "include = [\"small.toml\"]\n[town]\nresidents_at_full_occupancy = 200000\n"
        << "communities = 20\n[run]\nyears = 3\n";
    const auto r = govsim_in(dir.path(), "run longer.toml -o out.h5 --progress-every 0.01");
    REQUIRE(r.status == 0);
    CHECK(r.err.find("runs done (") != std::string::npos);
    CHECK(r.err.find("left") != std::string::npos);
    CHECK(r.err.find("lishui-baseline: 4/4 runs done in") != std::string::npos);
    CHECK(r.err.find('\r') == std::string::npos); // no terminal redraws in a log
    const auto quiet = govsim_in(dir.path(), "run small.toml -o out.h5 -q");
    CHECK(quiet.err.empty());
}
