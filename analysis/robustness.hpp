#pragma once
// Robustness of a comparison of models under parameter uncertainty. Each of D parameter draws
// (from priors or a calibration posterior) is run under every model with common random numbers,
// giving values[d][m], the outcome of model m on draw d (e.g. its mean over replicates). For each
// model, over the draws:
//   mean, p05, p95        the mean and the 5% and 95% quantiles (type 7) of its values;
//   p_beats_baseline      the share of draws on which it is strictly better than the baseline
//                         model (ties do not count; 0 for the baseline itself);
//   rank_probability[r]   the share of draws on which it ranks r + 1 among the models (rank 1 =
//                         best). Models tied on a draw share the tied ranks equally (two models
//                         tied for best each get 1/2 at rank 1 and 1/2 at rank 2), so each row and
//                         each column of the rank table sums to 1;
//   expected_regret       the mean over draws of how much worse it is than the best model on that
//                         draw: value - min (lower is better) or max - value (higher is better);
//                         >= 0, and 0 for a model that is best on every draw.
// This is the decision-analytic reading of robustness (regret: Savage 1951, J. Am. Stat. Assoc.
// 46:55-67; its use for robust policy choice: Lempert, Popper & Bankes 2003, "Shaping the Next
// One Hundred Years", RAND MR-1626).
#include <cstddef>
#include <vector>

namespace govsim::analysis {

struct ModelRobustness {
    double mean = 0, p05 = 0, p95 = 0;
    double p_beats_baseline = 0;
    /// rank_probability[r] = P(model has rank r + 1 among the models).
    std::vector<double> rank_probability;
    /// E[value - best value on the draw], sign by direction (so >= 0).
    double expected_regret = 0;
    /// Draws the figures rest on (those with a value for every model).
    std::size_t draws = 0;
};

/// One entry per model (the order of values[d]). Draws on which any model's value is NaN are
/// left out for every model (so that all models rest on the same draws); with no draw left, every
/// figure is NaN. Throws std::invalid_argument if there are no draws or models, the rows differ
/// in length, or baseline is not a model index.
[[nodiscard]] std::vector<ModelRobustness>
robustness(const std::vector<std::vector<double>>& values, std::size_t baseline,
           bool lower_is_better);

} // namespace govsim::analysis
