#include "models/audit.hpp"

#include "models/mechanisms/onsets.hpp"
#include "models/run_state.hpp"

#include <fmt/format.h>

#include <map>

namespace govsim::models {

std::vector<std::string> audit_queues(const RunState& run) {
    struct Count {
        std::size_t in_service = 0, waiting = 0;
    };
    std::map<const sim::ServiceQueue*, Count> counted;
    std::map<const sim::ServiceQueue*, std::string> names;
    const auto name = [&](const sim::ServiceQueue* q, std::string text) {
        names.emplace(q, std::move(text));
    };
    // Every queue, with a name for the report.
    for (std::uint32_t c = 0; c < run.handlers.size(); ++c) {
        const CompoundHandlers& h = run.handlers[c];
        name(&h.firm, fmt::format("compound {} manager", c));
        name(&h.committee, fmt::format("compound {} owners' committee", c));
        name(&h.sg, fmt::format("compound {} self-governance group", c));
    }
    for (std::uint32_t m = 0; m < run.communities.size(); ++m) {
        const auto queues = run.rc_queues(m);
        for (std::size_t k = 0; k < queues.size(); ++k)
            name(&queues[k], fmt::format("community {} residents' committee {}", m, k));
    }
    for (std::size_t j = 0; j < run.town.departments.size(); ++j)
        name(&run.town.departments[j], fmt::format("department {}", j));
    name(&run.town.coordination, "coordination");

    // The queue of each open dispute's level, as RunState::queue finds it.
    for (std::uint32_t m = 0; m < run.communities.size(); ++m)
        for (const Dispute& x : run.communities[m].disputes) {
            const bool in_service = x.state == DisputeState::InService;
            const bool waiting = x.state == DisputeState::Waiting && x.held_by == 0;
            if (!in_service && !waiting)
                continue;
            const CompoundHandlers& h = run.handlers[x.record.compound];
            const sim::ServiceQueue* q = nullptr;
            switch (x.record.last_level) {
            case Level::SelfGovernance:
                q = &h.sg;
                break;
            case Level::Firm:
                q = &h.firm;
                break;
            case Level::OwnersCommittee:
                q = &h.committee;
                break;
            case Level::ResidentsCommittee:
                q = &run.rc_queues(m)[x.rc_slot];
                break;
            case Level::Department:
                q = &run.town.departments[run.category(x).departments.front()];
                break;
            case Level::Coordination:
                q = &run.town.coordination;
                break;
            }
            auto& count = counted[q];
            (in_service ? count.in_service : count.waiting) += 1;
        }
    std::vector<std::string> problems;
    // Town queues' job ids: one in use for each job waiting in a town queue, no more.
    std::size_t town_waiting = run.town.coordination.waiting();
    for (const auto& q : run.town.departments)
        town_waiting += q.waiting();
    if (run.town.jobs.size() - run.town.free_jobs.size() != town_waiting)
        problems.push_back(fmt::format(
            "day {}: {} town job ids in use, {} jobs waiting in town queues", run.current_day,
            run.town.jobs.size() - run.town.free_jobs.size(), town_waiting));
    for (const auto& [q, label] : names) {
        const Count count = counted.contains(q) ? counted.at(q) : Count{};
        if (q->busy() != count.in_service || q->waiting() != count.waiting)
            problems.push_back(fmt::format(
                "day {}: {}: {} busy and {} waiting, against {} disputes in service and {} "
                "waiting there",
                run.current_day, label, q->busy(), q->waiting(), count.in_service, count.waiting));
    }
    return problems;
}

std::vector<std::string> audit_onset_cache(const RunState& run) {
    std::vector<std::string> problems;
    for (std::uint32_t c = 0; c < run.handlers.size(); ++c) {
        const CompoundHandlers& h = run.handlers[c];
        if (!h.rates_current)
            continue; // recomputed at the next draw
        const onsets::CellRates cells = onsets::rates(run, c);
        const double total = onsets::total(cells);
        if (total != h.rates_total)
            problems.push_back(fmt::format("day {}: compound {}: cached onset rate {} but {} now",
                                           run.current_day, c, h.rates_total, total));
        else if (cells != run.onset_cells[c])
            problems.push_back(fmt::format("day {}: compound {}: cached onset rates by category "
                                           "and role differ from the rates now",
                                           run.current_day, c));
    }
    return problems;
}

} // namespace govsim::models
