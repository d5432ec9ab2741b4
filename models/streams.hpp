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
inline constexpr std::uint64_t onset = 10;
inline constexpr std::uint64_t detection = 11;
inline constexpr std::uint64_t handling = 12;
inline constexpr std::uint64_t decision = 13;
inline constexpr std::uint64_t monthly = 14;
} // namespace purpose

} // namespace govsim::models
