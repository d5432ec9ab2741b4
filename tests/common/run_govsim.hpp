#pragma once
// Running the govsim binary from a test, as a user would: its exit status and what it printed.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>

namespace govsim::test {

/// A whole file as text ("" if it cannot be read).
[[nodiscard]] inline std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

struct Outcome {
    int status; ///< exit status, or -1 if the program did not exit normally
    std::string out, err;
};

/// Runs `govsim ARGS` with no standard input; its output is captured through files in `folder`.
[[nodiscard]] inline Outcome run_govsim(const std::string& args,
                                        const std::filesystem::path& folder) {
    const auto out = folder / "stdout.txt", err = folder / "stderr.txt";
    const std::string cmd = std::string(GOVSIM_BINARY) + " " + args + " >" + out.string() + " 2>" +
                            err.string() + " </dev/null";
    const int raw = std::system(cmd.c_str());
    return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, slurp(out), slurp(err)};
}

/// Runs `command` through the shell in `folder`, with the govsim binary as $G and no standard
/// input; its output is captured through files there (and removed).
[[nodiscard]] inline Outcome shell_in(const std::filesystem::path& folder,
                                      const std::string& command) {
    const auto out = folder / "stdout.txt", err = folder / "stderr.txt";
    const std::string line = "cd '" + folder.string() + "' && G='" + GOVSIM_BINARY + "' && ( " +
                             command + " ) >'" + out.string() + "' 2>'" + err.string() +
                             "' </dev/null";
    const int raw = std::system(line.c_str());
    Outcome o{WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, slurp(out), slurp(err)};
    std::filesystem::remove(out);
    std::filesystem::remove(err);
    return o;
}

} // namespace govsim::test
