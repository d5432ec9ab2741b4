// Shard files (see shard_file.hpp).
#include "models/shard_file.hpp"

#include "models/scenario_loader.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cstring>
#include <map>

namespace govsim::models {

namespace {

/// A row of /shard_runs.
struct ShardRow {
    std::uint64_t index = 0;
    RunKey key;
    std::uint64_t years = 0, days = 0, months = 0;
    std::uint8_t record_disputes = 0;
    std::uint64_t offset = 0, bytes = 0;
};

std::size_t longest(const std::vector<ShardRow>& rows, std::string RunKey::*field) {
    std::size_t width = 1;
    for (const ShardRow& r : rows)
        width = std::max(width, (r.key.*field).size());
    return width;
}

} // namespace

std::pair<std::size_t, std::size_t> parse_shard(const std::string& text) {
    const auto slash = text.find('/');
    std::size_t k = 0, n = 0;
    const auto parse = [](std::string_view s, std::size_t& v) {
        const auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), v);
        return error == std::errc() && end == s.data() + s.size() && !s.empty();
    };
    if (slash == std::string::npos || !parse(std::string_view(text).substr(0, slash), k) ||
        !parse(std::string_view(text).substr(slash + 1), n) || k < 1 || k > n ||
        n > limits::max_runs)
        throw std::invalid_argument(fmt::format(
            "--shard {}: expected k/n with 1 <= k <= n (the k-th of n shards, e.g. 2/8)", text));
    return {k - 1, n};
}

void write_shard(const std::string& path, const Provenance& provenance, const ExperimentPlan& plan,
                 const std::vector<std::size_t>& indices, std::size_t part, std::size_t parts,
                 const Checkpoint& store) {
    sim::ResultsFile file(path);
    file.set_attribute("format", shard_format);
    file.set_attribute("format_version", shard_format_version);
    file.set_attribute("shard", fmt::format("{}/{}", part + 1, parts));
    file.set_attribute("shard_part", static_cast<std::uint64_t>(part));
    file.set_attribute("shard_parts", static_cast<std::uint64_t>(parts));
    file.set_attribute("runs", static_cast<std::uint64_t>(plan.runs()));
    file.set_attribute("fingerprint", store.fingerprint().text());
    write_provenance(file, provenance);
    // The format attribute of a results file was written over by write_provenance: a shard file
    // is not a results file.
    file.set_attribute("format", shard_format);
    file.set_attribute("format_version", shard_format_version);

    std::vector<ShardRow> rows;
    rows.reserve(indices.size());
    {
        auto records = file.create_bytes(
            "shard_records",
            "The checkpoint records of the shard's runs (models::encode_run), one after "
            "another; /shard_runs says where each is. Read by govsim merge.");
        for (const std::size_t i : indices) {
            const RunShape shape = plan.shape(i);
            // The run's checkpoint is copied a piece at a time (its records are never all in
            // memory): its bytes are encode_run's.
            std::uint64_t offset = records.size(), bytes = 0;
            try {
                store.copy(shape, [&](std::string_view piece) {
                    (void)records.append(piece);
                    bytes += piece.size();
                });
            } catch (const sim::OutputError& e) {
                throw sim::OutputError(fmt::format("cannot write the shard file '{}': the saved {} "
                                                   "cannot be read back: {}",
                                                   path, describe_run(shape.key), e.what()));
            }
            ShardRow row;
            row.index = i;
            row.key = shape.key;
            row.years = shape.years;
            row.days = shape.days;
            row.months = shape.months;
            row.record_disputes = shape.record_disputes ? 1 : 0;
            row.offset = offset;
            row.bytes = bytes;
            rows.push_back(std::move(row));
        }
    }
    using R = ShardRow;
    sim::RowTable<R> table(rows);
    table
        .attribute("description", "One row per run of the shard: its index in the experiment, "
                                  "its key and shape, and where its record is in /shard_records.")
        .column("index", [](const R& r) { return r.index; })
        .string_column(
            "scenario", [](const R& r) -> const std::string& { return r.key.scenario; },
            longest(rows, &RunKey::scenario))
        .string_column(
            "town", [](const R& r) -> const std::string& { return r.key.town; },
            longest(rows, &RunKey::town))
        .string_column(
            "model", [](const R& r) -> const std::string& { return r.key.model; },
            longest(rows, &RunKey::model))
        .column("replicate", [](const R& r) { return r.key.replicate; })
        .column("years", [](const R& r) { return r.years; })
        .column("days", [](const R& r) { return r.days; })
        .column("months", [](const R& r) { return r.months; })
        .column("record_disputes", [](const R& r) { return r.record_disputes; })
        .column("offset", [](const R& r) { return r.offset; })
        .column("bytes", [](const R& r) { return r.bytes; });
    file.write_table("shard_runs", table);
    file.commit();
}

ShardRuns::~ShardRuns() = default;

