// Mechanism tests of the governance levers (MODEL.md §5, §8): each lever is switched on in a
// twin of a lever-off scenario with the same seed, and the test measures the mechanism the
// lever names (detection delay, hand-offs, waiting for meetings, ...), never a hard-coded
// outcome. Where a difference could be noise it must exceed several standard errors computed
// from the runs themselves.
#include "models/audit.hpp"
#include "models/governance.hpp"
#include "models/mechanisms/handling.hpp"
#include "models/mechanisms/onsets.hpp"
#include "models/run_state.hpp"
#include "sim/parallel.hpp"
#include "test_helpers.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <functional>
#include <map>
#include <vector>

using namespace govsim;
using govsim::test::run_one;
using models::Category;
using models::DisputeRecord;
using models::Level;
using models::RunResult;
using models::Scenario;

namespace {

/// A town big enough that lever effects stand far outside noise, yet quick to run.
Scenario town(double residents = 400000, std::uint32_t communities = 40) {
    return govsim::test::small_lishui(residents, communities, 2);
}

/// Mean and variance of a sample, for standard errors of differences.
struct Sample {
    double n = 0, sum = 0, sum2 = 0;
    void add(double x) {
        n += 1;
        sum += x;
        sum2 += x * x;
    }
    [[nodiscard]] double mean() const { return sum / n; }
    [[nodiscard]] double variance() const { return (sum2 - sum * sum / n) / (n - 1); }
};

Sample sample(const RunResult& r, const std::function<bool(const DisputeRecord&)>& keep,
              const std::function<double(const DisputeRecord&)>& value) {
    Sample s;
    for (const auto& d : r.disputes)
        if (keep(d))
            s.add(value(d));
    return s;
}

/// Standard error of the difference of two independent means (conservative for twins with
/// common random numbers, whose difference varies less).
double se_difference(const Sample& a, const Sample& b) {
    return std::sqrt(a.variance() / a.n + b.variance() / b.n);
}

/// Standard error of the difference of two proportions.
double se_proportions(const Sample& a, const Sample& b) {
    const double p = a.mean(), q = b.mean();
    return std::sqrt(p * (1 - p) / a.n + q * (1 - q) / b.n);
}

/// Differences must exceed this many standard errors.
constexpr double z = 5;

bool same(double a, double b) {
    return std::memcmp(&a, &b, sizeof a) == 0;
}

/// Every number of two runs, bit for bit.
void require_identical(const RunResult& a, const RunResult& b) {
    REQUIRE(a.disputes.size() == b.disputes.size());
    for (std::size_t i = 0; i < a.disputes.size(); ++i) {
        const auto &x = a.disputes[i], &y = b.disputes[i];
        REQUIRE((x.community == y.community && x.compound == y.compound &&
                 x.household == y.household && x.category == y.category && same(x.onset, y.onset) &&
                 same(x.detected, y.detected) && same(x.government, y.government) &&
                 same(x.closed, y.closed) && x.outcome == y.outcome &&
                 x.last_level == y.last_level && x.handoffs == y.handoffs));
    }
    REQUIRE(a.daily.size() == b.daily.size());
    for (std::size_t d = 0; d < a.daily.size(); ++d) {
        const auto &x = a.daily[d], &y = b.daily[d];
        REQUIRE((x.households == y.households && x.onsets == y.onsets &&
                 x.detections == y.detections && x.resolved == y.resolved &&
                 x.abandoned == y.abandoned && x.complaints == y.complaints && x.open == y.open));
        for (std::size_t k = 0; k < models::level_count; ++k)
            REQUIRE((same(x.busy_server_days[k], y.busy_server_days[k]) &&
                     x.servers[k] == y.servers[k]));
    }
    REQUIRE(a.monthly.size() == b.monthly.size());
    for (std::size_t m = 0; m < a.monthly.size(); ++m) {
        const auto &x = a.monthly[m], &y = b.monthly[m];
        REQUIRE((same(x.mean_satisfaction, y.mean_satisfaction) &&
                 same(x.mean_trust, y.mean_trust) && same(x.fee_collection, y.fee_collection) &&
                 same(x.mean_owner_satisfaction, y.mean_owner_satisfaction) &&
                 same(x.mean_staffing, y.mean_staffing) &&
                 x.managed_compounds == y.managed_compounds && x.firm_managed == y.firm_managed &&
                 x.interim_managed == y.interim_managed && x.self_governed == y.self_governed &&
                 x.owners_committees == y.owners_committees &&
                 x.functioning_committees == y.functioning_committees &&
                 x.residents_committees == y.residents_committees &&
                 x.institutions == y.institutions && same(x.firm_balance, y.firm_balance)));
    }
}

// Lever sections, as a model file writes them (every key required).
std::string grid(double interval = 7, double p = 0.8, double inspectors = 0.1,
                 double administrators = 0.5) {
    return fmt::format("[levers.grid_inspection]\ninspection_interval_days = {}\n"
                       "households_per_grid = 300\ndetection_probability = {}\n"
                       "administrators_per_grid = {}\ninspector_staff_per_cell = {}\n",
                       interval, p, administrators, inspectors);
}
std::string meeting(double interval = 14, int cases = 20, double success = 0.8) {
    return fmt::format("[levers.joint_meeting]\ninterval_days = {}\ncases_per_meeting = {}\n"
                       "success = {}\n",
                       interval, cases, success);
}
std::string leading_group(double success = 1.25, double servers = 2.0) {
    return fmt::format("[levers.leading_group]\ndepartment_success_multiplier = {}\n"
                       "department_server_multiplier = {}\nmeeting_success_multiplier = 1.1\n",
                       success, servers);
}
const std::string platform = "[levers.information_platform]\nhandoff_multiplier = 0.3\n"
                             "routing_error_multiplier = 0.3\nintake_delay_multiplier = 0.5\n";
std::string rapid(bool oldest_first, double deadline) {
    return fmt::format("[levers.rapid_response]\noldest_first = {}\nresponse_deadline_days = {}\n",
                       oldest_first, deadline);
}
std::string self_governance(double formation = 1.0) {
    return fmt::format(
        "[levers.self_governance]\nformation_per_month = {}\nservice_quality = 0.45\n"
        "volunteers_per_1000_units = 3\nsuccess = {{ neighbour = 0.7, parking = 0.5 "
        "}}\nservice_days = {{ neighbour = 5, parking = 3 }}\npatience_days = 14\n",
        formation);
}
std::string party(double branches = 1, double bonus = 0.1, double convening = 0.05) {
    return fmt::format("[levers.party_building]\nbranch_share = {}\ncross_membership_share = 1\n"
                       "convening_per_month = {}\nturnout_bonus = 0.1\ndormancy_multiplier = 0.25\n"
                       "revival_multiplier = 4\nmediation_success_bonus = {}\n"
                       "owners_rights_rate_multiplier = 0.7\n",
                       branches, convening, bonus);
}
std::string rc_supervision(double convening = 0.05) {
    return fmt::format("[levers.rc_supervision]\nconvening_per_month = {}\nturnout_bonus = 0.1\n"
                       "dormancy_multiplier = 0.25\nrevival_multiplier = 4\n",
                       convening);
}
const std::string enforcement = "[levers.joint_enforcement]\npresence_interval_days = 7\n"
                                "department_server_multiplier = 1.5\n";
std::string takeover(double days = 30) {
    return fmt::format("[levers.abandonment_takeover]\ntakeover_days = {}\ninterim_quality = 0.5\n",
                       days);
}
std::string more_committees(double households = 1000) {
    return fmt::format("[levers.more_residents_committees]\nmax_households_per_committee = {}\n",
                       households);
}
/// Every lever on.
std::string all_levers() {
    return grid() + meeting() + leading_group() + platform + rapid(true, 7) + self_governance() +
           party() + enforcement + rc_supervision() + takeover() + more_committees();
}
/// Every lever's section with `enabled = false` put first.
std::string switched_off(std::string text) {
    std::string out;
    std::size_t at = 0;
    while (at < text.size()) {
        const std::size_t end = text.find('\n', at);
        const std::string line = text.substr(at, end - at + 1);
        out += line;
        if (line.rfind("[levers.", 0) == 0)
            out += "enabled = false\n";
        at = end + 1;
    }
    return out;
}

bool is(const DisputeRecord& d, Category k) {
    return d.category == k;
}

double detection_days(const DisputeRecord& d) {
    return d.detected - d.onset;
}

/// Monthly sum over the run of compounds without a manager.
std::uint64_t unmanaged_compound_months(const RunResult& r) {
    std::uint64_t n = 0;
    for (const auto& m : r.monthly)
        n += r.compounds - m.managed_compounds;
    return n;
}

std::uint32_t servers_on_day(const RunResult& r, Level level, std::size_t day = 0) {
    return r.daily[day].servers[models::index(level)];
}

} // namespace

