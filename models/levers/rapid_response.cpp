// Rapid response and disposal (Denghu, 快速反应和处置机制): time limits at every handler. Queues
// serve the oldest dispute first, and a dispute still waiting when its deadline passes is
// escalated by the handler itself to the next level present (the escalation timer).
#include "models/levers/fields.hpp"
#include "models/mechanisms/escalation.hpp"
#include "models/mechanisms/routing.hpp"
#include "models/run_state.hpp"
#include "sim/config.hpp"

namespace govsim::models {
namespace {

class RapidResponse final : public Lever {
public:
    bool oldest_first = true;          ///< queues serve the oldest onset first
    double response_deadline_days = 7; ///< escalation timer at every handler

    [[nodiscard]] std::string_view name() const override { return "rapid_response"; }
    [[nodiscard]] std::unique_ptr<Lever> clone() const override {
        return std::make_unique<RapidResponse>(*this);
    }
    /// The parameters of [levers.rapid_response], in order (models/levers/fields.hpp).
    template <class Self, class Visit>
    static void fields(Self& l, Visit&& visit) {
        visit("oldest_first", l.oldest_first);
        visit("response_deadline_days", l.response_deadline_days,
              limits::positive_up_to(limits::max_days));
    }
    [[nodiscard]] std::vector<std::pair<std::string, std::string>> parameters() const override {
        return list_fields(*this);
    }

    void adjust(Effective& eff) const override {
        if (oldest_first)
            eff.discipline = sim::Discipline::Priority;
    }

    void on_wait(RunState&, Site& site, double t, const Event& e) override {
        site.calendar.schedule(
            t + response_deadline_days,
            Event{e.community, e.dispute, EventKind::Lever, e.level, run_index(), 0});
    }

    /// The deadline: a dispute still waiting there is moved to the next level present, with
    /// no party decision and no trust gate (a hand-off, and a timer escalation if it enters a
    /// government channel). At the top level present it stays.
    void on_event(RunState& run, Site& site, double t, const Event& e) override {
        Dispute& x = run.dispute(e);
        if (x.state != DisputeState::Waiting || x.record.last_level != e.level || x.held_by != 0)
            return;
        const auto next = routing::next_level(run, x, e.level);
        if (next && run.leave_queue(e, x.ticket))
            escalation::move_to(run, site, t, e, *next, GovernmentChannel::TimerEscalation);
    }
};

} // namespace

std::unique_ptr<Lever> read_rapid_response(sim::ConfigTable& t) {
    return read_fields<RapidResponse>(t);
}

} // namespace govsim::models
