#pragma once
// Priors' quantile functions (declarations of the sensitivity branch's library; reconciled
// when both branches are merged).
#include <cstdint>

namespace govsim::analysis {
// analysis/priors.hpp
enum class PriorKind {
    Uniform,
    LogUniform,
    Triangular,
    Normal /*truncated to [lower, upper]*/,
    Beta /*scaled to [lower, upper]*/
};
struct Prior {
    PriorKind kind = PriorKind::Uniform;
    double lower = 0, upper = 1, mode = 0, mean = 0, sd = 1, alpha = 1, beta = 1;
};
double prior_quantile(const Prior& prior, double u); // maps u in [0,1] to the parameter's value
} // namespace govsim::analysis
