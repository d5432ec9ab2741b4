#pragma once
// One run of the governance model: a town synthesised from the scenario, simulated day by
// day through the dispute lifecycle of MODEL.md §4 (onset, detection, routing, handling,
// escalation, complaint, closure) with the feedback loop on satisfaction, fees, firm
// finances and abandonment. Communities are stepped in parallel; town departments and
// coordination in a serial phase each day. Results depend only on (scenario, seed,
// replicate), never on the number of threads.
#include "models/scenario.hpp"
#include "models/summary.hpp"

#include <cstdint>
#include <functional>

namespace govsim::models {

struct RunOptions {
    bool record_disputes = false; ///< keep one record per dispute in the result
    std::function<void()> on_day; ///< called after each simulated day (progress), if set
};

/// The first calendar year a comparison evaluates (RunResult::evaluation): the first whole
/// year on or after the model's policy_start, within the reported years; the first reported
/// year without a policy start.
[[nodiscard]] int evaluated_from(const Scenario& s);

/// Runs one replicate of a scenario. `key` names the run in the results.
[[nodiscard]] RunResult run_replicate(const Scenario& scenario, std::uint64_t seed,
                                      const RunKey& key, const RunOptions& options = {});

} // namespace govsim::models
