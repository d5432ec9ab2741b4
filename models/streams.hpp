#pragma once
// The keys of the model's random streams: (seed, replicate, entity, purpose). Each
// entity (a community, the town, a compound at synthesis) draws each purpose from its own
// stream, so its draws depend neither on thread scheduling nor on other entities.
#include <cstdint>

namespace govsim::models {

namespace stream_entity {
inline constexpr std::uint64_t synthesis = 0xA000'0000'0000'0000ULL;
inline constexpr std::uint64_t town = 0xB000'0000'0000'0000ULL;
[[nodiscard]] constexpr std::uint64_t community(std::uint64_t c) {
    return 0xC000'0000'0000'0000ULL | c;
}
[[nodiscard]] constexpr std::uint64_t synthesis_compound(std::uint64_t c) {
    return 0xD000'0000'0000'0000ULL | c;
}
} // namespace stream_entity

namespace purpose {
inline constexpr std::uint64_t compound_sizes = 1;
inline constexpr std::uint64_t firms = 2;
inline constexpr std::uint64_t compound_attributes = 3;
inline constexpr std::uint64_t households = 4;
/// grid lever: the patrol phase of each grid cell, per synthesis_compound(c)
inline constexpr std::uint64_t grid_phases = 5;
inline constexpr std::uint64_t onset = 10;
inline constexpr std::uint64_t detection = 11;
inline constexpr std::uint64_t handling = 12;
inline constexpr std::uint64_t decision = 13;
inline constexpr std::uint64_t monthly = 14;
/// owners' assemblies, committee turnover and the street office's tenders, per community
inline constexpr std::uint64_t assembly = 18;
/// tenders, for the town (reserved: tenders are decided without draws today)
inline constexpr std::uint64_t tender = 19;
// Levers draw from purposes of their own, so that switching a lever on leaves every draw of
// the baseline's streams in place (common random numbers between a model and its baseline).
/// grid lever: failed patrols before detection, per community
inline constexpr std::uint64_t patrol = 15;
/// takeover lever: days from abandonment to interim management, per community
inline constexpr std::uint64_t takeover = 16;
/// joint-meeting lever: outcomes of the cases a meeting takes up, for the town
inline constexpr std::uint64_t meeting = 17;
/// party-building lever: party branches and cross-membership, per community
inline constexpr std::uint64_t party = 20;
/// self-governance lever: groups forming in unmanaged compounds, per community
inline constexpr std::uint64_t self_governance = 21;
} // namespace purpose

} // namespace govsim::models
