#pragma once
// Property firms (物业公司) as agents: each has a quality of its own, a portfolio of compounds
// and one balance across them, so a profitable compound can carry a loss-making one until the
// firm's reserve runs out (models/mechanisms/firm_decisions.hpp).
#include <cstdint>
#include <vector>

namespace govsim::models {

struct Firms {
    std::vector<double> quality;          ///< service quality at full staffing
    std::vector<double> balance;          ///< reserve plus cumulative margins, fee units
    std::vector<std::uint32_t> compounds; ///< compounds managed now

    [[nodiscard]] std::size_t size() const { return quality.size(); }
};

} // namespace govsim::models
