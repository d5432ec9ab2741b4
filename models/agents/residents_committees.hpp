#pragma once
// Residents' committees (居委会) as agents: each covers a contiguous range of compounds of one
// community, with staff of its own and a queue of the disputes that reach it. A community
// starts with one committee; the more_residents_committees lever splits communities into
// several, each with its own staff and compounds.
#include <cstdint>
#include <vector>

namespace govsim::models {

struct ResidentsCommittees {
    std::vector<std::uint32_t> community;
    std::vector<std::uint32_t> first_compound; ///< compounds [first_compound, end_compound)
    std::vector<std::uint32_t> end_compound;
    std::vector<double> staff;      ///< all staff
    std::vector<double> capacity;   ///< staff-equivalents on compound disputes
    std::vector<double> households; ///< units of its compounds (households at full occupancy)

    [[nodiscard]] std::size_t size() const { return community.size(); }
};

} // namespace govsim::models
