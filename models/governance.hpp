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
#include <memory>
#include <span>

namespace govsim::models {

struct World;
struct RunHistory;
struct RunState;

struct RunOptions {
    bool record_disputes = false; ///< keep one record per dispute in the result
    /// false: a closed dispute's slot is never given to a later dispute (a check that reusing
    /// slots changes no result; memory then grows with every dispute of the run)
    bool reuse_dispute_slots = true;
    /// false: every arrival at a dispute's first handler goes through the calendar, also one due
    /// at the very time of the detection that routes it and with nothing else due then, which
    /// is otherwise handled at once (a check that doing so changes no result)
    bool arrivals_at_once = true;
    /// With record_disputes: if set, each dispute's record is handed to it once the dispute is
    /// counted (day by day, in the order of RunResult::disputes) instead of being kept in the
    /// result, whose `disputes` stay empty. Called from the thread running the run's serial
    /// phase. (A history, run_history, hands its records to it too, and a run continuing from
    /// such a history starts without them: its caller hands them to the run's own on_records
    /// first.)
    std::function<void(std::span<const DisputeRecord>)> on_records;
    std::function<void()> on_day; ///< called after each simulated day (progress), if set
    /// Called after each simulated day with the run's state, read-only (tests check invariants
    /// with it, e.g. audit_queues), if set. Not called for the days a history simulated.
    std::function<void(const RunState&)> on_day_state;
    /// The run's synthesised town, if already built (by synthesise_world with the run's
    /// scenario, or one with the same_synthesis, seed and replicate): the run starts from a
    /// copy of it instead of synthesising its own. Null: the run synthesises it.
    std::shared_ptr<const World> world;
    /// A history to continue from (run_history, with a scenario of the same_history, the same
    /// seed and replicate): the run starts from a copy of it at the day it stopped, instead of
    /// simulating those days itself; its results are bit-identical either way. Null: the run
    /// simulates every day.
    std::shared_ptr<const RunHistory> history;
};

/// Whether two scenarios' runs are identical until a lever acts: they differ at most in the
/// model (name, description, policy start) and its levers. Keep in step with what the day loop
/// reads: the runner shares one history between the runs (the governance models) that pass.
[[nodiscard]] bool same_history(const Scenario& a, const Scenario& b);

/// The first simulated day on which one of the scenario's levers acts (Scenario::days() if it
/// has none): its days before are the same as the baseline's.
[[nodiscard]] int first_lever_day(const Scenario& scenario);

/// Simulates a replicate of `scenario` from day 0 up to (not including) `until_day`, which must
/// not be after first_lever_day(scenario), and keeps it there: runs of scenarios with the
/// same_history (e.g. the governance models on a town, before the policy start) continue from
/// it through RunOptions::history. options.world and options.on_day are used as a run's, and
/// options.record_disputes too: the history keeps the records of the disputes that closed in it
/// only if asked (a run keeping records cannot continue from a history that kept none:
/// std::logic_error), and hands them to options.on_records instead if it is set (the runs that
/// continue from it then start without them).
[[nodiscard]] std::shared_ptr<const RunHistory> run_history(const Scenario& scenario,
                                                            std::uint64_t seed,
                                                            std::uint32_t replicate, int until_day,
                                                            const RunOptions& options = {});

/// The day a history stopped at (the first day a run continuing from it simulates).
[[nodiscard]] int history_day(const RunHistory& history);

/// The first calendar year a comparison evaluates (RunResult::evaluation): the first whole
/// year on or after the model's policy_start, within the reported years; the first reported
/// year without a policy start.
[[nodiscard]] int evaluated_from(const Scenario& s);

/// Runs one replicate of a scenario. `key` names the run in the results.
[[nodiscard]] RunResult run_replicate(const Scenario& scenario, std::uint64_t seed,
                                      const RunKey& key, const RunOptions& options = {});

} // namespace govsim::models