using govsim::test::add_levers;

// ---- grid inspection ------------------------------------------------------------------------

TEST_CASE("grid inspection shortens the detection delay", "[lever][grid]") {
    auto s = town();
    const auto off = run_one(s, 31);
    add_levers(s, grid());
    const auto on = run_one(s, 31);
    const auto detected = [](const DisputeRecord& d) { return !std::isnan(d.detected); };
    const Sample a = sample(off, detected, detection_days);
    const Sample b = sample(on, detected, detection_days);
    REQUIRE(a.n > 2000);
    CHECK(b.mean() < a.mean() - z * se_difference(a, b));
    // Long delays become rare: beyond two intervals a dispute has escaped at least one patrol
    // (probability 0.2) and was not reported either.
    const auto late = [](const DisputeRecord& d) { return detection_days(d) > 14 ? 1.0 : 0; };
    const Sample la = sample(off, detected, late), lb = sample(on, detected, late);
    CHECK(lb.mean() < la.mean() - z * se_proportions(la, lb));
}

TEST_CASE("grid-detected disputes are routed right first time", "[lever][grid]") {
    auto s = town();
    s.categories[models::index(Category::Construction)].rate_per_1000_households_per_year *= 5;
    const auto off = run_one(s, 32);
    // Patrols every hour that always find the dispute: nearly every dispute in a compound a
    // firm manages is grid-detected.
    add_levers(s, grid(1.0 / 24, 1.0));
    const auto on = run_one(s, 32);
    // Construction can be resolved only by a department: the grid administrator sends it
    // there at once, without passing the firm and committees and without a routing error.
    const auto at_department = [](const DisputeRecord& d) {
        return is(d, Category::Construction) && d.last_level == Level::Department;
    };
    const auto direct = [](const DisputeRecord& d) { return d.handoffs == 0 ? 1.0 : 0.0; };
    const Sample a = sample(off, at_department, direct);
    const Sample b = sample(on, at_department, direct);
    REQUIRE(b.n > 100);
    CHECK(a.mean() == 0); // without the grid a department is never the first handler
    CHECK(b.mean() > a.mean() + z * se_proportions(a, b));
    // Every resolved dispute: fewer hand-offs, routing errors included.
    const auto resolved = [](const DisputeRecord& d) { return d.outcome == 1; };
    const auto handoffs = [](const DisputeRecord& d) { return static_cast<double>(d.handoffs); };
    const Sample ha = sample(off, resolved, handoffs), hb = sample(on, resolved, handoffs);
    CHECK(hb.mean() < ha.mean() - z * se_difference(ha, hb));
}

