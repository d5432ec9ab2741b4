// Scale-out and reproducibility (issue #9, items 6-8) as a user meets them: mpirun over 1, 2 and
// 3 ranks, shards of a job array merged, and `govsim reproduce`, each giving a results file whose
// every dataset is bit-identical to one process's; the provenance that makes reproduction
// possible; the `ranks` and `shards` attributes telling the truth.
#include "common/hdf5_reading.hpp"
#include "common/run_govsim.hpp"
#include "common/temp_dir.hpp"
#include "sim/command_line.hpp"
#include "sim/results_file.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <sys/wait.h>

namespace fs = std::filesystem;
using govsim::test::TempDir;

namespace {

using govsim::test::Outcome;
using govsim::test::shell_in;

/// An experiment of two towns x two models, 3 replicates (12 runs), with includes relative to
/// the experiment file (so that its tree can be rebuilt elsewhere) and one absolute.
void write_experiment(const fs::path& dir) {
    fs::create_directories(dir / "scenarios" / "towns");
    const std::string shipped = std::string(GOVSIM_SOURCE_DIR) + "/scenarios/";
    std::ofstream(dir / "scenarios" / "towns" / "small-lishui.toml")
        << "include = [\"" << shipped << "towns/lishui.toml\"]\n"
        << "[town]\nresidents_at_full_occupancy = 18000\ncommunities = 3\n";
    std::ofstream(dir / "scenarios" / "towns" / "small-dali.toml")
        << "include = [\"" << shipped << "towns/dali.toml\"]\n"
        << "[town]\nresidents_at_full_occupancy = 15000\ncommunities = 3\n";
    std::ofstream(dir / "scenarios" / "experiment.toml")
        << "include = [\"" << shipped << "parameters/nanhai.toml\"]\n"
        << "[experiment]\ntowns = [\"towns/small-lishui.toml\", \"towns/small-dali.toml\"]\n"
        << "models = [\"" << shipped << "models/baseline.toml\", \"" << shipped
        << "models/denghu.toml\"]\n"
        << "[run]\nname = \"scale-out\"\nstart_year = 2014\nyears = 1\nwarmup_years = "
           "0\nreplicates = 3\n"
        << "seed = 21\n";
}

/// No dataset differs (the time field /runs.wall_seconds excepted).
void require_identical(const fs::path& a, const fs::path& b) {
    const auto differences = govsim::sim::compare_datasets(a, b, {"wall_seconds"});
    for (const auto& d : differences)
        INFO(d.dataset << ": " << d.what);
    CHECK(differences.empty());
    CHECK(govsim::sim::ResultsReader(a).datasets().size() >= 7);
}

std::uint64_t attribute(const fs::path& file, const char* name) {
    return govsim::sim::ResultsReader(file).uint_attribute(name);
}

} // namespace

#ifdef GOVSIM_MPIEXEC
TEST_CASE("mpirun over 1, 2 and 3 ranks gives the file of one process", "[cli][mpi]") {
    const TempDir dir("govsim-scale-out");
    write_experiment(dir.path());
    const auto one = shell_in(dir.path(), "$G run scenarios/experiment.toml -o one.h5 --disputes");
    REQUIRE(one.status == 0);
    CHECK(attribute(dir.path() / "one.h5", "ranks") == 1);
    // What is printed, but the last line (times and file names).
    const auto table = [](const std::string& out) { return out.substr(0, out.rfind(" runs in ")); };
    for (const int n : {1, 2, 3}) {
        INFO(n << " ranks");
        const std::string out = fmt::format("ranks-{}.h5", n);
        // Leak checking is off for these processes: Open MPI keeps memory until exit.
        const auto r = shell_in(
            dir.path(), fmt::format("{} --allow-run-as-root --oversubscribe -np {} -x "
                                    "ASAN_OPTIONS=detect_leaks=0 $G run scenarios/experiment.toml "
                                    "-o {} --disputes --progress-every 0.01",
                                    GOVSIM_MPIEXEC, n, out));
        INFO(r.err);
        REQUIRE(r.status == 0);
        require_identical(dir.path() / "one.h5", dir.path() / out);
        CHECK(attribute(dir.path() / out, "ranks") == static_cast<std::uint64_t>(n));
        // The comparison, printed once (by the first rank), and the last progress line too.
        CHECK(table(r.out) == table(one.out));
        CHECK(r.err.find("runs done in") != std::string::npos);
        CHECK(r.err.find("runs done in") == r.err.rfind("runs done in"));
        CHECK_FALSE(fs::exists(dir.path() / (out + ".partial")));
    }
}

