// Checkpoints of an experiment (see checkpoint.hpp). A checkpoint file is a header and a
// payload:
//   magic "GOVSIMC5" | fingerprint hash u64 | payload bytes u64 | payload checksum u64 | payload
// and the payload is the run's dispute records (64 bytes each), its head (the key and the tables,
// each vector preceded by its length), its wall time (f64) and the number of records (u64).
// The records come first so that a run's spill file (its records, written as the run goes on)
// becomes its checkpoint without being copied, and the checksum of the records is taken as they
// are written. Numbers are stored in the machine's own representation (checkpoints are not meant
// to move between machines of different endianness; the manifest names the build).
#include "models/checkpoint.hpp"

#include "sim/checksum.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fcntl.h>
#include <random>
#include <sys/stat.h>
#include <type_traits>
#include <unistd.h>

namespace govsim::models {

namespace {
/// Dispute records of the reported years (the warm-up's have negative onsets).
std::uint64_t reported_records(const RunResult& r) {
    return static_cast<std::uint64_t>(std::count_if(
        r.disputes.begin(), r.disputes.end(), [](const DisputeRecord& d) { return d.onset >= 0; }));
}
/// Records come for the warm-up too, so only the reported ones are known from the summary: as
/// many as its disputes when records were asked for, none at all otherwise.
bool records_match(const RunResult& r, const RunShape& shape, const RecordSpill* spill = nullptr) {
    if (spill)
        return shape.record_disputes && r.disputes.empty() &&
               spill->reported() == r.total.stats.disputes;
    return shape.record_disputes ? reported_records(r) == r.total.stats.disputes
                                 : r.disputes.empty();
}
/// Rows of a run's equity table: every group of every dimension.
constexpr std::uint64_t equity_rows =
    housing_type_count + community_kind_names.size() + tenure_names.size() + origin_names.size();
} // namespace

namespace {

constexpr char magic[8] = {'G', 'O', 'V', 'S', 'I', 'M', 'C', '5'};
constexpr std::size_t header_size = sizeof magic + 3 * sizeof(std::uint64_t);
constexpr std::string_view manifest_name = "manifest";
constexpr std::string_view lock_name = "lock";
constexpr std::string_view run_prefix = "run-";
constexpr std::string_view run_suffix = ".bin";
/// Longest key string (scenario, town or model name) a checkpoint may hold: names come from
/// scenario files, whose size is bounded (sim/config.hpp), so this only rejects garbage.
constexpr std::size_t max_name_bytes = 1 << 20;

class Writer {
public:
    explicit Writer(std::string& out) : out_(out) {}
    template <class T>
    void pod(const T& v) {
        static_assert(std::is_trivially_copyable_v<T>);
        out_.append(reinterpret_cast<const char*>(&v), sizeof v);
    }
    void str(const std::string& s) {
        pod(static_cast<std::uint64_t>(s.size()));
        out_.append(s);
    }
    template <class T>
    void vec(const std::vector<T>& v) {
        static_assert(std::is_trivially_copyable_v<T>);
        pod(static_cast<std::uint64_t>(v.size()));
        out_.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
    }

private:
    std::string& out_;
};

/// Reads from bytes in memory; every length is checked against `expected` and against what is
/// left before anything is allocated. Throws std::runtime_error with what is wrong.
class Reader {
public:
    explicit Reader(std::string_view bytes) : bytes_(bytes) {}
    template <class T>
    T pod() {
        static_assert(std::is_trivially_copyable_v<T>);
        T v{};
        take(&v, sizeof v);
        return v;
    }
    std::string str(const char* what) {
        const std::uint64_t n = pod<std::uint64_t>();
        if (n > max_name_bytes || n > left())
            throw std::runtime_error(fmt::format("{} has an impossible length {}", what, n));
        std::string s(static_cast<std::size_t>(n), '\0');
        take(s.data(), s.size());
        return s;
    }
    template <class T>
    std::vector<T> vec(const char* what, std::uint64_t expected) {
        const std::uint64_t n = pod<std::uint64_t>();
        if (n != expected)
            throw std::runtime_error(fmt::format("{} has {} rows, not {}", what, n, expected));
        return rows<T>(what, n);
    }
    template <class T>
    std::vector<T> rows(const char* what, std::uint64_t n) {
        if (n > left() / sizeof(T))
            throw std::runtime_error(fmt::format("{} is cut short", what));
        std::vector<T> v(static_cast<std::size_t>(n));
        take(v.data(), v.size() * sizeof(T));
        return v;
    }
    [[nodiscard]] std::size_t left() const { return bytes_.size() - at_; }

private:
    void take(void* p, std::size_t n) {
        if (n > left())
            throw std::runtime_error("cut short");
        if (n > 0)
            std::memcpy(p, bytes_.data() + at_, n);
        at_ += n;
    }
    std::string_view bytes_;
    std::size_t at_ = 0;
};

void write_key(Writer& w, const RunKey& k) {
    w.pod(static_cast<std::uint64_t>(k.index));
    w.str(k.scenario);
    w.str(k.town);
    w.str(k.model);
    w.pod(k.replicate);
}

template <class T>
void put_u64(std::string& out, std::size_t at, T value) {
    const auto v = static_cast<std::uint64_t>(value);
    std::memcpy(out.data() + at, &v, sizeof v);
}

std::uint64_t get_u64(std::string_view bytes, std::size_t at) {
    std::uint64_t v = 0;
    std::memcpy(&v, bytes.data() + at, sizeof v);
    return v;
}

/// Reads bytes of the file `fd` from `offset` into `out`, fewer if it ends before; returns how
/// many. Throws std::runtime_error with the reason on a failed read.
std::size_t read_at(int fd, std::uint64_t offset, std::span<char> out) {
    std::size_t done = 0;
    while (done < out.size()) {
        const ssize_t got =
            ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            throw std::runtime_error(sim::system_reason(errno));
        if (got == 0)
            break;
        done += static_cast<std::size_t>(got);
    }
    return done;
}

/// Reads exactly `out.size()` bytes of the file `fd` (named `shown` in messages) from
/// `offset`; throws sim::OutputError naming it if they cannot be read or the file ends before.
void read_all(int fd, std::uint64_t offset, std::span<char> out, const std::string& shown) {
    std::size_t got = 0;
    try {
        got = read_at(fd, offset, out);
    } catch (const std::runtime_error& e) {
        throw sim::OutputError(fmt::format("cannot read '{}': {}", shown, e.what()));
    }
    if (got != out.size())
        throw sim::OutputError(fmt::format("cannot read '{}': it is cut short", shown));
}

/// Writes all of `bytes` to the file `fd` (named `shown` in messages) at `offset`; throws
/// sim::OutputError naming it if they cannot be written.
void write_all(int fd, std::uint64_t offset, std::string_view bytes, const std::string& shown) {
    for (std::size_t done = 0; done < bytes.size();) {
        const ssize_t n = ::pwrite(fd, bytes.data() + done, bytes.size() - done,
                                   static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            throw sim::OutputError(
                fmt::format("cannot write '{}': {}", shown, sim::system_reason(errno)));
        done += static_cast<std::size_t>(n);
    }
}

/// A regular file open for reading.
class OpenedFile {
public:
    /// Opens `path`, a regular file of at most `limit` bytes; nothing if it does not exist.
    /// Throws std::runtime_error with the reason otherwise.
    static std::shared_ptr<OpenedFile> open(const std::filesystem::path& path,
                                            std::uint64_t limit) {
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        if (fd < 0) {
            if (errno == ENOENT)
                return nullptr;
            throw std::runtime_error(sim::system_reason(errno));
        }
        auto file = std::shared_ptr<OpenedFile>(new OpenedFile(fd));
        struct stat st {};
        if (::fstat(fd, &st) != 0)
            throw std::runtime_error(sim::system_reason(errno));
        if (!S_ISREG(st.st_mode))
            throw std::runtime_error("not a regular file");
        file->size_ = static_cast<std::uint64_t>(st.st_size);
        if (file->size_ > limit)
            throw std::runtime_error(fmt::format("{} bytes, more than a run of this shape can "
                                                 "hold ({} at most)",
                                                 file->size_, limit));
        return file;
    }
    ~OpenedFile() { ::close(fd_); }
    OpenedFile(const OpenedFile&) = delete;
    OpenedFile& operator=(const OpenedFile&) = delete;

    /// The size when opened.
    [[nodiscard]] std::uint64_t size() const { return size_; }
    /// Reads bytes from `offset` into `out`, fewer if the file ends before; returns how many.
    /// Throws std::runtime_error with the reason on a failed read.
    std::size_t read(std::uint64_t offset, std::span<char> out) const {
        return read_at(fd_, offset, out);
    }
    [[nodiscard]] int fd() const { return fd_; }

private:
    explicit OpenedFile(int fd) : fd_(fd) {}
    int fd_;
    std::uint64_t size_ = 0;
};

/// Reads a whole regular file of at most `limit` bytes; nothing if it does not exist.
/// Throws std::runtime_error with the reason otherwise.
std::optional<std::string> read_file(const std::filesystem::path& path, std::uint64_t limit) {
    const auto file = OpenedFile::open(path, limit);
    if (!file)
        return std::nullopt;
    std::string bytes(static_cast<std::size_t>(file->size()), '\0');
    bytes.resize(file->read(0, std::span<char>(bytes)));
    return bytes;
}

/// The most bytes a sound checkpoint of `shape` can have (disputes bounded by the engineering
/// limit on a run's disputes, which the loader enforces).
std::uint64_t size_limit(const RunShape& shape) {
    constexpr std::uint64_t max_disputes = std::uint64_t{1} << 28;
    return header_size + 4 * max_name_bytes + 1024 + shape.years * sizeof(YearRow) +
           shape.years * category_count * sizeof(CategoryYearRow) + shape.days * sizeof(DailyRow) +
           shape.months * sizeof(MonthlyRow) +
           (shape.record_disputes ? max_disputes * sizeof(DisputeRecord) : 0);
}

bool is_run_file(const std::string& name, std::size_t* index) {
    if (name.size() <= run_prefix.size() + run_suffix.size() ||
        name.compare(0, run_prefix.size(), run_prefix) != 0 ||
        name.compare(name.size() - run_suffix.size(), run_suffix.size(), run_suffix) != 0)
        return false;
    const char* first = name.data() + run_prefix.size();
    const char* last = name.data() + name.size() - run_suffix.size();
    std::size_t value = 0;
    const auto [end, error] = std::from_chars(first, last, value);
    if (error != std::errc() || end != last)
        return false;
    *index = value;
    return true;
}

} // namespace

// ---------------------------------------------------------------------------------------------
// Fingerprint

void Fingerprint::add(std::string name, std::string value) {
    if (name.find_first_of(":\n") != std::string::npos || value.find('\n') != std::string::npos)
        throw std::invalid_argument("fingerprint fields are single lines: " + name);
    fields_.emplace_back(std::move(name), std::move(value));
}

void Fingerprint::add_text(std::string name, std::string_view text) {
    add(std::move(name),
        fmt::format("checksum {:016x}, {} bytes", sim::checksum(text), text.size()));
}

std::string Fingerprint::text() const {
    std::string out = "govsim partial store 1\n";
    for (const auto& [name, value] : fields_)
        out += fmt::format("{}: {}\n", name, value);
    return out;
}

std::uint64_t Fingerprint::hash() const {
    return sim::checksum(text());
}

std::optional<Fingerprint> Fingerprint::parse(std::string_view text) {
    constexpr std::string_view head = "govsim partial store 1\n";
    if (text.substr(0, head.size()) != head)
        return std::nullopt;
    text.remove_prefix(head.size());
    Fingerprint f;
    while (!text.empty()) {
        const std::size_t end = text.find('\n');
        if (end == std::string_view::npos)
            return std::nullopt;
        const std::string_view line = text.substr(0, end);
        const std::size_t colon = line.find(": ");
        if (colon == std::string_view::npos)
            return std::nullopt;
        f.fields_.emplace_back(std::string(line.substr(0, colon)),
                               std::string(line.substr(colon + 2)));
        text.remove_prefix(end + 1);
    }
    return f;
}

std::optional<std::tuple<std::string, std::string, std::string>>
Fingerprint::first_difference(const Fingerprint& other) const {
    const auto find = [](const Fingerprint& f, const std::string& name) -> const std::string* {
        for (const auto& field : f.fields_)
            if (field.first == name)
                return &field.second;
        return nullptr;
    };
    for (const auto& field : fields_) {
        const std::string* theirs = find(other, field.first);
        if (!theirs || *theirs != field.second)
            return std::make_tuple(field.first, field.second,
                                   theirs ? *theirs : std::string("(none)"));
    }
    for (const auto& field : other.fields_)
        if (!find(*this, field.first))
            return std::make_tuple(field.first, std::string("(none)"), field.second);
    return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Records

std::string describe_run(const RunKey& k) {
    return fmt::format("run {} (town '{}', model '{}', replicate {})", k.index, k.town, k.model,
                       k.replicate);
}

void check_complete(const RunResult& r, const RunShape& shape, const RecordSpill* spill) {
    const auto fail = [&](const std::string& what) {
        throw std::logic_error(
            fmt::format("{} is incomplete and was not saved: {}", describe_run(shape.key), what));
    };
    const RunKey& k = r.key;
    if (k.index != shape.key.index || k.scenario != shape.key.scenario ||
        k.town != shape.key.town || k.model != shape.key.model ||
        k.replicate != shape.key.replicate)
        fail(fmt::format("it carries the key of {}", describe_run(k)));
    if (r.years.size() != shape.years)
        fail(fmt::format("{} yearly rows, not {}", r.years.size(), shape.years));
    if (r.category_years.size() != shape.years * category_count)
        fail(fmt::format("{} category rows, not {}", r.category_years.size(),
                         shape.years * category_count));
    if (r.daily.size() != shape.days)
        fail(fmt::format("{} daily rows, not {}", r.daily.size(), shape.days));
    if (r.monthly.size() != shape.months)
        fail(fmt::format("{} monthly rows, not {}", r.monthly.size(), shape.months));
    // Records are kept for the warm-up too (negative onsets); the summary counts reported ones.
    if (!records_match(r, shape, spill))
        fail(fmt::format("{} dispute records of reported years, not {}",
                         spill ? spill->reported() : reported_records(r),
                         shape.record_disputes ? r.total.stats.disputes : 0));
}

namespace {
/// The payload after the dispute records: the head, the wall time and the number of records.
void write_tail(Writer& w, const RunResult& r, std::uint64_t records) {
    write_key(w, r.key);
    w.pod(r.communities);
    w.pod(r.compounds);
    w.pod(r.units);
    w.vec(r.years);
    w.pod(r.total);
    w.pod(r.evaluation);
    w.pod(r.evaluated_from);
    w.pod(r.evaluated_to);
    w.vec(r.equity);
    w.vec(r.category_years);
    w.vec(r.daily);
    w.vec(r.monthly);
    w.pod(r.wall_seconds);
    w.pod(records);
}

/// A checkpoint's header, for a payload of `bytes` bytes whose checksum is `sum`.
std::string header_of(std::uint64_t fingerprint_hash, std::uint64_t bytes, std::uint64_t sum) {
    std::string header(header_size, '\0');
    std::memcpy(header.data(), magic, sizeof magic);
    put_u64(header, 8, fingerprint_hash);
    put_u64(header, 16, bytes);
    put_u64(header, 24, sum);
    return header;
}
} // namespace

std::string encode_run(const RunResult& r, std::uint64_t fingerprint_hash) {
    static_assert(std::is_trivially_copyable_v<DisputeRecord>);
    std::string out(header_size, '\0');
    out.append(reinterpret_cast<const char*>(r.disputes.data()),
               r.disputes.size() * sizeof(DisputeRecord));
    Writer w(out);
    write_tail(w, r, r.disputes.size());
    const std::string_view payload = std::string_view(out).substr(header_size);
    out.replace(0, header_size,
                header_of(fingerprint_hash, payload.size(), sim::checksum(payload)));
    return out;
}

namespace {
/// The last bytes of a payload: the wall time and the number of records.
constexpr std::uint64_t trailer_size = sizeof(double) + sizeof(std::uint64_t);
/// Bytes of a payload's head, or of its tail, checksummed at a time.
constexpr std::uint64_t checksum_piece = std::uint64_t{1} << 20;

/// `text` with every control character (and backslash) as \xNN, so that a name read from a
/// damaged file fits one line of a message.
std::string printable(std::string_view text) {
    std::string out;
    for (const char c : text) {
        const auto b = static_cast<unsigned char>(c);
        if (b >= 0x20 && b != 0x7f && b != '\\')
            out.push_back(c);
        else
            out += fmt::format("\\x{:02x}", b);
    }
    return out;
}
RunKey printable(const RunKey& k) {
    return RunKey{k.index, printable(k.scenario), printable(k.town), printable(k.model),
                  k.replicate};
}

/// The payload's head (the key and the tables, between the dispute records and the trailer),
/// parsed whole: the run without records. Throws std::runtime_error with what is wrong.
RunResult parse_head(std::string_view head, const RunShape& shape) {
    Reader rd(head);
    RunResult r;
    r.key.index = static_cast<std::uint32_t>(rd.pod<std::uint64_t>());
    r.key.scenario = rd.str("the scenario name");
    r.key.town = rd.str("the town name");
    r.key.model = rd.str("the model name");
    r.key.replicate = rd.pod<std::uint32_t>();
    const RunKey& want = shape.key;
    if (r.key.index != want.index || r.key.scenario != want.scenario || r.key.town != want.town ||
        r.key.model != want.model || r.key.replicate != want.replicate)
        throw std::runtime_error(
            fmt::format("it holds {}, not {}", describe_run(printable(r.key)), describe_run(want)));
    r.communities = rd.pod<std::uint32_t>();
    r.compounds = rd.pod<std::uint32_t>();
    r.units = rd.pod<std::uint32_t>();
    r.years = rd.vec<YearRow>("the yearly table", shape.years);
    r.total = rd.pod<YearRow>();
    r.evaluation = rd.pod<YearRow>();
    r.evaluated_from = rd.pod<int>();
    r.evaluated_to = rd.pod<int>();
    r.equity = rd.vec<EquityRow>("the equity table", equity_rows);
    r.category_years = rd.vec<CategoryYearRow>("the category table", shape.years * category_count);
    r.daily = rd.vec<DailyRow>("the daily table", shape.days);
    r.monthly = rd.vec<MonthlyRow>("the monthly table", shape.months);
    if (rd.left() != 0)
        throw std::runtime_error(fmt::format("{} bytes follow the record", rd.left()));
    return r;
}
} // namespace

namespace {
/// Bytes [offset, offset + n) through `read`.
std::string read_string(const ByteReader& read, std::uint64_t offset, std::uint64_t n) {
    std::string out(static_cast<std::size_t>(n), '\0');
    read(offset, std::span<char>(out));
    return out;
}
constexpr std::string_view checksum_problem =
    "its checksum does not match its contents (the file is damaged)";
} // namespace

std::optional<StreamedRun> decode_run_streamed(std::uint64_t size, ByteReader read,
                                               const RunShape& shape,
                                               std::uint64_t fingerprint_hash,
                                               std::string* problem) {
    const auto damaged = [&](const std::string& what) -> std::optional<StreamedRun> {
        if (problem)
            *problem = what;
        return std::nullopt;
    };
    if (size < header_size)
        return damaged("not a govsim checkpoint of this version");
    const std::string header = read_string(read, 0, header_size);
    if (std::memcmp(header.data(), magic, sizeof magic) != 0)
        return damaged("not a govsim checkpoint of this version");
    if (get_u64(header, 8) != fingerprint_hash)
        return damaged("it belongs to another experiment (its fingerprint differs)");
    const std::uint64_t payload = size - header_size;
    if (get_u64(header, 16) != payload)
        return damaged(fmt::format("it is {} bytes long, not {} (truncated or extended)", payload,
                                   get_u64(header, 16)));
    const std::uint64_t checksum = get_u64(header, 24);
    // The checksum of the whole payload is taken in one pass: by records.read as it reads the
    // records, or here when the layout is wrong, so that a damaged file is reported as such.
    const auto wrong = [&](const std::string& what) {
        sim::Checksum sum;
        std::string piece;
        for (std::uint64_t at = 0; at < payload; at += piece.size()) {
            piece = read_string(read, header_size + at, std::min(payload - at, checksum_piece));
            sum.add(piece);
        }
        return damaged(sum.value() == checksum ? what : std::string(checksum_problem));
    };
    // The trailer, then the head between the records and it.
    if (payload < trailer_size)
        return wrong("it is cut short");
    const std::string trailer =
        read_string(read, header_size + payload - trailer_size, trailer_size);
    const std::uint64_t count = get_u64(trailer, sizeof(double));
    if (count > (payload - trailer_size) / sizeof(DisputeRecord))
        return wrong(fmt::format("it counts {} dispute records, more than its {} bytes can hold",
                                 count, payload));
    const std::uint64_t records_bytes = count * sizeof(DisputeRecord);
    std::string head =
        read_string(read, header_size + records_bytes, payload - trailer_size - records_bytes);
    StreamedRun out;
    try {
        out.run = parse_head(head, shape);
    } catch (const std::runtime_error& e) {
        return wrong(e.what());
    }
    std::memcpy(&out.run.wall_seconds, trailer.data(), sizeof(double));
    out.records.count = count;
    out.records.read = [read = std::move(read), head = std::move(head), trailer, count, checksum,
                        want = shape.record_disputes,
                        disputes = out.run.total.stats.disputes](const auto& take) {
        const auto checked_read = [&read](std::uint64_t offset, std::span<char> bytes) {
            try {
                read(offset, bytes);
            } catch (const sim::OutputError& e) {
                throw DamagedRun(e.what());
            }
        };
        sim::Checksum sum;
        std::vector<DisputeRecord> buffer(
            static_cast<std::size_t>(std::min<std::uint64_t>(record_piece, count)));
        std::uint64_t reported = 0;
        for (std::uint64_t done = 0; done < count;) {
            const auto n =
                static_cast<std::size_t>(std::min<std::uint64_t>(record_piece, count - done));
            const std::span<DisputeRecord> piece(buffer.data(), n);
            const std::span<char> bytes(reinterpret_cast<char*>(piece.data()), piece.size_bytes());
            checked_read(header_size + done * sizeof(DisputeRecord), bytes);
            sum.add(bytes.data(), bytes.size());
            for (const DisputeRecord& d : piece)
                reported += d.onset >= 0 ? 1U : 0U;
            take(std::span<const DisputeRecord>(piece));
            done += n;
        }
        sum.add(head);
        sum.add(trailer);
        if (sum.value() != checksum)
            throw DamagedRun(std::string(checksum_problem));
        if (want ? reported != disputes : count != 0)
            throw DamagedRun(fmt::format("it holds {} dispute records ({} of reported "
                                         "years) for {} disputes",
                                         count, reported, disputes));
    };
    return out;
}

namespace {
/// A ByteReader of bytes in memory.
ByteReader memory_reader(std::string_view bytes) {
    return [bytes](std::uint64_t offset, std::span<char> out) {
        if (offset > bytes.size() || out.size() > bytes.size() - offset)
            throw sim::OutputError("a read past the end of a saved run");
        std::memcpy(out.data(), bytes.data() + offset, out.size());
    };
}

} // namespace

void explain_damage(RecordPieces& records,
                    std::function<std::string(const std::string& problem)> explain) {
    records.read = [inner = std::move(records.read),
                    explain = std::move(explain)](const auto& take) {
        try {
            inner(take);
        } catch (const DamagedRun& e) {
            throw DamagedRun(explain(e.what()));
        }
    };
}

RunResult with_records(StreamedRun&& s) {
    RunResult r = std::move(s.run);
    r.disputes.reserve(static_cast<std::size_t>(s.records.count));
    s.records.read([&r](std::span<const DisputeRecord> piece) {
        r.disputes.insert(r.disputes.end(), piece.begin(), piece.end());
    });
    return r;
}

std::optional<RunResult> decode_run(std::string_view bytes, const RunShape& shape,
                                    std::uint64_t fingerprint_hash, std::string* problem) {
    auto s =
        decode_run_streamed(bytes.size(), memory_reader(bytes), shape, fingerprint_hash, problem);
    if (!s)
        return std::nullopt;
    try {
        return with_records(std::move(*s));
    } catch (const DamagedRun& e) {
        if (problem)
            *problem = e.what();
        return std::nullopt;
    }
}

// ---------------------------------------------------------------------------------------------
// The store

Checkpoint::Checkpoint(std::filesystem::path folder, Fingerprint fingerprint, Role role)
    : folder_(std::move(folder)), fingerprint_(std::move(fingerprint)),
      fingerprint_hash_(fingerprint_.hash()) {
    namespace fs = std::filesystem;
    const std::string shown = folder_.string();
    std::error_code ec;
    if (role == Role::Owner) {
        const fs::file_status st = fs::symlink_status(folder_, ec);
        if (st.type() != fs::file_type::not_found && st.type() != fs::file_type::directory)
            throw sim::OutputError(fmt::format(
                "'{}' (where finished runs are kept) exists and is not a directory; move it "
                "away or choose another results path",
                shown));
        fs::create_directories(folder_, ec);
        if (ec)
            throw sim::OutputError(fmt::format(
                "cannot create the folder for finished runs '{}': {}", shown, ec.message()));
        // Named in messages as the results file the folder serves.
        std::string output = shown;
        if (output.size() > 8 && output.compare(output.size() - 8, 8, ".partial") == 0)
            output.resize(output.size() - 8);
        lock_.emplace(folder_ / lock_name, output);
    } else if (!fs::is_directory(folder_, ec)) {
        throw sim::OutputError(
            fmt::format("the folder for finished runs '{}' does not exist", shown));
    }

    const fs::path manifest = folder_ / manifest_name;
    std::optional<std::string> found;
    try {
        found = read_file(manifest, 1 << 20);
    } catch (const std::exception& e) {
        throw sim::OutputError(fmt::format("cannot read '{}': {}", manifest.string(), e.what()));
    }
    const auto write_manifest = [&] {
        const fs::path temp = manifest.string() + ".tmp-" + std::to_string(::getpid());
        fs::remove(temp, ec);
        sim::write_new_file(temp, fingerprint_.text());
        fs::rename(temp, manifest, ec);
        if (ec)
            throw sim::OutputError(
                fmt::format("cannot write '{}': {}", manifest.string(), ec.message()));
    };
    if (!found) {
        if (role == Role::Worker)
            throw sim::OutputError(fmt::format("'{}' is missing", manifest.string()));
        // Without a manifest the folder is new (or its owner was killed before writing one,
        // leaving at most the lock and temporary files): anything else in it is not ours.
        for (const fs::directory_entry& e : fs::directory_iterator(folder_, ec)) {
            const std::string name = e.path().filename().string();
            if (name != lock_name && name.find(".tmp-") == std::string::npos)
                throw sim::OutputError(fmt::format(
                    "'{}' holds files that are not finished runs of govsim (such as '{}'; it has "
                    "no manifest, or one of an older version); nothing was deleted: move the "
                    "folder away, or choose another results path",
                    shown, name));
        }
        // A new store (or one whose manifest was never written): only checkpoints of this
        // fingerprint are ever used, so anything else in it is harmless.
        write_manifest();
    } else if (*found != fingerprint_.text() && role == Role::Owner && saved() == 0) {
        // Another experiment's store with no finished run in it (its process failed or was
        // killed before finishing one): nothing to keep, so it becomes this experiment's.
        write_manifest();
    } else if (*found != fingerprint_.text()) {
        const std::size_t runs = saved();
        const auto theirs = Fingerprint::parse(*found);
        const auto diff = theirs ? theirs->first_difference(fingerprint_) : std::nullopt;
        const std::string what = diff ? fmt::format("its {} is {}, now {}", std::get<0>(*diff),
                                                    std::get<1>(*diff), std::get<2>(*diff))
                                      : std::string("its manifest is not one this program wrote");
        throw sim::OutputError(fmt::format(
            "'{}' holds {} finished run{} of a different experiment ({}); nothing was deleted: "
            "rerun with the same scenario, seed, replicates and options to resume them, or delete "
            "the folder (or choose another results path) to start afresh",
            shown, runs, runs == 1 ? "" : "s", what));
    }
    if (role == Role::Owner) {
        // Under the lock, every temporary file in the store was left by a dead process.
        for (const fs::directory_entry& e : fs::directory_iterator(folder_, ec)) {
            const std::string name = e.path().filename().string();
            if (name.find(".tmp-") != std::string::npos)
                fs::remove(e.path(), ec);
        }
    }
}

std::filesystem::path Checkpoint::folder_for(const std::filesystem::path& results_path) {
    return std::filesystem::path(results_path.string() + ".partial");
}

std::filesystem::path Checkpoint::run_path(std::size_t index) const {
    return folder_ / fmt::format("{}{:06d}{}", run_prefix, index, run_suffix);
}

void Checkpoint::save(const RunResult& r, RecordSpill* spill) const {
    const auto final_path = run_path(r.key.index);
    const auto temp =
        std::filesystem::path(final_path.string() + ".tmp-" + std::to_string(::getpid()));
    std::error_code ec;
    std::filesystem::remove(temp, ec);
    try {
        if (spill) { // the spill's file becomes the checkpoint
            spill->save_as(r, fingerprint_hash_, final_path);
            return;
        }
        sim::write_new_file(temp, encode_run(r, fingerprint_hash_));
    } catch (const sim::OutputError& e) {
        throw sim::OutputError(
            fmt::format("cannot save the finished {}: {}", describe_run(r.key), e.what()));
    }
    std::filesystem::rename(temp, final_path, ec);
    if (ec) {
        std::error_code ignored;
        std::filesystem::remove(temp, ignored);
        throw sim::OutputError(fmt::format("cannot save the finished {} as '{}': {}",
                                           describe_run(r.key), final_path.string(), ec.message()));
    }
}

std::unique_ptr<RecordSpill> Checkpoint::history_spill(std::uint64_t id) const {
    // Processes on other machines (MPI ranks) may share the store and have the same pid: a
    // random token of this process's tells their files apart.
    static const std::uint64_t token = [] {
        std::random_device device;
        return (std::uint64_t{device()} << 32) ^ device();
    }();
    return std::make_unique<RecordSpill>(
        folder_ / fmt::format("history-{}-{:016x}.records.tmp-{}", id, token, ::getpid()));
}

std::unique_ptr<RecordSpill> Checkpoint::spill(std::size_t index) const {
    return std::make_unique<RecordSpill>(run_path(index).string() + ".records.tmp-" +
                                         std::to_string(::getpid()));
}

// ---------------------------------------------------------------------------------------------
// Spilled records

RecordSpill::RecordSpill(std::filesystem::path path) : path_(std::move(path)) {
    std::error_code ec;
    std::filesystem::remove(path_, ec); // a leftover of an earlier process with our pid
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd_ < 0)
        throw sim::OutputError(fmt::format("cannot create '{}' (dispute records of a run): {}",
                                           path_.string(), sim::system_reason(errno)));
    buffer_.assign(header_size, '\0'); // the checkpoint's header, written when it is saved
}

RecordSpill::~RecordSpill() {
    if (fd_ >= 0)
        ::close(fd_);
    std::error_code ec;
    if (!saved_)
        std::filesystem::remove(path_, ec);
}

namespace {
/// Bytes of records a spill holds before writing them: its buffer is allocated (and its pages
/// touched) once, and small enough to come from the heap's reused memory.
constexpr std::size_t spill_buffer_bytes = std::size_t{64} << 10;
} // namespace

void RecordSpill::append(std::span<const DisputeRecord> records) {
    static_assert(std::is_trivially_copyable_v<DisputeRecord>);
    for (const DisputeRecord& r : records)
        reported_ += r.onset >= 0 ? 1U : 0U;
    count_ += records.size();
    if (buffer_.capacity() < spill_buffer_bytes)
        buffer_.reserve(spill_buffer_bytes);
    const auto* bytes = reinterpret_cast<const char*>(records.data());
    std::size_t left = records.size_bytes();
    sum_.add(bytes, left);
    while (left > 0) {
        const std::size_t n = std::min(left, spill_buffer_bytes - buffer_.size());
        buffer_.append(bytes, n);
        bytes += n;
        left -= n;
        if (buffer_.size() == spill_buffer_bytes)
            flush();
    }
}

void RecordSpill::flush() {
    write_all(fd_, written_, buffer_, path_.string());
    written_ += buffer_.size();
    buffer_.clear();
}

void RecordSpill::finish_writing() {
    flush();
}

void RecordSpill::replay(const std::function<void(std::span<const DisputeRecord>)>& take) const {
    std::vector<DisputeRecord> buffer(
        static_cast<std::size_t>(std::min<std::uint64_t>(record_piece, count_)));
    for (std::uint64_t done = 0; done < count_;) {
        const auto n =
            static_cast<std::size_t>(std::min<std::uint64_t>(record_piece, count_ - done));
        const std::span<char> bytes(reinterpret_cast<char*>(buffer.data()),
                                    n * sizeof(DisputeRecord));
        read_all(fd_, header_size + done * sizeof(DisputeRecord), bytes, path_.string());
        take(std::span<const DisputeRecord>(buffer.data(), n));
        done += n;
    }
}

void RecordSpill::save_as(const RunResult& run, std::uint64_t fingerprint_hash,
                          const std::filesystem::path& path) {
    std::string tail;
    Writer w(tail);
    write_tail(w, run, count_);
    buffer_ += tail;
    sum_.add(tail);
    flush();
    // The payload is the records and the tail; the header, written last, vouches for it.
    const std::uint64_t payload = count_ * sizeof(DisputeRecord) + tail.size();
    write_all(fd_, 0, header_of(fingerprint_hash, payload, sum_.value()), path_.string());
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) // some file systems report a full disk only here
        throw sim::OutputError(
            fmt::format("cannot write '{}': {}", path_.string(), sim::system_reason(errno)));
    std::error_code ec;
    std::filesystem::rename(path_, path, ec);
    if (ec)
        throw sim::OutputError(fmt::format("cannot rename '{}' to '{}': {}", path_.string(),
                                           path.string(), ec.message()));
    saved_ = true;
}

namespace {
/// The run in the open checkpoint `file` (named `path`) as load_streamed gives it: its records
/// are read from that file (kept open), whatever happens to its name. Nothing, with the
/// problem in `*why`, if its header or head is wrong; throws std::runtime_error if it cannot
/// be read.
std::optional<StreamedRun> streamed_from(std::shared_ptr<OpenedFile> file,
                                         const std::filesystem::path& path, const RunShape& shape,
                                         std::uint64_t fingerprint_hash, std::string* why) {
    const std::uint64_t size = file->size();
    ByteReader read = [file = std::move(file), shown = path.string()](std::uint64_t offset,
                                                                      std::span<char> out) {
        read_all(file->fd(), offset, out, shown);
    };
    auto run = decode_run_streamed(size, std::move(read), shape, fingerprint_hash, why);
    if (run)
        explain_damage(run->records, [shown = path.string()](const std::string& what) {
            return fmt::format("{}: {}", shown, what);
        });
    return run;
}
} // namespace

std::optional<StreamedRun> Checkpoint::load_streamed(const RunShape& shape,
                                                     std::string* problem) const {
    const auto path = run_path(shape.key.index);
    std::string why;
    try {
        auto file = OpenedFile::open(path, size_limit(shape));
        if (!file)
            return std::nullopt;
        if (auto run = streamed_from(std::move(file), path, shape, fingerprint_hash_, &why))
            return run;
    } catch (const std::exception& e) {
        why = e.what();
    }
    if (problem)
        *problem = fmt::format("{}: {}", path.string(), why);
    return std::nullopt;
}

namespace {
/// What `use` returns for the streamed run `run` (nothing if there is none), or nothing with
/// `*problem` set to the path and what it threw (records.read's checks among them).
template <class Use>
auto use_streamed(std::optional<StreamedRun>&& run, const std::filesystem::path& path,
                  std::string* problem, Use use) -> std::optional<decltype(use(std::move(*run)))> {
    if (!run)
        return std::nullopt;
    try {
        return use(std::move(*run));
    } catch (const DamagedRun& e) { // names the file already
        if (problem)
            *problem = e.what();
        return std::nullopt;
    } catch (const std::exception& e) {
        if (problem)
            *problem = fmt::format("{}: {}", path.string(), e.what());
        return std::nullopt;
    }
}
} // namespace

std::optional<RunResult> Checkpoint::load(const RunShape& shape, std::string* problem) const {
    return use_streamed(load_streamed(shape, problem), run_path(shape.key.index), problem,
                        [](StreamedRun&& run) { return with_records(std::move(run)); });
}

void Checkpoint::copy(const RunShape& shape,
                      const std::function<void(std::string_view)>& take) const {
    // Verified and copied through one open file, so that the bytes copied are those verified.
    const auto path = run_path(shape.key.index);
    std::shared_ptr<OpenedFile> file;
    std::string why;
    try {
        file = OpenedFile::open(path, size_limit(shape));
        if (!file)
            why = "it is missing";
        else if (auto run = streamed_from(file, path, shape, fingerprint_hash_, &why))
            run->records.read([](std::span<const DisputeRecord>) {}); // DamagedRun names the file
    } catch (const DamagedRun&) {
        throw;
    } catch (const std::exception& e) {
        why = e.what();
    }
    if (!why.empty())
        throw sim::OutputError(fmt::format("{}: {}", path.string(), why));
    // What `take` throws (a failed write of the copy) passes through as it is.
    std::string piece;
    for (std::uint64_t at = 0; at < file->size(); at += piece.size()) {
        piece.resize(static_cast<std::size_t>(std::min(file->size() - at, checksum_piece)));
        read_all(file->fd(), at, std::span<char>(piece), path.string());
        take(piece);
    }
}

bool Checkpoint::sound(const RunShape& shape, std::string* problem) const {
    return use_streamed(load_streamed(shape, problem), run_path(shape.key.index), problem,
                        [](StreamedRun&& run) {
                            run.records.read([](std::span<const DisputeRecord>) {});
                            return true;
                        })
        .has_value();
}

std::vector<std::size_t> Checkpoint::saved_indices() const {
    std::vector<std::size_t> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(folder_, ec)) {
        std::size_t index = 0;
        if (is_run_file(e.path().filename().string(), &index) &&
            e.symlink_status(ec).type() == std::filesystem::file_type::regular)
            out.push_back(index);
    }
    std::sort(out.begin(), out.end());
    return out;
}

void Checkpoint::remove() const {
    // The manifest goes last: a process killed part-way leaves a store that still says whose
    // runs it holds, and the next invocation resumes from what is left.
    namespace fs = std::filesystem;
    std::error_code ec;
    for (const fs::directory_entry& e : fs::directory_iterator(folder_, ec))
        if (e.path().filename() != manifest_name)
            fs::remove_all(e.path(), ec);
    fs::remove(folder_ / manifest_name, ec);
    fs::remove(folder_, ec);
}

} // namespace govsim::models