TEST_CASE("grid patrols never run where no firm manages the compound", "[lever][grid]") {
    auto s = town(100000, 10);
    s.town.firm_managed_share = {0, 0, 0}; // nobody patrols
    s.mechanisms.tenders = false;
    const auto off = run_one(s, 34);
    add_levers(s, grid(1.0 / 24, 1.0, 0.1, 0.0)); // no administrators: the RCs are unchanged
    const auto on = run_one(s, 34);
    // The patrol streams are the lever's own, so with no firm anywhere every detection time is
    // the party's report, bit for bit.
    REQUIRE(off.disputes.size() == on.disputes.size());
    REQUIRE(off.disputes.size() > 1000);
    for (std::size_t i = 0; i < off.disputes.size(); ++i)
        REQUIRE(same(off.disputes[i].detected, on.disputes[i].detected));
}

TEST_CASE("grid administrators add residents'-committee servers", "[lever][grid]") {
    auto s = town();
    const auto off = run_one(s, 33);
    add_levers(s, grid());
    const auto on = run_one(s, 33);
    // One administrator per two cells of 300 units: about units / 600 more RC servers.
    const double added = servers_on_day(on, Level::ResidentsCommittee) -
                         static_cast<double>(servers_on_day(off, Level::ResidentsCommittee));
    CHECK(added >= 0.5 * on.units / 600.0);
    CHECK(added <= 1.5 * on.units / 600.0 + on.compounds);
}

// ---- joint meeting, leading group -----------------------------------------------------------

namespace {
/// Many cross-department (construction) disputes, which escalate readily to coordination.
Scenario cross_department_town() {
    auto s = town();
    s.categories[models::index(Category::Construction)].rate_per_1000_households_per_year *= 6;
    s.escalation.escalate_base = 0.6;
    s.escalation.escalate_dissatisfaction = 0.3;
    s.escalation.government_trust_weight = 0;
    return s;
}
} // namespace

TEST_CASE("joint meetings cut the waiting time of cross-department disputes",
          "[lever][joint_meeting]") {
    auto s = cross_department_town();
    const auto off = run_one(s, 41);
    add_levers(s, meeting());
    const auto on = run_one(s, 41);
    const auto coordinated = [](const DisputeRecord& d) {
        return is(d, Category::Construction) && d.outcome != 0 &&
               d.last_level == Level::Coordination;
    };
    const auto complaint_to_closure = [](const DisputeRecord& d) {
        return d.closed - d.government;
    };
    const Sample a = sample(off, coordinated, complaint_to_closure);
    const Sample b = sample(on, coordinated, complaint_to_closure);
    REQUIRE(a.n > 50);
    REQUIRE(b.n > 50);
    CHECK(b.mean() < a.mean() - z * se_difference(a, b));
    // Settled at meetings: every dispute resolved at coordination closes at a meeting time.
    std::size_t at_meetings = 0, resolved = 0;
    for (const auto& d : on.disputes)
        if (coordinated(d) && d.outcome == 1) {
            ++resolved;
            const double k = d.closed / 14.0;
            at_meetings += std::abs(k - std::round(k)) < 1e-9 ? 1U : 0U;
        }
    CHECK(resolved > 0);
    CHECK(at_meetings == resolved);
}

TEST_CASE("a joint meeting takes up at most cases_per_meeting disputes", "[lever][joint_meeting]") {
    auto s = cross_department_town();
    s.handlers.patience_days[models::index(Level::Coordination)] = 1e6; // nobody gives up
    add_levers(s, meeting(28, 2, 1.0));
    const auto r = run_one(s, 42);
    // Resolutions at coordination (all of them, success being 1), per meeting.
    std::map<long, std::vector<double>> by_meeting;
    for (const auto& d : r.disputes)
        if (d.outcome == 1 && d.last_level == Level::Coordination)
            by_meeting[std::lround(d.closed / 28.0)].push_back(d.onset);
    REQUIRE(by_meeting.size() > 5);
    std::size_t full = 0;
    for (const auto& [meeting_index, onsets] : by_meeting) {
        CHECK(onsets.size() <= 2);
        full += onsets.size() == 2 ? 1U : 0U;
    }
    CHECK(full > 0); // the waiting list is long enough for the cap to bind
}

