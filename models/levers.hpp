#pragma once
// The levers of a governance model as a list: names (the scenario files' section names) and
// their on/off switches, for code that treats levers generically (attribution, reports).
#include "models/scenario.hpp"

#include <array>
#include <string_view>

namespace govsim::models {

inline constexpr std::size_t lever_count = 11;
inline constexpr std::array<std::string_view, lever_count> lever_names{"grid_inspection",
                                                                       "joint_meeting",
                                                                       "leading_group",
                                                                       "information_platform",
                                                                       "rapid_response",
                                                                       "self_governance",
                                                                       "party_building",
                                                                       "joint_enforcement",
                                                                       "rc_supervision",
                                                                       "abandonment_takeover",
                                                                       "more_residents_committees"};

/// The `enabled` switch of lever `i` (in lever_names order).
[[nodiscard]] inline bool& lever_enabled(Levers& l, std::size_t i) {
    std::array<bool*, lever_count> switches{&l.grid_inspection.enabled,
                                            &l.joint_meeting.enabled,
                                            &l.leading_group.enabled,
                                            &l.information_platform.enabled,
                                            &l.rapid_response.enabled,
                                            &l.self_governance.enabled,
                                            &l.party_building.enabled,
                                            &l.joint_enforcement.enabled,
                                            &l.rc_supervision.enabled,
                                            &l.abandonment_takeover.enabled,
                                            &l.more_residents_committees.enabled};
    return *switches[i];
}

[[nodiscard]] inline bool lever_enabled(const Levers& l, std::size_t i) {
    return lever_enabled(const_cast<Levers&>(l), i);
}

} // namespace govsim::models
