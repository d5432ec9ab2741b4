#pragma once
// A fast 64-bit checksum of bytes, to detect damaged files (a flipped bit, a truncated or
// overwritten block), not deliberate forgery. Words of 8 bytes are mixed in one at a time with
// a multiply-xorshift step, the tail byte by byte, and the length and a final SplitMix64
// avalanche make every input bit affect every output bit. Deterministic across platforms of
// the same endianness (little-endian: the files it protects are not portable to big-endian
// machines anyway).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace govsim::sim {

/// Incremental: feed bytes in any pieces, the value depends only on the concatenation.
class Checksum {
public:
    void add(const void* data, std::size_t size) {
        const auto* p = static_cast<const unsigned char*>(data);
        length_ += size;
        // Complete a partial word left by the previous call.
        while (pending_ > 0 && pending_ < 8 && size > 0) {
            word_ |= std::uint64_t{*p++} << (8 * pending_++);
            --size;
        }
        if (pending_ == 8) {
            mix(word_);
            word_ = 0;
            pending_ = 0;
        }
        for (; size >= 8; size -= 8, p += 8) {
            std::uint64_t w = 0;
            std::memcpy(&w, p, 8);
            mix(w);
        }
        for (; size > 0; --size)
            word_ |= std::uint64_t{*p++} << (8 * pending_++);
    }
    void add(std::string_view text) { add(text.data(), text.size()); }

    [[nodiscard]] std::uint64_t value() const {
        std::uint64_t h = state_;
        if (pending_ > 0)
            h = step(h, word_ ^ (std::uint64_t{pending_} << 56));
        return finish(h ^ length_);
    }

private:
    static constexpr std::uint64_t multiplier = 0x9E3779B97F4A7C15ULL;
    [[nodiscard]] static std::uint64_t step(std::uint64_t h, std::uint64_t w) {
        h ^= w * 0xBF58476D1CE4E5B9ULL;
        h = (h << 27) | (h >> 37);
        return h * multiplier + 0x94D049BB133111EBULL;
    }
    [[nodiscard]] static std::uint64_t finish(std::uint64_t x) {
        x ^= x >> 30;
        x *= 0xBF58476D1CE4E5B9ULL;
        x ^= x >> 27;
        x *= 0x94D049BB133111EBULL;
        return x ^ (x >> 31);
    }
    void mix(std::uint64_t w) { state_ = step(state_, w); }

    std::uint64_t state_ = 0x2545F4914F6CDD1DULL;
    std::uint64_t word_ = 0;
    std::uint64_t length_ = 0;
    unsigned pending_ = 0; ///< bytes in word_ (0..7)
};

/// The checksum of one piece of bytes.
[[nodiscard]] inline std::uint64_t checksum(const void* data, std::size_t size) {
    Checksum c;
    c.add(data, size);
    return c.value();
}
[[nodiscard]] inline std::uint64_t checksum(std::string_view text) {
    return checksum(text.data(), text.size());
}

} // namespace govsim::sim
