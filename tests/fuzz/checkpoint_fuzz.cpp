// libFuzzer harness for the checkpoint decoder (models/checkpoint.hpp): a saved run read back
// from a store or a shard file may have been damaged in any way, and must either decode to a
// run of the expected shape or be reported as damaged with one line saying why — never crash,
// read out of bounds, allocate without bound or throw anything else. The input edits a valid
// checkpoint of a small run (overwriting, inserting or erasing bytes anywhere, the header
// included), and its checksum is made right again unless the input says otherwise, so that the
// edits reach the parser instead of stopping at the checksum. Each edited checkpoint is decoded
// whole (decode_run) and a piece at a time (decode_run_streamed, whose records.read may throw
// only DamagedRun). Built by GOVSIM_FUZZ=ON with clang; run by scripts/fuzz.sh.
#include "models/checkpoint.hpp"
#include "sim/checksum.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>

namespace {

namespace m = govsim::models;

constexpr std::uint64_t fingerprint_hash = 0x5EED5EED5EED5EEDULL;
constexpr std::size_t header_size = 32; // magic, fingerprint hash, length, checksum

[[noreturn]] void finding(const char* what, const std::string& message) {
    std::fprintf(stderr, "FINDING: %s: %s\n", what, message.c_str());
    std::abort();
}

m::RunShape shape_of(bool records) {
    m::RunShape shape;
    shape.key = m::RunKey{3, "scenario", "town", "model", 1};
    shape.years = 2;
    shape.days = 5;
    shape.months = 2;
    shape.record_disputes = records;
    return shape;
}

/// A checkpoint of a run of shape_of(records), with a few dispute records if `records` (one
/// of them in the warm-up, so not counted among the run's disputes).
std::string checkpoint(bool records) {
    const m::RunShape shape = shape_of(records);
    m::RunResult r;
    r.key = shape.key;
    r.years.resize(shape.years);
    r.category_years.resize(shape.years * m::category_count);
    r.daily.resize(shape.days);
    r.monthly.resize(shape.months);
    r.equity.resize(m::housing_type_count + m::community_kind_names.size() +
                    m::tenure_names.size() + m::origin_names.size());
    if (records) {
        for (int i = 0; i < 5; ++i) {
            m::DisputeRecord d;
            d.household = static_cast<std::uint32_t>(i);
            d.onset = i - 1.0;
            r.disputes.push_back(d);
        }
        r.total.stats.disputes = 4;
    }
    return m::encode_run(r, fingerprint_hash);
}

/// Reads a little-endian number of `n` bytes from the input, 0 past its end.
std::uint64_t take(std::span<const std::uint8_t>& in, std::size_t n) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n && !in.empty(); ++i) {
        v |= std::uint64_t{in.front()} << (8 * i);
        in = in.subspan(1);
    }
    return v;
}

/// Whether `bytes` decode (whole and streamed agreeing, or it is a finding).
bool check(const std::string& bytes, const m::RunShape& shape) {
    std::string problem;
    const auto run = m::decode_run(bytes, shape, fingerprint_hash, &problem);
    if (run) {
        if (run->years.size() != shape.years || run->daily.size() != shape.days ||
            run->monthly.size() != shape.months ||
            (!shape.record_disputes && !run->disputes.empty()))
            finding("a run of another shape decoded", problem);
    } else if (problem.empty() || problem.find('\n') != std::string::npos) {
        finding("damage reported without one line saying why", problem);
    }
    // The same bytes a piece at a time: the same verdict, reached while the records are read.
    std::string streamed_problem;
    const std::string_view view(bytes);
    auto streamed = m::decode_run_streamed(
        bytes.size(),
        [view](std::uint64_t offset, std::span<char> out) {
            if (offset > view.size() || out.size() > view.size() - offset)
                finding("a read past the end", std::to_string(offset));
            std::memcpy(out.data(), view.data() + offset, out.size());
        },
        shape, fingerprint_hash, &streamed_problem);
    bool sound = streamed.has_value();
    if (streamed) {
        std::uint64_t handed = 0;
        try {
            streamed->records.read([&](std::span<const m::DisputeRecord> piece) {
                if (piece.empty() || piece.size() > m::record_piece)
                    finding("a piece of records of the wrong size", std::to_string(piece.size()));
                handed += piece.size();
            });
            if (handed != streamed->records.count)
                finding("records handed over and counted differ", std::to_string(handed));
        } catch (const m::DamagedRun& e) {
            sound = false;
            streamed_problem = e.what();
        }
    }
    if (sound != run.has_value())
        finding("the whole and the streamed decoder disagree", problem + " / " + streamed_problem);
    return sound;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::span<const std::uint8_t> in(data, size);
    const std::uint64_t flags = take(in, 1);
    const bool records = (flags & 1) != 0, keep_checksum = (flags & 2) != 0;
    std::string bytes = checkpoint(records);
    const bool edited = !in.empty();
    // Edits: an operation, an offset (modulo the size), a length, and the bytes of an overwrite
    // or insertion.
    while (!in.empty()) {
        const auto op = take(in, 1) % 3;
        const std::size_t at = bytes.empty() ? 0 : take(in, 2) % (bytes.size() + 1);
        const auto n = static_cast<std::size_t>(take(in, 1));
        if (op == 2) {
            bytes.erase(at, n);
            continue;
        }
        std::string piece;
        for (std::size_t i = 0; i < n && !in.empty(); ++i)
            piece.push_back(static_cast<char>(take(in, 1)));
        if (op == 0)
            bytes.replace(at, std::min(piece.size(), bytes.size() - at), piece);
        else
            bytes.insert(at, piece);
    }
    if (!keep_checksum && bytes.size() >= header_size) {
        const std::uint64_t length = bytes.size() - header_size;
        const std::uint64_t sum = govsim::sim::checksum(bytes.data() + header_size, length);
        std::memcpy(bytes.data() + 16, &length, sizeof length);
        std::memcpy(bytes.data() + 24, &sum, sizeof sum);
    }
    if (!check(bytes, shape_of(records)) && !edited)
        finding("the checkpoint as written did not decode", std::to_string(flags));
    return 0;
}
