#pragma once
// Checkpoints of an experiment (the "partial store"): every finished run is saved at once
// beside the results file, in `OUT.h5.partial/`, so that an interrupted ensemble loses nothing
// it finished and a second invocation with the same scenario, seed and options resumes where
// it stopped. Runs depend only on their index, so a resumed experiment gives the same results
// as an uninterrupted one. The results file is assembled from the store by streaming, run by
// run, and the folder is removed once the file is complete.
//
// Safety (issue #11):
// - The folder holds a manifest: the experiment's Fingerprint, everything the runs depend on
//   (scenario files, seed, replicates, options, program version with commit, build type). A
//   folder of another fingerprint is refused with a message naming what differs; nothing in it
//   is deleted.
// - Each checkpoint holds its run's full key, the fingerprint's hash, its length and a
//   checksum; on load every one of them is verified, and every length is bounded by what the
//   run's shape implies (and by the file's size) before anything is allocated. A checkpoint
//   that fails is *damaged*: it is reported and the run is computed again.
// - The owner of the store holds an exclusive lock (`OUT.h5.partial/lock`) while it works, so a
//   second invocation on the same results file refuses instead of sharing the folder; under the
//   lock, temporary files left by killed processes are removed.
// - A checkpoint is written to a temporary file and renamed into place, and a run is saved only
//   when its result is complete (check_complete).
#include "models/summary.hpp"
#include "sim/checksum.hpp"
#include "sim/results_file.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace govsim::models {

/// What an experiment's results depend on, as named single-line fields (long texts, such as
/// the scenario files, are entered by their checksum). Two invocations with equal fingerprints
/// compute identical runs.
class Fingerprint {
public:
    /// Adds a field; `value` must not contain a line break.
    void add(std::string name, std::string value);
    /// Adds a field whose value is the checksum of `text` (e.g. a file's contents).
    void add_text(std::string name, std::string_view text);

    [[nodiscard]] const std::vector<std::pair<std::string, std::string>>& fields() const {
        return fields_;
    }
    /// The fields as text, one `name: value` line each (the manifest's contents).
    [[nodiscard]] std::string text() const;
    /// The checksum of text(), stored in every checkpoint.
    [[nodiscard]] std::uint64_t hash() const;
    /// Parses text(); nothing if `text` is not a fingerprint's text.
    [[nodiscard]] static std::optional<Fingerprint> parse(std::string_view text);
    /// The first field that differs from `other` (name, this value, other value), or nothing.
    [[nodiscard]] std::optional<std::tuple<std::string, std::string, std::string>>
    first_difference(const Fingerprint& other) const;

private:
    std::vector<std::pair<std::string, std::string>> fields_;
};

/// What a finished run must look like: its key, and the lengths its scenario implies.
struct RunShape {
    RunKey key;
    std::size_t years = 0;        ///< rows of `years`; category_years has years x categories
    std::size_t days = 0;         ///< rows of `daily`
    std::size_t months = 0;       ///< rows of `monthly`
    bool record_disputes = false; ///< `disputes` holds every dispute (else none)
};

/// "run 12 (town 'lishui', model 'denghu', replicate 2)": a run as messages name it.
[[nodiscard]] std::string describe_run(const RunKey& key);

class RecordSpill;

/// Throws std::logic_error unless `run` has exactly the key and lengths of `shape` (a run that
/// stopped part-way, or a corrupt record, never passes). A run whose records went to `spill`
/// (RunOptions::on_records) has them counted there, and none in `run.disputes`.
void check_complete(const RunResult& run, const RunShape& shape,
                    const RecordSpill* spill = nullptr);

/// The dispute records of a run still going, written to a file in the store as they come
/// (RunOptions::on_records), so that a run keeping records holds none of them in memory. The
/// records are where a checkpoint holds them (after its header), so Checkpoint::save completes
/// the file into the run's checkpoint and renames it, without copying them. The file
/// (`<run file>.records.tmp-<pid>`) is removed when the spill is destroyed unless it was
/// saved, and by the store's owner if a process was killed.
class RecordSpill {
public:
    /// Throws sim::OutputError with the path and the system's reason if it cannot be created.
    explicit RecordSpill(std::filesystem::path path);
    ~RecordSpill();
    RecordSpill(const RecordSpill&) = delete;
    RecordSpill& operator=(const RecordSpill&) = delete;