TEST_CASE("the leading group raises department success and capacity", "[lever][leading_group]") {
    auto s = cross_department_town();
    const auto off = run_one(s, 43);
    add_levers(s, leading_group());
    const auto on = run_one(s, 43);
    for (std::size_t d : {std::size_t{0}, on.daily.size() - 1})
        CHECK(servers_on_day(on, Level::Department, d) ==
              2 * servers_on_day(off, Level::Department, d));
    // Of the disputes that reached a department, more are resolved there.
    const auto reached = [](const DisputeRecord& d) {
        return d.outcome != 0 && d.last_level >= Level::Department;
    };
    const auto resolved_there = [](const DisputeRecord& d) {
        return d.outcome == 1 && d.last_level == Level::Department ? 1.0 : 0.0;
    };
    const Sample a = sample(off, reached, resolved_there);
    const Sample b = sample(on, reached, resolved_there);
    CHECK(b.mean() > a.mean() + z * se_proportions(a, b));
}

// ---- information platform -------------------------------------------------------------------

TEST_CASE("the information platform cuts routing errors and hand-off time",
          "[lever][information_platform]") {
    auto s = town();
    for (auto& dep : s.handlers.departments)
        dep.servers = 500; // no queue at departments: complaint to closure is delay + service
    for (auto& c : s.categories)
        c.service_days[models::index(Level::Department)] = 1;
    const auto off = run_one(s, 51);
    add_levers(s, platform);
    const auto on = run_one(s, 51);
    // Resolved by the firm, the first handler: one hand-off means a routing error.
    const auto at_firm = [](const DisputeRecord& d) {
        return d.outcome == 1 && d.last_level == Level::Firm;
    };
    const auto misrouted = [](const DisputeRecord& d) { return d.handoffs > 0 ? 1.0 : 0.0; };
    const Sample ea = sample(off, at_firm, misrouted), eb = sample(on, at_firm, misrouted);
    REQUIRE(ea.n > 1000);
    CHECK(eb.mean() < ea.mean() - z * se_proportions(ea, eb));
    // From the complaint to the resolution by a department: hand-off, intake and service.
    const auto at_department = [](const DisputeRecord& d) {
        return d.outcome == 1 && d.last_level == Level::Department;
    };
    const auto complaint_to_closure = [](const DisputeRecord& d) {
        return d.closed - d.government;
    };
    const Sample ta = sample(off, at_department, complaint_to_closure);
    const Sample tb = sample(on, at_department, complaint_to_closure);
    REQUIRE(ta.n > 100);
    CHECK(tb.mean() < ta.mean() - z * se_difference(ta, tb));
}

// ---- rapid response -------------------------------------------------------------------------

namespace {
/// Every dispute goes first to one congested queue per community, the residents' committee,
/// which resolves it for sure: no firm, no owners' committee, no routing errors, no giving up.
constexpr double rc_service_days = 2.5;
Scenario congested_rc_town() {
    auto s = town();
    s.town.firm_managed_share = {0, 0, 0};
    s.town.owners_committee_initial_share = 0;
    s.mechanisms.assemblies = false;
    s.mechanisms.tenders = false;
    s.escalation.routing_error_probability = 0;
    s.residents_committees.min_staff = 1;
    s.residents_committees.staff_per_1000_households = 0.5; // about one RC server per community
    for (auto& c : s.categories) {
        c.success[models::index(Level::ResidentsCommittee)] = 1;
        c.service_days[models::index(Level::ResidentsCommittee)] = rc_service_days;
    }
    for (auto& p : s.handlers.patience_days)
        p = 1e6;
    return s;
}
} // namespace

TEST_CASE("rapid response serves the oldest dispute first", "[lever][rapid_response]") {
    auto s = congested_rc_town();
    const auto off = run_one(s, 61);
    add_levers(s, rapid(true, 1e9)); // oldest first, no escalation timer
    const auto on = run_one(s, 61);
    // Each community's RC has one server, so disputes resolved there close in the order they
    // were served. Parties report after random delays, so first come, first served often
    // serves a younger dispute before an older one; oldest-first does so only when the older
    // one had not yet arrived. Share of consecutive closures served in onset order:
    const auto in_onset_order = [](const RunResult& r) {
        std::map<std::uint32_t, std::vector<std::pair<double, double>>> by_community;
        for (const auto& d : r.disputes)
            if (d.outcome == 1 && d.last_level == Level::ResidentsCommittee)
                by_community[d.community].emplace_back(d.closed, d.onset);
        Sample ordered;
        for (auto& [community, closures] : by_community) {
            std::sort(closures.begin(), closures.end());
            for (std::size_t i = 1; i < closures.size(); ++i)
                ordered.add(closures[i - 1].second < closures[i].second ? 1.0 : 0.0);
        }
        return ordered;
    };
    REQUIRE(servers_on_day(off, Level::ResidentsCommittee) == off.communities);
    const Sample a = in_onset_order(off), b = in_onset_order(on);
    REQUIRE(a.n > 2000);
    CHECK(b.mean() > a.mean() + z * se_proportions(a, b));
}