ShardRuns::ShardRuns(const std::vector<std::string>& paths) {
    if (paths.empty())
        throw std::invalid_argument("merge: name the shard files to merge");
    std::map<std::size_t, std::string> part_files;
    std::optional<std::size_t> parts;
    std::uint64_t total = 0;
    std::vector<std::unique_ptr<sim::ResultsReader>> opened;
    std::vector<std::size_t> part_of;
    for (const std::string& path : paths) {
        auto reader = std::make_unique<sim::ResultsReader>(path);
        const auto fail = [&](const std::string& what) {
            return sim::OutputError(fmt::format("cannot merge '{}': {}", path, what));
        };
        if (!reader->has_attribute("format") || reader->string_attribute("format") != shard_format)
            throw fail("not a govsim shard file (written by govsim run ... --shard k/n)");
        if (reader->uint_attribute("format_version") !=
            static_cast<std::uint64_t>(shard_format_version))
            throw fail("a shard file of another format version");
        const auto fingerprint = Fingerprint::parse(reader->string_attribute("fingerprint"));
        if (!fingerprint)
            throw fail("its fingerprint is not readable");
        const std::size_t part = reader->uint_attribute("shard_part");
        const std::size_t n = reader->uint_attribute("shard_parts");
        if (opened.empty()) {
            fingerprint_ = *fingerprint;
            parts = n;
            total = reader->uint_attribute("runs");
            provenance_ = read_provenance(*reader);
        } else if (const auto diff = fingerprint_.first_difference(*fingerprint)) {
            throw fail(fmt::format("it is a shard of another experiment than '{}' (its {} is {}, "
                                   "there {})",
                                   paths.front(), std::get<0>(*diff), std::get<2>(*diff),
                                   std::get<1>(*diff)));
        } else if (n != *parts) {
            throw fail(
                fmt::format("it is one of {} shards, '{}' one of {}", n, paths.front(), *parts));
        }
        if (const auto it = part_files.find(part); it != part_files.end())
            throw fail(
                fmt::format("shard {}/{} is given twice (also '{}')", part + 1, n, it->second));
        part_files[part] = path;
        const Provenance p = read_provenance(*reader);
        max_ranks_ = std::max(max_ranks_, p.ranks);
        max_threads_ = std::max(max_threads_, p.threads);
        opened.push_back(std::move(reader));
        part_of.push_back(part);
    }
    for (std::size_t k = 0; k < *parts; ++k)
        if (!part_files.count(k))
            throw sim::OutputError(
                fmt::format("cannot merge: shard {}/{} is missing (given: {} of {} shards)", k + 1,
                            *parts, part_files.size(), *parts));
    if (total > limits::max_runs)
        throw sim::OutputError(fmt::format("cannot merge '{}': {} runs", paths.front(), total));

    // Files by part, and every run of the experiment in exactly one of them.
    files_.resize(*parts);
    runs_.resize(static_cast<std::size_t>(total));
    std::vector<char> seen(runs_.size(), 0);
    for (std::size_t f = 0; f < opened.size(); ++f) {
        const std::size_t part = part_of[f];
        sim::ResultsReader& reader = *opened[f];
        const auto fail = [&](const std::string& what) {
            return sim::OutputError(
                fmt::format("cannot merge '{}': {}", reader.path().string(), what));
        };
        const auto index = reader.uint_column("shard_runs", "index");
        const auto replicate = reader.uint_column("shard_runs", "replicate");
        const auto years = reader.uint_column("shard_runs", "years");
        const auto days = reader.uint_column("shard_runs", "days");
        const auto months = reader.uint_column("shard_runs", "months");
        const auto disputes = reader.uint_column("shard_runs", "record_disputes");
        const auto offset = reader.uint_column("shard_runs", "offset");
        const auto bytes = reader.uint_column("shard_runs", "bytes");
        const auto scenario = reader.string_column("shard_runs", "scenario");
        const auto town = reader.string_column("shard_runs", "town");
        const auto model = reader.string_column("shard_runs", "model");
        for (std::size_t r = 0; r < index.size(); ++r) {
            const std::uint64_t i = index[r];
            if (i >= total || i % *parts != part)
                throw fail(fmt::format("it holds run {}, which is not one of shard {}/{}", i,
                                       part + 1, *parts));
            if (seen[i])
                throw fail(fmt::format("run {} appears twice", i));
            seen[i] = 1;
            Run& run = runs_[i];
            run.shape.key.index = static_cast<std::uint32_t>(i);
            run.shape.key.scenario = scenario[r];
            run.shape.key.town = town[r];
            run.shape.key.model = model[r];
            run.shape.key.replicate = static_cast<std::uint32_t>(replicate[r]);
            run.shape.years = years[r];
            run.shape.days = days[r];
            run.shape.months = months[r];
            run.shape.record_disputes = disputes[r] != 0;
            record_disputes_ = run.shape.record_disputes;
            run.file = part;
            run.offset = offset[r];
            run.bytes = bytes[r];
        }
        files_[part] = std::move(opened[f]);
    }
    for (std::size_t i = 0; i < runs_.size(); ++i)
        if (!seen[i])
            throw sim::OutputError(fmt::format(
                "cannot merge: run {} is in none of the shards (its shard, {}/{}, is '{}', which "
                "is incomplete)",
                i, i % *parts + 1, *parts, part_files[i % *parts]));
}

StreamedRun ShardRuns::load_streamed(std::size_t index) const {
    const Run& run = runs_[index];
    const sim::ResultsReader& file = *files_[run.file];
    // The records are read from the file, which this object keeps open, while it is written.
    ByteReader read = [&file, &run](std::uint64_t offset, std::span<char> out) {
        const std::string bytes = file.bytes("shard_records", run.offset + offset, out.size());
        std::memcpy(out.data(), bytes.data(), out.size());
    };
    std::string problem;
    auto result =
        decode_run_streamed(run.bytes, std::move(read), run.shape, fingerprint_.hash(), &problem);
    const auto damaged = [&file, &run](const std::string& what) {
        return fmt::format("cannot merge '{}': its {} is damaged: {}", file.path().string(),
                           describe_run(run.shape.key), what);
    };
    if (!result)
        throw sim::OutputError(damaged(problem));
    explain_damage(result->records, damaged);
    return std::move(*result);
}

RunResult ShardRuns::load(std::size_t index) const {
    return with_records(load_streamed(index));
}

} // namespace govsim::models