    /// Appends records (buffered); throws sim::OutputError on a failed write.
    void append(std::span<const DisputeRecord> records);
    [[nodiscard]] std::uint64_t count() const { return count_; }
    /// Records of the reported years (onset from day 0 on).
    [[nodiscard]] std::uint64_t reported() const { return reported_; }

    /// Writes what is buffered: after it, the spill is only read (replay), by any thread.
    void finish_writing();
    /// Calls `take` with the records, in order, at most record_piece at a time (read from the
    /// file: finish_writing first); throws sim::OutputError if they cannot be read.
    void replay(const std::function<void(std::span<const DisputeRecord>)>& take) const;

private:
    friend class Checkpoint;
    /// Writes the rest of the checkpoint of `run` (whose records are this spill's) and its
    /// header, and renames the file to `path`. Throws sim::OutputError on failure (the file is
    /// then removed with the spill). No call is allowed after it.
    void save_as(const RunResult& run, std::uint64_t fingerprint_hash,
                 const std::filesystem::path& path);
    void flush();
    std::filesystem::path path_;
    int fd_ = -1;
    bool saved_ = false;
    std::uint64_t written_ = 0; ///< bytes written to the file so far (where the next go)
    std::string buffer_;
    std::uint64_t count_ = 0, reported_ = 0;
    sim::Checksum sum_; ///< of the records so far: the start of the checkpoint's payload
};

class Checkpoint {
public:
    /// How a process uses the store: the Owner creates it, locks it and removes it at the end;
    /// a Worker (another MPI rank of the owner's job) only checks the manifest and saves runs.
    enum class Role : std::uint8_t { Owner, Worker };

    /// Opens the store in `folder` for runs of `fingerprint`. An Owner creates the folder if
    /// needed and takes its lock (throws sim::OutputError naming the holder if another process
    /// has it), writes the manifest in a new folder or checks it in an existing one, and
    /// removes stale temporary files; a Worker requires the folder and an equal manifest.
    /// A manifest of another fingerprint throws sim::OutputError naming the first difference.
    Checkpoint(std::filesystem::path folder, Fingerprint fingerprint, Role role = Role::Owner);

    /// The folder used for the results file `results_path`.
    [[nodiscard]] static std::filesystem::path
    folder_for(const std::filesystem::path& results_path);

    /// The run of `shape.key.index`, if it was saved and is sound. A checkpoint that is not
    /// (damaged, truncated, of another key or experiment) is reported in `*problem` (when given)
    /// and yields nothing, so the run is computed again.
    [[nodiscard]] std::optional<RunResult> load(const RunShape& shape,
                                                std::string* problem = nullptr) const;
    /// As load, keeping none of the dispute records: they are read from the file (kept open)
    /// a piece at a time by the result's `records.read`, which completes the checks as it goes
    /// and throws DamagedRun naming the file and the problem (decode_run_streamed).
    [[nodiscard]] std::optional<StreamedRun> load_streamed(const RunShape& shape,
                                                           std::string* problem = nullptr) const;
    /// Hands the checkpoint of the run of `shape.key.index`, byte for byte (encode_run's
    /// bytes), to `take` 1 MiB at a time, once it has been verified as load verifies it (read a
    /// piece at a time too). Throws sim::OutputError naming the file and the problem if it is
    /// missing, damaged or cannot be read.
    void copy(const RunShape& shape, const std::function<void(std::string_view)>& take) const;
    /// Whether the run of `shape.key.index` was saved and is sound, as load would find it, read
    /// a piece at a time (its records are not kept); sets `*problem` as load does.
    [[nodiscard]] bool sound(const RunShape& shape, std::string* problem = nullptr) const;
    /// Saves a finished run (to a temporary file renamed into place); throws sim::OutputError
    /// with the path and the system's reason on failure (nothing is left behind). Its records
    /// are those of `spill` if given (and `run.disputes` is then empty): the spill's file is
    /// completed and renamed into place, and `spill` may only be destroyed after. Else
    /// `run.disputes`.
    void save(const RunResult& run, RecordSpill* spill = nullptr) const;
    /// A spill for the records of run `index` while it goes on.
    [[nodiscard]] std::unique_ptr<RecordSpill> spill(std::size_t index) const;
    /// A spill for the records of a history several runs continue from (run_history), while it
    /// is needed; `id` tells it from the others of this process.
    [[nodiscard]] std::unique_ptr<RecordSpill> history_spill(std::uint64_t id) const;
    /// Indices of the runs saved (files present; not verified), in increasing order.
    [[nodiscard]] std::vector<std::size_t> saved_indices() const;
    /// Number of runs saved so far.
    [[nodiscard]] std::size_t saved() const { return saved_indices().size(); }
    /// Deletes the folder and everything in it (the lock goes with it), the manifest last.
    void remove() const;