TEST_CASE("mpirun with shared histories and dispute records gives the file of one process",
          "[cli][mpi]") {
    // With a policy start, the models on a town share their days before it: each rank builds
    // the histories its runs need and keeps their records in a file of the shared store.
    const TempDir dir("govsim-scale-out");
    write_experiment(dir.path());
    const std::string shipped = std::string(GOVSIM_SOURCE_DIR) + "/scenarios/";
    std::ofstream(dir.path() / "scenarios" / "history.toml")
        << "include = [\"" << shipped << "parameters/nanhai.toml\"]\n"
        << "[experiment]\ntowns = [\"towns/small-lishui.toml\", \"towns/small-dali.toml\"]\n"
        << "models = [\"" << shipped << "models/baseline.toml\", \"" << shipped
        << "models/denghu.toml\"]\n"
        << "[model]\npolicy_start = 2014-07-01\n"
        << "[run]\nname = \"shared-history\"\nstart_year = 2014\nyears = 2\nwarmup_years = 0\n"
        << "replicates = 3\nseed = 21\n";
    const auto one = shell_in(dir.path(), "$G run scenarios/history.toml -o one.h5 -q --disputes");
    INFO(one.err);
    REQUIRE(one.status == 0);
    const auto r = shell_in(
        dir.path(), fmt::format("{} --allow-run-as-root --oversubscribe -np 2 -x "
                                "ASAN_OPTIONS=detect_leaks=0 $G run scenarios/history.toml -o "
                                "two.h5 -q --disputes",
                                GOVSIM_MPIEXEC));
    INFO(r.err);
    REQUIRE(r.status == 0);
    require_identical(dir.path() / "one.h5", dir.path() / "two.h5");
    CHECK(govsim::sim::ResultsReader(dir.path() / "two.h5").rows("disputes") > 0);
    CHECK_FALSE(fs::exists(dir.path() / "two.h5.partial"));
}

TEST_CASE("mpirun resumes runs saved by one process and reports a failure once", "[cli][mpi]") {
    const TempDir dir("govsim-scale-out");
    write_experiment(dir.path());
    REQUIRE(shell_in(dir.path(), "$G run scenarios/experiment.toml -o one.h5 -q").status == 0);
    // A one-process run whose results file could not be written leaves every run saved.
    const auto failed = shell_in(dir.path(), "trap '' XFSZ; ulimit -f 100; exec $G run "
                                             "scenarios/experiment.toml -o out.h5 -q");
    REQUIRE(failed.status == 2);
    const auto r =
        shell_in(dir.path(), fmt::format("{} --allow-run-as-root --oversubscribe -np 2 -x "
                                         "ASAN_OPTIONS=detect_leaks=0 $G run "
                                         "scenarios/experiment.toml -o out.h5",
                                         GOVSIM_MPIEXEC));
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(r.err.find("resuming: 12 of 12 runs reused") != std::string::npos);
    require_identical(dir.path() / "one.h5", dir.path() / "out.h5");
    // A bad output is reported once, with exit status 2.
    const auto bad =
        shell_in(dir.path(), fmt::format("{} --allow-run-as-root --oversubscribe -np 3 -x "
                                         "ASAN_OPTIONS=detect_leaks=0 $G run "
                                         "scenarios/experiment.toml -o missing/out.h5 -q",
                                         GOVSIM_MPIEXEC));
    CHECK(bad.status == 2);
    // Printed once by govsim (mpirun adds its own notice of the exit status).
    CHECK(bad.err.find("error: cannot write results file 'missing/out.h5'") != std::string::npos);
    CHECK(bad.err.find("error: ") == bad.err.rfind("error: "));
}
#endif

