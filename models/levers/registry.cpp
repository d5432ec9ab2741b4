// The registry of governance levers: each lever type's name, summary and reader, in the order
// the day loop calls their hooks. Adding a lever: its file under models/levers/, one
// declaration and one line below (docs/levers.md).
#include "models/levers/levers.hpp"

#include <array>

namespace govsim::models {

// One reader per lever file (models/levers/<name>.cpp).
std::unique_ptr<Lever> read_grid_inspection(sim::ConfigTable&);
std::unique_ptr<Lever> read_joint_meeting(sim::ConfigTable&);
std::unique_ptr<Lever> read_leading_group(sim::ConfigTable&);
std::unique_ptr<Lever> read_information_platform(sim::ConfigTable&);
std::unique_ptr<Lever> read_rapid_response(sim::ConfigTable&);
std::unique_ptr<Lever> read_self_governance(sim::ConfigTable&);
std::unique_ptr<Lever> read_party_building(sim::ConfigTable&);
std::unique_ptr<Lever> read_joint_enforcement(sim::ConfigTable&);
std::unique_ptr<Lever> read_rc_supervision(sim::ConfigTable&);
std::unique_ptr<Lever> read_abandonment_takeover(sim::ConfigTable&);
std::unique_ptr<Lever> read_more_residents_committees(sim::ConfigTable&);

namespace {

constexpr std::array<LeverType, 11> types{{
    {"grid_inspection",
     "firms' staff patrol grid cells of the compounds they manage; RC grid administrators "
     "dispatch what patrols find",
     &read_grid_inspection},
    {"joint_meeting", "cross-department disputes are settled at joint meetings every N days",
     &read_joint_meeting},
    {"leading_group", "a leading group under the town head: departments' success and capacity up",
     &read_leading_group},
    {"information_platform", "a multi-department platform: faster hand-offs, fewer routing errors",
     &read_information_platform},
    {"rapid_response", "deadlines: oldest-first queues and escalation timers",
     &read_rapid_response},
    {"self_governance", "self-governance groups of residents manage compounds without a firm",
     &read_self_governance},
    {"party_building",
     "party branches in compounds and cross-membership of the two committees: assemblies, "
     "committees that keep working, mediation",
     &read_party_building},
    {"joint_enforcement", "departments hold sessions in communities on a schedule",
     &read_joint_enforcement},
    {"rc_supervision",
     "residents' committees help convene owners' assemblies and keep committees working",
     &read_rc_supervision},
    {"abandonment_takeover", "interim management of compounds a firm abandoned",
     &read_abandonment_takeover},
    {"more_residents_committees",
     "communities split into more residents' committees, each with staff of its own",
     &read_more_residents_committees},
}};

} // namespace

std::span<const LeverType> lever_types() {
    return types;
}

} // namespace govsim::models
