#pragma once
// The fixed vocabularies of the governance domain: dispute categories, handler levels,
// housing types and the compound features that modulate onset rates. Their names are the
// keys used in scenario files and results files.
#include <array>
#include <cstdint>
#include <string_view>

namespace govsim::models {

/// Dispute categories (MODEL.md §4). The first three are the article's main ones.
enum class Category : std::uint8_t {
    Parking,
    PropertyService,
    OwnersRights,
    Neighbour,
    Construction, ///< illegal construction / encroachment: needs enforcement
    Sanitation,
};
inline constexpr std::size_t category_count = 6;
inline constexpr std::array<std::string_view, category_count> category_names{
    "parking", "property_service", "owners_rights", "neighbour", "construction", "sanitation"};

/// Handler levels, in the order a dispute escalates through them (MODEL.md §4, step 5).
/// Self-governance groups exist only under the self_governance lever (models/scenario.hpp).
enum class Level : std::uint8_t {
    SelfGovernance, ///< resident volunteers mediating inside the compound (Denghu)
    Firm,
    OwnersCommittee,
    ResidentsCommittee,
    Department,
    Coordination, ///< cross-department coordination at town level
};
inline constexpr std::size_t level_count = 6;
inline constexpr std::array<std::string_view, level_count> level_names{
    "self_governance",     "firm",       "owners_committee",
    "residents_committee", "department", "coordination"};

enum class HousingType : std::uint8_t { Commodity, Resettlement, OldUnmanaged };
inline constexpr std::size_t housing_type_count = 3;
inline constexpr std::array<std::string_view, housing_type_count> housing_type_names{
    "commodity", "resettlement", "old_unmanaged"};

/// Compound features that modulate a category's onset rate: the rate is multiplied by
/// max(0, 1 + sum_k effect_k * feature_k). Each feature is defined in docs/ODD.md.
enum class Feature : std::uint8_t {
    ParkingPressure,   ///< max(0, cars / parking spaces - 1)
    ServiceGap,        ///< 1 - service quality (1 when no firm manages the compound)
    NoOwnersCommittee, ///< 1 when no functioning owners' committee, else 0
    TenantShare,       ///< share of occupied units let to tenants
    NonlocalShare,     ///< share of occupied units whose owner is not a Foshan resident
    Unmanaged,         ///< 1 when no property firm manages the compound
    Resettlement,      ///< 1 for resettlement (village-conversion) housing
    OldHousing,        ///< 1 for old, originally unmanaged housing
};
inline constexpr std::size_t feature_count = 8;
inline constexpr std::array<std::string_view, feature_count> feature_names{
    "parking_pressure", "service_gap", "no_owners_committee", "tenant_share",
    "nonlocal_share",   "unmanaged",   "resettlement",        "old_housing"};

template <class E>
[[nodiscard]] constexpr std::size_t index(E e) {
    return static_cast<std::size_t>(e);
}

} // namespace govsim::models