TEST_CASE("the escalation timer moves stalled disputes on", "[lever][rapid_response]") {
    auto s = congested_rc_town();
    const auto off = run_one(s, 62);
    const double deadline = 7;
    add_levers(s, rapid(false, deadline));
    const auto on = run_one(s, 62);
    // Without routing errors a dispute reaches the RC when detected; the timer escalates it
    // to a department exactly `deadline` days later if it is still waiting: a complaint made
    // by the handler, with no party decision.
    const auto by_timer = [deadline](const RunResult& r) {
        std::size_t n = 0;
        for (const auto& d : r.disputes)
            n += std::abs(d.government - d.detected - deadline) < 1e-9 ? 1U : 0U;
        return n;
    };
    CHECK(by_timer(off) == 0);
    CHECK(by_timer(on) > 100);
    // Those are timer escalations, not complaints, and counted so in the summary.
    const auto timer_cases = [](const RunResult& r) {
        std::size_t n = 0;
        for (const auto& d : r.disputes)
            n += d.channel == static_cast<std::uint8_t>(models::GovernmentChannel::TimerEscalation)
                     ? 1U
                     : 0U;
        return n;
    };
    CHECK(timer_cases(off) == 0);
    CHECK(timer_cases(on) >= by_timer(on));
    CHECK(on.total.stats.timer_escalations > 0);
    CHECK(off.total.stats.timer_escalations == 0);
    // No dispute waits at the RC longer than the deadline: whoever is resolved there started
    // within `deadline` days of detection (service beyond 25 means has probability e^-25).
    const auto waited_long = [deadline](const DisputeRecord& d) {
        return d.outcome == 1 && d.last_level == Level::ResidentsCommittee &&
               d.closed - d.detected > deadline + 25 * rc_service_days;
    };
    std::size_t long_off = 0, long_on = 0;
    for (const auto& d : off.disputes)
        long_off += waited_long(d) ? 1U : 0U;
    for (const auto& d : on.disputes)
        long_on += waited_long(d) ? 1U : 0U;
    CHECK(long_off > 100);
    CHECK(long_on == 0);
}

// ---- self-governance ------------------------------------------------------------------------

TEST_CASE("self-governance groups manage compounds no firm manages and mediate there",
          "[lever][self_governance]") {
    auto s = town();
    s.town.firm_managed_share = {0.5, 0.5, 0.5}; // half the compounds have no firm
    s.mechanisms.tenders = false;                // and keep none
    const auto off = run_one(s, 71);
    add_levers(s, self_governance(1.0)); // groups form at the first month end
    const auto on = run_one(s, 71);
    // Groups take over exactly the compounds nobody managed; firms keep theirs.
    CHECK(off.monthly.back().self_governed == 0);
    CHECK(on.monthly.front().self_governed == on.compounds - off.monthly.front().managed_compounds);
    CHECK(on.monthly.back().firm_managed == off.monthly.back().firm_managed);
    const auto neighbour = [](const DisputeRecord& d) {
        return is(d, Category::Neighbour) && d.outcome != 0;
    };
    const auto by_group = [](const DisputeRecord& d) {
        return d.outcome == 1 && d.last_level == Level::SelfGovernance ? 1.0 : 0.0;
    };
    // Inside the compound: resolved by its group, firm or owners' committee.
    const auto inside = [](const DisputeRecord& d) {
        return d.outcome == 1 && d.last_level < Level::ResidentsCommittee ? 1.0 : 0.0;
    };
    CHECK(sample(off, neighbour, by_group).mean() == 0);
    const Sample g = sample(on, neighbour, by_group);
    REQUIRE(g.n > 500);
    CHECK(g.mean() > z * std::sqrt(g.mean() * (1 - g.mean()) / g.n));
    const Sample a = sample(off, neighbour, inside), b = sample(on, neighbour, inside);
    CHECK(b.mean() > a.mean() + z * se_proportions(a, b));
    // Groups take only the categories given a success probability.
    for (const auto& d : on.disputes)
        if (!is(d, Category::Neighbour) && !is(d, Category::Parking))
            REQUIRE(d.last_level != Level::SelfGovernance);
    // Their volunteers are counted as servers: at least one per group.
    CHECK(servers_on_day(off, Level::SelfGovernance, 40) == 0);
    CHECK(servers_on_day(on, Level::SelfGovernance, 40) >= on.monthly.front().self_governed);
    // Their service lifts satisfaction above the unmanaged level.
    CHECK(on.monthly.back().mean_satisfaction > off.monthly.back().mean_satisfaction);
}

// ---- party building, RC supervision ---------------------------------------------------------

namespace {
/// Assemblies are frequent and pass whenever called: every owner lives there and votes.
Scenario committee_town() {
    auto s = town();
    s.town.compound_units_mean = 200; // many compounds
    s.town.owners_committee_initial_share = 0;
    s.town.occupancy_start = 0.9;
    s.town.tenant_share_local = 0;
    s.town.tenant_share_nonlocal = 0;
    s.assemblies.initiative_per_month = 0.01;
    s.assemblies.turnout_resident = 0.9;
    return s;
}
std::uint32_t committees_at_end(const RunResult& r) {
    return r.monthly.back().owners_committees;
}
double functioning_share_at_end(const RunResult& r) {
    return static_cast<double>(r.monthly.back().functioning_committees) /
           r.monthly.back().owners_committees;
}
} // namespace

