// The scenario loader's fuzz harness (tests/fuzz), run over its seed corpus in the ordinary
// suite: every seed loads or fails with one located error. The harness aborts on a finding.
#include "fuzz/scenario_loader_fuzz.cpp" // NOLINT(bugprone-suspicious-include): one definition

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>

TEST_CASE("the fuzz harness's seed corpus loads or fails with a located error", "[fuzz]") {
    int seeds = 0;
    for (const auto& entry : std::filesystem::directory_iterator(std::string(GOVSIM_SOURCE_DIR) +
                                                                 "/tests/fuzz/corpus")) {
        std::ifstream in(entry.path(), std::ios::binary);
        const std::string text{std::istreambuf_iterator<char>(in),
                               std::istreambuf_iterator<char>()};
        INFO(entry.path());
        CHECK(LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(text.data()),
                                     text.size()) == 0);
        ++seeds;
    }
    CHECK(seeds >= 5);
}
