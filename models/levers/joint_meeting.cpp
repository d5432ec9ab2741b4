// Joint meeting (Lishui, 联席会议): cross-department disputes wait at coordination for the next
// town-level meeting of the departments, held every N days, instead of ad hoc convening.
#include "models/levers/fields.hpp"
#include "models/mechanisms/escalation.hpp"
#include "models/mechanisms/feedback.hpp"
#include "models/run_state.hpp"
#include "models/streams.hpp"
#include "sim/config.hpp"

#include <algorithm>
#include <map>
#include <utility>

namespace govsim::models {
namespace {

class JointMeeting final : public Lever {
public:
    double interval_days = 14;
    std::uint32_t cases_per_meeting = 20; ///< most disputes settled per meeting, oldest first
    double success = 0.8;                 ///< a meeting resolves a dispute it takes up

    [[nodiscard]] std::string_view name() const override { return "joint_meeting"; }
    [[nodiscard]] std::unique_ptr<Lever> clone() const override {
        return std::make_unique<JointMeeting>(*this);
    }
    /// The parameters of [levers.joint_meeting], in order (models/levers/fields.hpp).
    template <class Self, class Visit>
    static void fields(Self& l, Visit&& visit) {
        visit("interval_days", l.interval_days, limits::interval_days());
        visit("cases_per_meeting", l.cases_per_meeting, 1U, limits::max_cases_per_meeting);
        visit("success", l.success, sim::NumberRange::probability());
    }
    [[nodiscard]] std::vector<std::pair<std::string, std::string>> parameters() const override {
        return list_fields(*this);
    }

    /// Meetings replace ad hoc convening: a dispute waits for the next meeting instead.
    void adjust(Effective& eff) const override { eff.coordination_intake_days = 0; }

    void start(RunState& run) override {
        meeting_ = sim::Stream(run.seed, run.replicate, stream_entity::town, purpose::meeting);
        held_ = 0;
        counted_ = 0;
        waiting_.clear();
        next_id_ = 0;
        first_ = run.current_day;
        run.town.calendar.schedule(first_ + interval_days, meeting_event());
    }

    /// A cross-department dispute at coordination joins the meeting list (oldest onset first)
    /// and may give up meanwhile (coordination patience).
    bool take_at_coordination(RunState& run, Site& site, double t, const Event& e) override {
        Dispute& x = run.dispute(e);
        x.state = DisputeState::Waiting;
        x.held_by = static_cast<std::uint8_t>(run_index() + 1);
        x.ticket = sim::ServiceQueue::Ticket{x.record.onset, next_id_++};
        waiting_.emplace(std::make_pair(x.ticket.key, x.ticket.id), e);
        site.calendar.schedule(
            t + site.handling.exponential(run.eff.patience_days[index(Level::Coordination)]),
            Event{e.community, e.dispute, EventKind::Renege, Level::Coordination});
        return true;
    }

    bool withdraw(RunState& run, const Event& e) override {
        const Dispute& x = run.dispute(e);
        return waiting_.erase(std::make_pair(x.ticket.key, x.ticket.id)) > 0;
    }

    /// A meeting at the start + k x interval: up to cases_per_meeting waiting disputes, oldest
    /// onset first, are resolved with the meeting's success (x the leading group's multiplier,
    /// capped) or fail (the party decides what next). The next meeting is scheduled.
    void on_event(RunState& run, Site& site, double t, const Event&) override {
        ++held_;
        site.calendar.schedule(first_ + (held_ + 1) * interval_days, meeting_event());
        const double p = std::min(1.0, success * run.eff.meeting_success_multiplier);
        for (std::uint32_t n = 0; n < cases_per_meeting && !waiting_.empty(); ++n) {
            const auto first = waiting_.begin();
            const Event e = first->second;
            waiting_.erase(first);
            Dispute& x = run.dispute(e);
            x.state = DisputeState::InService;
            x.held_by = 0;
            if (meeting_.bernoulli(p))
                feedback::close(run, t, e, true);
            else
                escalation::fail(run, site, t, e);
        }
    }

    /// The meetings held since the last count.
    void add_resources(const RunState&, Resources& r, double) override {
        r[Resource::JointMeetings] += held_ - counted_;
        counted_ = held_;
    }

private:
    [[nodiscard]] Event meeting_event() const {
        return Event{0, 0, EventKind::Lever, Level::Coordination, run_index(), 0};
    }

    sim::Stream meeting_;
    double first_ = 0; ///< the day the lever started
    int held_ = 0;
    int counted_ = 0; ///< meetings already counted as resources
    std::map<std::pair<double, std::uint64_t>, Event> waiting_;
    std::uint64_t next_id_ = 0;
};

} // namespace

std::unique_ptr<Lever> read_joint_meeting(sim::ConfigTable& t) {
    return read_fields<JointMeeting>(t);
}

} // namespace govsim::models