namespace {
/// Every compound starts with a committee, at the long-run functioning share, and none forms:
/// what changes is only whether committees keep working.
Scenario turnover_town() {
    auto s = town();
    s.town.compound_units_mean = 200; // many compounds
    s.town.owners_committee_initial_share = 1;
    s.mechanisms.assemblies = false;
    return s;
}
} // namespace

TEST_CASE("party building raises owners'-committee formation", "[lever][party_building]") {
    auto s = committee_town();
    const auto off = run_one(s, 81);
    add_levers(s, party());
    const auto on = run_one(s, 81);
    const double a = committees_at_end(off), b = committees_at_end(on);
    REQUIRE(a > 10);
    CHECK(b > a + z * std::sqrt(a + b)); // formations are (close to) Poisson counts
    CHECK(on.total.institutions.assemblies > off.total.institutions.assemblies);
}

TEST_CASE("committees with party members keep working", "[lever][party_building]") {
    auto s = turnover_town();
    const auto off = run_one(s, 83);
    add_levers(s, party()); // every existing committee gets party members
    const auto on = run_one(s, 83);
    const double n = committees_at_end(off);
    REQUIRE(n > 100);
    REQUIRE(committees_at_end(on) == n);
    const double fa = functioning_share_at_end(off), fb = functioning_share_at_end(on);
    CHECK(fb > fa + z * std::sqrt((fa * (1 - fa) + fb * (1 - fb)) / n));
}

TEST_CASE("party building raises mediation success at the residents' committee",
          "[lever][party_building]") {
    auto s = town();
    const auto off = run_one(s, 82);
    add_levers(s, party(1.0, 0.2, 0.0));
    const auto on = run_one(s, 82);
    // Of the disputes that ended at the RC, more were resolved there.
    const auto at_rc = [](const DisputeRecord& d) {
        return d.outcome != 0 && d.last_level == Level::ResidentsCommittee;
    };
    const auto resolved = [](const DisputeRecord& d) { return d.outcome == 1 ? 1.0 : 0.0; };
    const Sample a = sample(off, at_rc, resolved), b = sample(on, at_rc, resolved);
    CHECK(b.mean() > a.mean() + z * se_proportions(a, b));
}

TEST_CASE("RC supervision raises committee formation and keeps committees working",
          "[lever][rc_supervision]") {
    auto s = committee_town();
    const auto off = run_one(s, 91);
    add_levers(s, rc_supervision());
    const auto on = run_one(s, 91);
    const double a = committees_at_end(off), b = committees_at_end(on);
    CHECK(b > a + z * std::sqrt(a + b));
    auto t = turnover_town();
    const auto t_off = run_one(t, 93);
    add_levers(t, rc_supervision());
    const auto t_on = run_one(t, 93);
    const double n = committees_at_end(t_off);
    const double fa = functioning_share_at_end(t_off), fb = functioning_share_at_end(t_on);
    CHECK(fb > fa + z * std::sqrt((fa * (1 - fa) + fb * (1 - fb)) / n));
}

TEST_CASE("party building and RC supervision together convene more than either",
          "[lever][party_building][rc_supervision]") {
    auto s = committee_town();
    s.assemblies.initiative_per_month = 0;
    add_levers(s, party(1.0, 0.1, 0.02));
    const auto party_only = run_one(s, 92);
    add_levers(s, rc_supervision(0.02));
    const auto both = run_one(s, 92);
    // Assemblies convened: each body convenes where no committee exists yet.
    const double a = party_only.total.institutions.assemblies;
    const double b = both.total.institutions.assemblies;
    REQUIRE(a > 50);
    CHECK(b > a + z * std::sqrt(a + b));
}

// ---- joint enforcement ----------------------------------------------------------------------

TEST_CASE("joint enforcement shortens the intake of complaints and adds department servers",
          "[lever][joint_enforcement]") {
    auto s = town();
    for (auto& dep : s.handlers.departments) {
        dep.servers = 500; // no queue at departments: complaint to closure is delay + service
        dep.intake_delay_days = 10;
    }
    for (auto& c : s.categories)
        c.service_days[models::index(Level::Department)] = 1;
    const auto off = run_one(s, 101);
    add_levers(s, enforcement);
    const auto on = run_one(s, 101);
    const auto at_department = [](const DisputeRecord& d) {
        return d.outcome == 1 && d.last_level == Level::Department;
    };
    const auto complaint_to_closure = [](const DisputeRecord& d) {
        return d.closed - d.government;
    };
    const Sample a = sample(off, at_department, complaint_to_closure);
    const Sample b = sample(on, at_department, complaint_to_closure);
    REQUIRE(a.n > 100);
    CHECK(b.mean() < a.mean() - z * se_difference(a, b));
    CHECK(servers_on_day(on, Level::Department) == 750 * s.handlers.departments.size());
}

// ---- abandonment takeover, more residents' committees ---------------------------------------

