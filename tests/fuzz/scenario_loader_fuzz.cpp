// libFuzzer harness for the scenario loader (issue #11): any text, as a scenario or experiment
// file, must either load or fail with one located ConfigError (a file, and a line and column in
// it, on one line). A crash, a leak, a hang, any other exception, or an error without a
// location is a finding. The text is read as if it were the file `scenarios/fuzz-input.toml`
// of the source tree, so its includes can name the shipped fragments (`parameters/nanhai.toml`,
// `towns/lishui.toml`, `models/denghu.toml`, ...) — and anything else on the machine, such as
// /dev/zero or a directory. Built by GOVSIM_FUZZ=ON with clang; run by scripts/fuzz.sh.
#include "models/scenario_loader.hpp"
#include "sim/config.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

const std::string input_path = std::string(GOVSIM_SOURCE_DIR) + "/scenarios/fuzz-input.toml";

[[noreturn]] void finding(const char* what, const std::string& message) {
    std::fprintf(stderr, "FINDING: %s: %s\n", what, message.c_str());
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        const auto experiment = govsim::models::parse_experiment(text, input_path);
        if (experiment.scenarios.empty())
            finding("an experiment without scenarios loaded", experiment.name);
    } catch (const govsim::sim::ConfigError& e) {
        const std::string message = e.what();
        if (e.file().empty() || e.line() == 0 || e.column() == 0)
            finding("an error without a location", message);
        if (message.find('\n') != std::string::npos)
            finding("an error of more than one line", message);
    }
    // Any other exception escapes, and libFuzzer reports it (as an abort from std::terminate).
    return 0;
}
