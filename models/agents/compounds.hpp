#pragma once
// Residential compounds (小区): their structure, who manages them (a firm, an interim manager,
// a village collective, a self-governance group or nobody), their owners' committee, and
// aggregates over their units kept up to date as households move in and opinions change.
#include "models/categories.hpp"

#include <array>
#include <cstdint>
#include <vector>

namespace govsim::models {

inline constexpr std::int32_t no_firm = -1;

/// Who manages a compound. The firm level of the lifecycle (Level::Firm) is the manager's
/// staff where the manager is a firm, an interim manager or a collective; a self-governance
/// group handles disputes at Level::SelfGovernance instead.
enum class Manager : std::uint8_t {
    None,           ///< unmanaged: never managed, or abandoned (弃管)
    Firm,           ///< a property firm (Compounds::firm)
    Interim,        ///< interim management after abandonment (abandonment_takeover lever)
    Collective,     ///< a village collective economic organisation (经联社)
    SelfGovernance, ///< a self-governance group of residents (self_governance lever)
};

/// An owners' committee's state.
enum class Committee : std::uint8_t { None, Functioning, Dormant };

/// What an owners' assembly or the street office asked for this month, done in the serial
/// phase of the month end.
enum class Motion : std::uint8_t { None, Dismiss, Tender };

/// The three kinds of party that raise disputes (models::RaisedBy).
enum class Role : std::uint8_t { OwnerOccupier, Tenant, AbsenteeOwner };
inline constexpr std::size_t role_count = 3;

struct Compounds {
    std::vector<std::uint32_t> community;
    std::vector<std::uint32_t> residents_committee; ///< index into ResidentsCommittees
    std::vector<std::uint32_t> first_unit;
    std::vector<std::uint32_t> units;
    std::vector<HousingType> housing;
    std::vector<std::uint32_t> parking_spaces;
    std::vector<double> floor_area_m2; ///< total over units
    // Management.
    std::vector<Manager> manager;
    std::vector<std::int32_t> firm;   ///< the managing firm when manager is Firm, else no_firm
    std::vector<double> base_quality; ///< the manager's quality at full staffing
    std::vector<double> service_quality;
    std::vector<double> staffing;        ///< a firm's staffing, share of full staffing
    std::vector<double> margin;          ///< the firm's margin here last month, fee units
    std::vector<double> margin_average;  ///< exponential average of the firm's monthly margin
    std::vector<std::uint8_t> abandoned; ///< 1 while unmanaged after a firm left
    std::vector<Motion> motion;
    // Owners' committee.
    std::vector<Committee> committee;
    // Aggregates over units, updated at move-in, at closures and recomputed at month end.
    std::vector<std::uint32_t> occupied;
    std::vector<std::uint32_t> cars;
    std::vector<std::uint32_t> tenants;  ///< occupied units that are let
    std::vector<std::uint32_t> nonlocal; ///< occupied units whose owner is non-local
    /// sum of onset weights 1 + w (1 - satisfaction) by role
    std::vector<std::array<double, role_count>> onset_weight;
    // Month end.
    std::vector<double> billed;    ///< fees billed (fee units) last month
    std::vector<double> collected; ///< fees paid last month
    std::vector<double> mean_owner_satisfaction;
    /// per category, multiplies the onset rate (levers; 1 by default)
    std::vector<std::array<float, category_count>> onset_multiplier;

    [[nodiscard]] std::size_t size() const { return community.size(); }
    void resize(std::size_t n);
    /// Whether manager staff handle disputes at the firm level.
    [[nodiscard]] bool has_manager_staff(std::uint32_t c) const {
        return manager[c] == Manager::Firm || manager[c] == Manager::Interim ||
               manager[c] == Manager::Collective;
    }
};

} // namespace govsim::models