TEST_CASE("takeover shortens unmanaged spells after firms abandon", "[lever][takeover]") {
    auto s = town(60000, 6);
    s.firms.staff_cost_month = 60; // every firm loses money and leaves
    s.mechanisms.tenders = false;
    const auto off = run_one(s, 111);
    add_levers(s, takeover());
    const auto on = run_one(s, 111);
    std::uint32_t left = 0;
    for (const auto& y : off.years)
        left += y.institutions.abandonments;
    REQUIRE(left > 10);
    CHECK(unmanaged_compound_months(on) < unmanaged_compound_months(off));
    CHECK(on.monthly.back().managed_compounds > off.monthly.back().managed_compounds);
    CHECK(on.monthly.back().interim_managed > 0);
    // Interim quality lifts satisfaction above the unmanaged level's.
    CHECK(on.monthly.back().mean_satisfaction > off.monthly.back().mean_satisfaction);
}

TEST_CASE("more residents' committees split communities into committees with staff of their own",
          "[lever][more_rcs]") {
    auto s = town();
    const auto off = run_one(s, 121);
    add_levers(s, more_committees(1000));
    const auto on = run_one(s, 121);
    // About units / 1000 committees instead of one per community.
    const auto committees = on.monthly.front().residents_committees;
    CHECK(off.monthly.front().residents_committees == off.communities);
    CHECK(committees >= on.units / 1000);
    CHECK(committees <= on.units / 1000 + on.communities + on.compounds / 2);
    // Each committee has at least the minimum staff, so the town has more servers.
    const double a = servers_on_day(off, Level::ResidentsCommittee);
    const double b = servers_on_day(on, Level::ResidentsCommittee);
    CHECK(b > a);
    CHECK(b >= committees); // at least one each
    // (Whether residents fare better is not a property of the lever: splitting also loses the
    // pooling of one queue per community, and committees of compounds without a firm, which
    // send every dispute to their RC, get no more staff than others. docs/models.md reports it.)
}

// ---- every lever ----------------------------------------------------------------------------

TEST_CASE("a disabled lever changes nothing", "[lever][determinism]") {
    auto s = town(60000, 6);
    const auto base = run_one(s, 131);
    // Parameters far from the defaults, so that any use of a disabled lever would show.
    add_levers(s, switched_off(grid(0.5, 1.0) + meeting() + leading_group() + platform +
                               rapid(true, 0.5) + self_governance() + party() + enforcement +
                               rc_supervision() + takeover(0) + more_committees(100)));
    REQUIRE(s.levers.entries().size() == models::lever_types().size());
    REQUIRE(s.levers.enabled_names().empty());
    const auto off = run_one(s, 131);
    require_identical(base, off);
}

TEST_CASE("with every lever on, disputes are conserved and results do not depend on threads",
          "[lever][determinism][conservation]") {
    auto s = town(60000, 6);
    s.firms.staff_cost_month = 24; // some abandonment, for the takeover lever
    add_levers(s, all_levers());
    REQUIRE(s.levers.enabled_names().size() == models::lever_types().size());
    RunResult one, two;
    {
        sim::ThreadLimit limit(1);
        one = run_one(s, 141, 2);
    }
    {
        sim::ThreadLimit limit(2);
        two = run_one(s, 141, 2);
    }
    require_identical(one, two);
    std::uint64_t closed = 0;
    for (const auto& d : one.daily)
        closed += d.resolved + d.abandoned;
    CHECK(one.daily.back().open == one.disputes.size() - closed);
    for (const auto& d : one.disputes) {
        if (d.outcome != 0) {
            CHECK(d.detected >= d.onset);
            CHECK(d.closed >= d.detected);
        }
        if (!std::isnan(d.government)) {
            CHECK(d.government >= d.detected);
            CHECK(d.last_level >= Level::Department);
        }
    }
    for (const auto& y : one.years)
        CHECK(y.stats.disputes == y.stats.resolved + y.stats.abandoned + y.stats.open_at_end);
}

TEST_CASE("arrivals handled at once give the runs the calendar gives, bit for bit",
          "[lever][determinism]") {
    // With every lever on (grid-found disputes are dispatched, the others routed) and without.
    auto with_levers = town(60000, 6);
    add_levers(with_levers, all_levers());
    for (const Scenario& s : {town(60000, 6), with_levers}) {
        const auto run = [&](bool at_once) {
            models::RunKey key{0, s.run.name, s.town.name, s.model.name, 1};
            models::RunOptions options;
            options.record_disputes = true;
            options.arrivals_at_once = at_once;
            return models::run_replicate(s, 161, key, options);
        };
        const RunResult fast = run(true), calendar = run(false);
        REQUIRE(fast.disputes.size() > 1000);
        require_identical(fast, calendar);
    }
}

