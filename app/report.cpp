#include "app/report.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fmt/core.h>
#include <optional>
#include <unistd.h>
#include <vector>

namespace govsim::app {
namespace fs = std::filesystem;

namespace {

constexpr int exit_bad_input = 2;
constexpr const char* default_python = "/usr/bin/python3";
constexpr const char* package = "govsim_results";

/// The folder holding govsim_results/ (the one to put on PYTHONPATH), or nothing.
std::optional<fs::path> find_package(std::vector<std::string>& tried) {
    std::vector<fs::path> candidates;
    if (const char* env = std::getenv("GOVSIM_PYTHONPATH"); env && *env)
        candidates.emplace_back(env);
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) // installed: <prefix>/bin/govsim and <prefix>/share/govsim/python/govsim_results
        candidates.push_back(exe.parent_path().parent_path() / "share" / "govsim" / "python");
#ifdef GOVSIM_PYTHON_SOURCE_DIR
    candidates.emplace_back(GOVSIM_PYTHON_SOURCE_DIR); // the source tree of a build-tree binary
#endif
    for (const auto& dir : candidates) {
        tried.push_back(dir.string());
        if (fs::is_regular_file(dir / package / "__main__.py", ec))
            return dir;
    }
    return std::nullopt;
}

} // namespace

int run_report(const ReportRequest& request) {
    const char* env_python = std::getenv("GOVSIM_PYTHON");
    const std::string python = env_python && *env_python ? env_python : default_python;
    if (::access(python.c_str(), X_OK) != 0) {
        fmt::print(stderr,
                   "govsim report: Python interpreter {} not found or not executable; install "
                   "Debian's python3 with python3-h5py, python3-pandas and python3-matplotlib "
                   "(scripts/install-deps.sh), or set GOVSIM_PYTHON\n",
                   python);
        return exit_bad_input;
    }
    std::vector<std::string> tried;
    const auto dir = find_package(tried);
    if (!dir) {
        std::string where;
        for (const auto& t : tried)
            where += (where.empty() ? "" : ", ") + t;
        fmt::print(stderr,
                   "govsim report: Python package {} not found (looked in {}); set "
                   "GOVSIM_PYTHONPATH to the folder that holds it\n",
                   package, where);
        return exit_bad_input;
    }
    std::string pythonpath = dir->string();
    if (const char* old = std::getenv("PYTHONPATH"); old && *old)
        pythonpath += std::string(":") + old;
    ::setenv("PYTHONPATH", pythonpath.c_str(), 1);
    ::setenv("MPLBACKEND", "Agg", 1);

    std::vector<std::string> args = {python, "-m",           package,  "report",
                                     "-o",   request.output, "--lang", request.lang};
    if (!request.figures_dir.empty()) {
        args.emplace_back("--figures");
        args.push_back(request.figures_dir);
    }
    args.emplace_back("--"); // the results path is never read as an option
    args.push_back(request.results);
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    std::fflush(stdout);
    std::fflush(stderr);
    ::execv(python.c_str(), argv.data());
    fmt::print(stderr, "govsim report: cannot run {}: {}\n", python, std::strerror(errno));
    return exit_bad_input;
}

} // namespace govsim::app
