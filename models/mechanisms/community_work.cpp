#include "models/mechanisms/community_work.hpp"

#include <cmath>

namespace govsim::models::community_work {

void split_committees(RunState& run, double max_households) {
    World& w = run.world;
    const Compounds& cp = w.compounds;
    const ResidentsCommitteeSpec& spec = run.sc.residents_committees;
    ResidentsCommittees rcs;
    const auto n_comm = static_cast<std::uint32_t>(w.communities.size());
    for (std::uint32_t m = 0; m < n_comm; ++m) {
        w.communities.first_committee[m] = static_cast<std::uint32_t>(rcs.size());
        const std::uint32_t b = w.compound_begin(m), e = w.compound_end(m);
        double total = 0;
        for (std::uint32_t c = b; c < e; ++c)
            total += cp.units[c];
        const auto parts = static_cast<std::uint32_t>(
            std::max(1.0, std::ceil(total / std::max(max_households, 1.0))));
        // Compound c goes to the part its units' midpoint falls in.
        double before = 0;
        std::uint32_t part = 0;
        for (std::uint32_t c = b; c < e; ++c) {
            const double mid = before + cp.units[c] / 2.0;
            const auto want = std::min(parts - 1, static_cast<std::uint32_t>(mid / total * parts));
            if (c == b || want > part) {
                if (c != b)
                    part = want;
                rcs.community.push_back(m);
                rcs.first_compound.push_back(c);
                rcs.end_compound.push_back(c);
                rcs.households.push_back(0);
                rcs.staff.push_back(0);
                rcs.capacity.push_back(0);
            }
            const std::size_t rc = rcs.size() - 1;
            rcs.end_compound[rc] = c + 1;
            rcs.households[rc] += cp.units[c];
            w.compounds.residents_committee[c] = static_cast<std::uint32_t>(rc);
            before += cp.units[c];
        }
    }
    w.communities.first_committee[n_comm] = static_cast<std::uint32_t>(rcs.size());
    for (std::size_t rc = 0; rc < rcs.size(); ++rc)
        rcs.staff[rc] = residents_committee_staff(spec, rcs.households[rc]);
    w.residents_committees = std::move(rcs);
}

void staff_committees(RunState& run) {
    for (std::uint32_t rc = 0; rc < run.world.residents_committees.size(); ++rc) {
        double extra = 0;
        for (const auto& lever : run.levers)
            extra += lever->committee_extra_capacity(run, rc);
        set_committee_capacity(run.world, run.sc.residents_committees, rc, extra);
    }
}

} // namespace govsim::models::community_work