TEST_CASE("departments given more servers by a lever start serving the complaints waiting there",
          "[lever][leading_group]") {
    // Complaints wait at a department with one server; the leading group starts and triples
    // the servers. The two complaints at the head of the queue must start service then, with a
    // completion on the town's calendar, not be counted busy by the queue and forgotten.
    auto s = town(30000, 4);
    for (auto& dep : s.handlers.departments)
        dep.servers = 1;
    s.model.policy_start = sim::Date{2014, 7, 1};
    add_levers(s, leading_group(1.0, 3.0));
    models::RunState run(s, 77, 0);
    const auto lever_day = run.lever_start_day.front();
    REQUIRE(lever_day > 0);

    const std::uint32_t m = 0, c = run.world.compound_begin(m);
    const auto k = Category::Construction;
    const std::size_t dep = run.sc.categories[models::index(k)].departments.front();
    models::Site town_site = run.town_site();
    std::vector<std::uint32_t> ids;
    const double t = lever_day - 0.5;
    for (int n = 0; n < 4; ++n) {
        models::Dispute x;
        x.record.community = m;
        x.record.compound = c;
        x.record.household = run.world.compounds.first_unit[c];
        x.record.category = k;
        x.record.onset = t - 10;
        x.record.last_level = Level::Department;
        x.state = models::DisputeState::Travelling;
        auto& cs = run.communities[m];
        const std::uint32_t id = cs.disputes.next_id();
        cs.disputes.push_back(x);
        ids.push_back(id);
        models::handling::arrive(
            run, town_site, t, models::Event{m, id, models::EventKind::Arrive, Level::Department});
    }
    const auto& queue = run.town.departments[dep];
    REQUIRE(queue.busy() == 1);
    REQUIRE(queue.waiting() == 3);

    REQUIRE(run.start_levers(lever_day));
    REQUIRE(queue.servers() == 3);
    CHECK(queue.busy() == 3);
    CHECK(queue.waiting() == 1);
    // Each dispute the queue counts in service is in service, with its completion scheduled.
    const auto events = run.town.calendar.head(run.town.calendar.size());
    std::size_t in_service = 0;
    for (const std::uint32_t id : ids) {
        const auto& x = run.communities[m].disputes[id];
        const bool completes = std::any_of(events.begin(), events.end(), [&](const auto& e) {
            return e.payload.dispute == id && e.payload.kind == models::EventKind::Complete;
        });
        if (x.state == models::DisputeState::InService) {
            ++in_service;
            CHECK(completes);
        } else {
            CHECK(x.state == models::DisputeState::Waiting);
            CHECK_FALSE(completes);
        }
    }
    CHECK(in_service == queue.busy());
}

TEST_CASE("every queue's busy and waiting counts match the disputes at it, and the cached onset "
          "rates the rates, every day, with every lever on from a policy start",
          "[lever][conservation][audit]") {
    // The run's own state, audited after every day (models/audit.hpp): a server counted busy
    // without a dispute in service there, or a dispute waiting where no queue counts it, is a
    // dispute the model forgot. Departments start congested (one server each), so that
    // complaints wait there when the levers add servers at the policy start.
    auto s = town(60000, 6);
    s.firms.staff_cost_month = 24; // some abandonment, for the takeover lever
    for (auto& dep : s.handlers.departments)
        dep.servers = 1;
    s.model.policy_start = sim::Date{2014, 7, 1};
    add_levers(s, all_levers());
    models::RunOptions options;
    std::vector<std::string> problems;
    int days = 0;
    std::size_t busy_departments = 0, current_caches = 0;
    // How often each kind of onset-rate input changed from one day's end to the next, so that
    // the audit is known to have seen the code that changes it at work: the onset weights
    // (closures' feedback, the month's pass), occupancy (move-ins), service quality and
    // manager (firms' decisions, the takeover and self-governance levers), committees
    // (assemblies, turnover) and onset multipliers (party building). (No lever changes the
    // parameter tables the rates read; apply_parameters marks every compound all the same.)
    enum Input { weight, occupied, quality, manager, committee, multiplier, inputs };
    std::array<std::size_t, inputs> changed{};
    models::Compounds last;
    options.on_day_state = [&](const models::RunState& run) {
        ++days;
        for (const auto& q : run.town.departments)
            busy_departments += q.waiting() > 0 ? 1 : 0;
        const auto found = models::audit_queues(run);
        problems.insert(problems.end(), found.begin(), found.end());
        // The onset rates' cache: a total still marked current is the total of the rates
        // computed now (levers change rate inputs from the policy start).
        const auto stale = models::audit_onset_cache(run);
        problems.insert(problems.end(), stale.begin(), stale.end());
        const models::Compounds& cp = run.world.compounds;
        if (last.size() == cp.size())
            for (std::uint32_t c = 0; c < cp.size(); ++c) {
                changed[weight] += cp.onset_weight[c] != last.onset_weight[c];
                changed[occupied] += cp.occupied[c] != last.occupied[c];
                changed[quality] += cp.service_quality[c] != last.service_quality[c];
                changed[manager] += cp.manager[c] != last.manager[c];
                changed[committee] += cp.committee[c] != last.committee[c];
                changed[multiplier] += cp.onset_multiplier[c] != last.onset_multiplier[c];
            }
        last = cp;
        for (const auto& h : run.handlers)
            current_caches += h.rates_current;
    };
    const models::RunKey key{0, s.run.name, s.town.name, s.model.name, 0};
    const auto r = models::run_replicate(s, 143, key, options);
    CHECK(days == s.days());
    CHECK(busy_departments > 0);  // complaints did wait at departments
    CHECK(current_caches > 1000); // the cache was checked
    for (std::size_t k = 0; k < inputs; ++k) {
        INFO("input " << k);
        CHECK(changed[k] > 0);
    }
    INFO((problems.empty() ? std::string("none") : problems.front()));
    CHECK(problems.size() == 0);
    CHECK(r.total.stats.disputes > 0);
}