TEST_CASE("shards of a job array merge into the file of one process", "[cli][shards]") {
    const TempDir dir("govsim-scale-out");
    write_experiment(dir.path());
    REQUIRE(
        shell_in(dir.path(), "$G run scenarios/experiment.toml -o one.h5 -q --disputes").status ==
        0);
    for (int k = 1; k <= 3; ++k)
        REQUIRE(shell_in(dir.path(), fmt::format("$G run scenarios/experiment.toml --disputes -q "
                                                 "--shard {}/3 -o shard-{}.h5",
                                                 k, k))
                    .status == 0);
    const auto merged =
        shell_in(dir.path(), "$G merge -o merged.h5 shard-3.h5 shard-1.h5 shard-2.h5");
    INFO(merged.err);
    REQUIRE(merged.status == 0);
    CHECK(merged.out.find("3 shards merged into merged.h5") != std::string::npos);
    require_identical(dir.path() / "one.h5", dir.path() / "merged.h5");
    CHECK(attribute(dir.path() / "merged.h5", "shards") == 3);
    CHECK(attribute(dir.path() / "merged.h5", "ranks") == 1);
    const std::string command =
        govsim::sim::ResultsReader(dir.path() / "merged.h5").string_attribute("command_line");
    CHECK(command.find("--shard") == std::string::npos);
    CHECK(govsim::test::slurp(dir.path() / "merged.csv") ==
          govsim::test::slurp(dir.path() / "one.csv"));

    SECTION("a missing, repeated or foreign shard is refused") {
        auto r = shell_in(dir.path(), "$G merge -o m.h5 shard-1.h5 shard-2.h5");
        CHECK(r.status == 2);
        CHECK(r.err.find("shard 3/3 is missing") != std::string::npos);
        r = shell_in(dir.path(), "$G merge -o m.h5 shard-1.h5 shard-2.h5 shard-2.h5 shard-3.h5");
        CHECK(r.status == 2);
        CHECK(r.err.find("given twice") != std::string::npos);
        REQUIRE(shell_in(dir.path(), "$G run scenarios/experiment.toml --disputes -q --seed 22 "
                                     "--shard 2/3 -o other-2.h5")
                    .status == 0);
        r = shell_in(dir.path(), "$G merge -o m.h5 shard-1.h5 other-2.h5 shard-3.h5");
        CHECK(r.status == 2);
        CHECK(r.err.find("another experiment") != std::string::npos);
        CHECK(r.err.find("seed") != std::string::npos);
        r = shell_in(dir.path(), "$G merge -o m.h5 shard-1.h5 one.h5 shard-3.h5");
        CHECK(r.status == 2);
        CHECK(r.err.find("not a govsim shard file") != std::string::npos);
        r = shell_in(dir.path(), "$G merge -o shard-1.h5 shard-1.h5 shard-2.h5 shard-3.h5");
        CHECK(r.status == 2);
        CHECK_FALSE(fs::exists(dir.path() / "m.h5"));
    }
    SECTION("a damaged record is found, never merged") {
        // A byte in the first run's dispute records (which merge reads a piece at a time, after
        // the run's other rows were written), or in the last run's head.
        const bool in_records = GENERATE(true, false);
        INFO((in_records ? "in the records" : "in the head"));
        {
            using govsim::test::Id;
            const Id file(H5Fopen((dir.path() / "shard-2.h5").c_str(), H5F_ACC_RDWR, H5P_DEFAULT),
                          H5Fclose);
            const Id data(H5Dopen2(file.get(), "shard_records", H5P_DEFAULT), H5Dclose);
            const Id space(H5Dget_space(data.get()), H5Sclose);
            hsize_t size = 0;
            REQUIRE(H5Sget_simple_extent_dims(space.get(), &size, nullptr) == 1);
            const hsize_t at = in_records ? 200 : size - 20, one = 1;
            REQUIRE(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, &at, nullptr, &one, nullptr) >=
                    0);
            const Id memory(H5Screate_simple(1, &one, nullptr), H5Sclose);
            unsigned char byte = 0;
            REQUIRE(H5Dread(data.get(), H5T_NATIVE_UCHAR, memory.get(), space.get(), H5P_DEFAULT,
                            &byte) >= 0);
            byte ^= 0x40;
            REQUIRE(H5Dwrite(data.get(), H5T_NATIVE_UCHAR, memory.get(), space.get(), H5P_DEFAULT,
                             &byte) >= 0);
        }
        const auto r = shell_in(dir.path(), "$G merge -o m.h5 shard-1.h5 shard-2.h5 shard-3.h5");
        INFO(r.err);
        CHECK(r.status == 2);
        CHECK(r.err.find("damaged") != std::string::npos);
        CHECK_FALSE(fs::exists(dir.path() / "m.h5"));
    }
    SECTION("a bad --shard is refused") {
        for (const char* bad : {"0/3", "4/3", "3", "1/0", "a/b", "1/3/2", "-1/3"}) {
            INFO(bad);
            CHECK(shell_in(dir.path(), fmt::format("$G run scenarios/experiment.toml -q "
                                                   "--shard {} -o s.h5",
                                                   bad))
                      .status == 2);
        }
    }
}

