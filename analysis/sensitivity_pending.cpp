// PLACEHOLDER, to be deleted when the `sensitivity` branch (the real analysis/designs.cpp and
// analysis/priors.cpp) is merged: the expcore branch calls these functions through the agreed
// interface. Only full_factorial works here; the others say they are not yet available.
#include "analysis/designs.hpp"
#include "analysis/priors.hpp"

#include <stdexcept>

namespace govsim::analysis {

namespace {
[[noreturn]] void pending(const char* what) {
    throw std::invalid_argument(std::string(what) +
                                " designs are not available in this build (they arrive with the "
                                "sensitivity library); use kind = \"factorial\"");
}
} // namespace

UnitPoints latin_hypercube(std::size_t, std::size_t, std::uint64_t) {
    pending("Latin hypercube");
}
SaltelliDesign saltelli_design(std::size_t, std::size_t, std::uint64_t) {
    pending("Sobol");
}
MorrisDesign morris_design(std::size_t, std::size_t, std::size_t, std::uint64_t) {
    pending("Morris");
}
double prior_quantile(const Prior&, double) {
    pending("prior-based");
}

std::vector<std::vector<std::size_t>> full_factorial(const std::vector<std::size_t>& levels) {
    std::size_t total = 1;
    for (const std::size_t n : levels)
        total *= n;
    std::vector<std::vector<std::size_t>> out(total, std::vector<std::size_t>(levels.size()));
    for (std::size_t p = 0; p < total; ++p) {
        std::size_t rest = p;
        for (std::size_t k = levels.size(); k-- > 0;) {
            out[p][k] = rest % levels[k];
            rest /= levels[k];
        }
    }
    return out;
}

} // namespace govsim::analysis
