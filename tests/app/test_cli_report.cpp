// `govsim report` from the command line: exit status 2 and one clear line for inputs it cannot
// use. (The report itself is tested in tests/report/, through the same command.)
#include "common/run_govsim.hpp"
#include "common/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <string>

namespace {

using govsim::test::run_govsim;

/// Sets an environment variable for the lifetime of the object (the test's process only; the
/// govsim child inherits it).
struct ScopedEnv {
    std::string name;
    ScopedEnv(std::string n, const std::string& value) : name(std::move(n)) {
        ::setenv(name.c_str(), value.c_str(), 1);
    }
    ~ScopedEnv() { ::unsetenv(name.c_str()); }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;
};

int lines(const std::string& s) {
    int n = 0;
    for (char c : s)
        n += c == '\n';
    return n;
}

} // namespace

TEST_CASE("govsim report refuses a file that is not a results file") {
    const govsim::test::TempDir dir("cli-report");
    const auto text = dir.path() / "notes.txt";
    std::ofstream(text) << "not a results file\n";
    const auto html = (dir.path() / "r.html").string();

    const auto missing =
        run_govsim("report " + (dir.path() / "none.h5").string() + " -o " + html, dir.path());
    CHECK(missing.status == 2);
    CHECK(missing.err.find("none.h5: no such file") != std::string::npos);
    CHECK(lines(missing.err) == 1);

    const auto not_hdf5 = run_govsim("report " + text.string() + " -o " + html, dir.path());
    CHECK(not_hdf5.status == 2);
    CHECK(not_hdf5.err.find("notes.txt: not an HDF5 file") != std::string::npos);
    CHECK(lines(not_hdf5.err) == 1);
    CHECK_FALSE(std::filesystem::exists(html));
}

TEST_CASE("govsim report refuses bad arguments and a missing output folder") {
    const govsim::test::TempDir dir("cli-report-args");
    CHECK(run_govsim("report x.h5 -o r.html --lang fr", dir.path()).status == 2);
    CHECK(run_govsim("report x.h5", dir.path()).status == 2); // -o is required
    const auto bad_dir =
        run_govsim("report x.h5 -o " + (dir.path() / "no/r.html").string(), dir.path());
    CHECK(bad_dir.status == 2);
    CHECK(bad_dir.err.find("does not exist") != std::string::npos);
}

TEST_CASE("govsim report says when Python or a module is missing") {
    const govsim::test::TempDir dir("cli-report-python");
    const auto html = (dir.path() / "r.html").string();
    {
        const ScopedEnv python("GOVSIM_PYTHON", (dir.path() / "no-python").string());
        const auto out = run_govsim("report x.h5 -o " + html, dir.path());
        CHECK(out.status == 2);
        CHECK(out.err.find("Python interpreter") != std::string::npos);
        CHECK(out.err.find("no-python") != std::string::npos);
        CHECK(lines(out.err) == 1);
    }
    {
        // A module that fails to import, placed first on the path, stands for a missing h5py.
        std::filesystem::create_directories(dir.path() / "fake" / "h5py");
        std::ofstream(dir.path() / "fake" / "h5py" / "__init__.py")
            << "raise ModuleNotFoundError(\"No module named 'h5py'\", name='h5py')\n";
        const ScopedEnv path("PYTHONPATH", (dir.path() / "fake").string());
        const auto out = run_govsim("report x.h5 -o " + html, dir.path());
        CHECK(out.status == 2);
        CHECK(out.err.find("'h5py' is missing") != std::string::npos);
        CHECK(lines(out.err) == 1);
    }
}