TEST_CASE("a results file records each scenario file, the command and the build", "[cli]") {
    const TempDir dir("govsim-scale-out");
    write_experiment(dir.path());
    REQUIRE(shell_in(dir.path(), "$G run scenarios/experiment.toml -o 'with space.h5' -q "
                                 "--seed 7")
                .status == 0);
    const govsim::sim::ResultsReader file(dir.path() / "with space.h5");
    const auto paths = file.string_column("scenario_files", "path");
    const auto texts = file.string_column("scenario_files", "text");
    REQUIRE(paths.size() == texts.size());
    CHECK(std::find(paths.begin(), paths.end(), "scenarios/experiment.toml") != paths.end());
    CHECK(std::find(paths.begin(), paths.end(), "scenarios/towns/small-dali.toml") != paths.end());
    for (std::size_t i = 0; i < paths.size(); ++i) {
        INFO(paths[i]);
        const fs::path p =
            fs::path(paths[i]).is_absolute() ? fs::path(paths[i]) : dir.path() / paths[i];
        CHECK(texts[i] == govsim::test::slurp(p)); // each file's exact text
    }
    const auto argv = govsim::sim::split_command(file.string_attribute("command_line"));
    CHECK(argv == std::vector<std::string>{GOVSIM_BINARY, "run", "scenarios/experiment.toml", "-o",
                                           "with space.h5", "-q", "--seed", "7"});
    CHECK(file.string_attribute("working_directory") == fs::canonical(dir.path()).string());
    const std::string commit = file.string_attribute("git_commit");
    CHECK((commit.size() == 40 || commit == "unknown"));
    CHECK(file.string_attribute("version").find("(git ") != std::string::npos);
    CHECK(file.uint_attribute("git_dirty") <= 1);
    CHECK(file.uint_attribute("ranks") == 1);
    CHECK(file.uint_attribute("shards") == 1);
}

