#pragma once
// Invariants of a run's state that must hold at the end of every day, checked by tests through
// RunOptions::on_day_state: every server a queue counts busy serves a dispute in service at that
// queue, and every dispute a queue counts waiting waits there (docs/ODD.md §7.5). A queue that
// started a job nobody serves (its completion never scheduled) breaks the first.
#include <string>
#include <vector>

namespace govsim::models {

struct RunState;

/// One line per queue whose busy or waiting count differs from the disputes in service or
/// waiting at it (levers' own lists, held_by, aside), and one if the town's job ids in use are
/// not exactly its queues' waiting jobs; empty when the state is consistent.
[[nodiscard]] std::vector<std::string> audit_queues(const RunState& run);

/// One line per compound whose cached onset rates (the total in CompoundHandlers::rates_total,
/// the rates by category and role in RunState::onset_cells) are still marked current but
/// differ from the rates computed now: a change to a rate input that did not call
/// onsets::inputs_changed. Empty when the cache is consistent.
[[nodiscard]] std::vector<std::string> audit_onset_cache(const RunState& run);

} // namespace govsim::models