    [[nodiscard]] const std::filesystem::path& folder() const { return folder_; }
    [[nodiscard]] const Fingerprint& fingerprint() const { return fingerprint_; }
    [[nodiscard]] std::filesystem::path run_path(std::size_t index) const;

private:
    std::filesystem::path folder_;
    Fingerprint fingerprint_;
    std::uint64_t fingerprint_hash_ = 0;
    std::optional<sim::OutputLock> lock_; ///< held by the Owner
};

/// A checkpoint record: the bytes of a run as saved (for stores other than the folder, such as
/// shard files). encode_run gives the bytes, decode_run verifies and parses them like
/// Checkpoint::load (returning nothing and setting *problem when they are not sound).
[[nodiscard]] std::string encode_run(const RunResult& run, std::uint64_t fingerprint_hash);
[[nodiscard]] std::optional<RunResult> decode_run(std::string_view bytes, const RunShape& shape,
                                                  std::uint64_t fingerprint_hash,
                                                  std::string* problem);

/// What the `records.read` of a decoded run throws when its records cannot be read or the run
/// is damaged (what the function handed the records to throws passes through unchanged).
class DamagedRun : public sim::OutputError {
public:
    using sim::OutputError::OutputError;
};

/// Makes what `records.read` throws as DamagedRun say explain(what it said) instead: the
/// context (a file, a run) added by whoever hands the records on.
void explain_damage(RecordPieces& records,
                    std::function<std::string(const std::string& problem)> explain);

/// The run with its records read into `run.disputes` (whatever records.read throws).
[[nodiscard]] RunResult with_records(StreamedRun&& run);

/// Reads bytes [offset, offset + out.size()) of a saved run, wherever it is kept, into `out`;
/// throws sim::OutputError if they cannot be read.
using ByteReader = std::function<void(std::uint64_t offset, std::span<char> out)>;
/// Records in one piece of RecordPieces::read (1 MiB of them).
inline constexpr std::size_t record_piece = (std::size_t{1} << 20) / sizeof(DisputeRecord);
/// As decode_run, for a saved run of `size` bytes read through `read` a piece at a time: the
/// header and the layout are checked and the head (the key and every table) is parsed, but the
/// dispute records are left where they are. Its `records.read` reads them, at most
/// record_piece at a time, and completes decode_run's checks as it goes: once the last piece
/// has been handed over it throws DamagedRun (with the problem) if the checksum of the whole
/// run or the number of records is wrong, as it does if `read` throws. So nothing read from it may
/// be kept (written, reported) unless records.read returns; with_records reads it whole.
[[nodiscard]] std::optional<StreamedRun> decode_run_streamed(std::uint64_t size, ByteReader read,
                                                             const RunShape& shape,
                                                             std::uint64_t fingerprint_hash,
                                                             std::string* problem);

} // namespace govsim::models