TEST_CASE("govsim reproduce rebuilds the scenario, reruns it and finds every dataset identical",
          "[cli][reproduce]") {
    const TempDir dir("govsim-scale-out");
    write_experiment(dir.path());
    REQUIRE(shell_in(dir.path(), "$G run scenarios/experiment.toml -o out.h5 -q --disputes "
                                 "--threads 1")
                .status == 0);
    // Reproduced from elsewhere, with the scenario files gone: only the results file is needed.
    fs::rename(dir.path() / "scenarios", dir.path() / "moved");
    const fs::path again = dir.path() / "again";
    auto r = shell_in(dir.path(), "$G reproduce out.h5 --folder again --threads 2");
    INFO(r.out << r.err);
    REQUIRE(r.status == 0);
    CHECK(r.out.find("reproduced: every dataset of out.h5") != std::string::npos);
    CHECK(fs::exists(again / "scenario" / "here" / "scenarios" / "experiment.toml"));
    CHECK(govsim::test::slurp(again / "scenario" / "here" / "scenarios" / "towns" /
                              "small-lishui.toml") ==
          govsim::test::slurp(dir.path() / "moved" / "towns" / "small-lishui.toml"));
    require_identical(dir.path() / "out.h5", again / "results.h5");

    SECTION("a changed dataset is found") {
        {
            using govsim::test::Id;
            const Id file(H5Fopen((dir.path() / "out.h5").c_str(), H5F_ACC_RDWR, H5P_DEFAULT),
                          H5Fclose);
            const Id data(H5Dopen2(file.get(), "summary", H5P_DEFAULT), H5Dclose);
            // The first row's disputes, plus one.
            const Id type(H5Tcreate(H5T_COMPOUND, sizeof(std::uint64_t)), H5Tclose);
            REQUIRE(H5Tinsert(type.get(), "disputes", 0, H5T_NATIVE_UINT64) >= 0);
            const Id space(H5Dget_space(data.get()), H5Sclose);
            const hsize_t at = 0, one = 1;
            REQUIRE(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, &at, nullptr, &one, nullptr) >=
                    0);
            const Id memory(H5Screate_simple(1, &one, nullptr), H5Sclose);
            std::uint64_t disputes = 0;
            REQUIRE(H5Dread(data.get(), type.get(), memory.get(), space.get(), H5P_DEFAULT,
                            &disputes) >= 0);
            ++disputes;
            REQUIRE(H5Dwrite(data.get(), type.get(), memory.get(), space.get(), H5P_DEFAULT,
                             &disputes) >= 0);
        }
        // Without --folder, the rerun goes to a temporary folder (here under tmp/), which is
        // kept when the files differ, for a look at the rerun.
        fs::create_directory(dir.path() / "tmp");
        r = shell_in(dir.path(), "TMPDIR=\"$PWD/tmp\" $G reproduce out.h5 -q");
        CHECK(r.status == 3);
        CHECK(r.out.find("NOT reproduced: 1 dataset") != std::string::npos);
        CHECK(r.out.find("/summary: the contents differ, first at row 0") != std::string::npos);
        std::vector<fs::path> kept;
        for (const auto& e : fs::directory_iterator(dir.path() / "tmp"))
            kept.push_back(e.path());
        REQUIRE(kept.size() == 1);
        CHECK(kept[0].filename().string().rfind("govsim-reproduce-", 0) == 0);
        CHECK(fs::exists(kept[0] / "results.h5"));
        CHECK(r.out.find((kept[0] / "results.h5").string()) != std::string::npos);
    }
    SECTION("a folder that is not new, and a shard file, are refused") {
        r = shell_in(dir.path(), "$G reproduce out.h5 --folder again");
        CHECK(r.status == 2);
        CHECK(r.err.find("not an empty folder") != std::string::npos);
        REQUIRE(
            shell_in(dir.path(), "$G run moved/experiment.toml --shard 1/2 -o s.h5 -q").status ==
            0);
        r = shell_in(dir.path(), "$G reproduce s.h5");
        CHECK(r.status == 2);
        CHECK(r.err.find("is a shard file") != std::string::npos);
    }
}

TEST_CASE("a merged file reproduces in one process", "[cli][reproduce][shards]") {
    const TempDir dir("govsim-scale-out");
    write_experiment(dir.path());
    for (int k = 1; k <= 2; ++k)
        REQUIRE(shell_in(dir.path(), fmt::format("$G run scenarios/experiment.toml -q "
                                                 "--shard {}/2 -o shard-{}.h5",
                                                 k, k))
                    .status == 0);
    REQUIRE(shell_in(dir.path(), "$G merge -o merged.h5 -q shard-1.h5 shard-2.h5").status == 0);
    // Reproduced, its temporary folder (here under tmp/) is removed: it held only copies.
    fs::create_directory(dir.path() / "tmp");
    const auto r = shell_in(dir.path(), "TMPDIR=\"$PWD/tmp\" $G reproduce merged.h5");
    INFO(r.out << r.err);
    CHECK(r.status == 0);
    CHECK(r.out.find("its temporary folder is removed") != std::string::npos);
    CHECK(fs::is_empty(dir.path() / "tmp"));
}
