#pragma once
// Dwelling units, their owners (业主) and the households living in them. Every unit has an
// owner; once the unit is occupied (its move-in day has come), either the owner lives there
// (owner-occupier) or, if the owner lets it, a tenant household does, and the owner is absent.
// Before move-in, or if it is never occupied (empty, second home), the owner is absent too.
// The fee is the owner's liability; the household living in the unit (owner or tenant) raises
// service, parking and neighbour disputes, owners raise owners'-rights disputes. Structure of
// arrays, grouped by compound (compound c has units [first_unit, first_unit + units)); within a
// compound, units are ordered by move-in day, so the occupied ones are a prefix.
#include <cstdint>
#include <limits>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

namespace govsim::models {

inline constexpr std::int32_t never = std::numeric_limits<std::int32_t>::max();

/// Who is party to a dispute.
enum class Party : std::uint8_t {
    Resident, ///< the household living in the unit (the owner, or a tenant if the unit is let)
    Owner,    ///< the unit's owner, who does not live there
};

/// An allocator that leaves new elements of a resize uninitialised (default-initialised)
/// instead of zeroing them, for arrays that are written in full right after (synthesis).
template <class T>
struct NoInitAllocator : std::allocator<T> {
    template <class U>
    struct rebind {
        using other = NoInitAllocator<U>;
    };
    NoInitAllocator() = default;
    template <class U>
    NoInitAllocator(const NoInitAllocator<U>&) noexcept {} // NOLINT: rebinding converts
    template <class U>
    void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
        ::new (static_cast<void*>(p)) U;
    }
    template <class U, class... Args>
    void construct(U* p, Args&&... args) {
        ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
    }
};

/// A unit attribute's array.
template <class T>
using Column = std::vector<T, NoInitAllocator<T>>;

struct Units {
    Column<std::int32_t> move_in_day;    ///< first occupied day; `never` if it stays empty
    Column<std::uint8_t> let;            ///< 1: once occupied, a tenant household lives there
    Column<std::uint8_t> owner_nonlocal; ///< 1: the owner is not a Foshan resident
    Column<std::uint8_t> cars;           ///< of the household that lives there
    Column<float> floor_area_m2;
    // The owner (for an owner-occupier, also the household).
    Column<float> owner_satisfaction; ///< with service, in [0, 1]
    Column<float> owner_trust;        ///< in institutions, in [0, 1]
    Column<float> fee_threshold;      ///< pays while satisfaction >= threshold (+ shift)
    // The tenant household of a let unit (unused otherwise).
    Column<float> tenant_satisfaction;
    Column<float> tenant_trust;

    [[nodiscard]] std::size_t size() const { return move_in_day.size(); }
    /// n units; units added are zero in every attribute (units kept keep theirs).
    void resize(std::size_t n);
    /// n units whose attributes the caller writes in full before reading any (synthesis): the
    /// arrays are allocated but not zeroed, so their memory is first touched by the writes.
    void resize_for_overwrite(std::size_t n);
};

} // namespace govsim::models
