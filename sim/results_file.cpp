// Implementation of the atomic HDF5 results file (see results_file.hpp), on the HDF5 C API.
#include "sim/results_file.hpp"

#include <fstream>

#include "sim/parallel.hpp"

#include <fmt/format.h>
#include <hdf5.h>
#include <isa-l/igzip_lib.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <fcntl.h>
#include <memory>
#include <optional>
#include <sys/file.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace govsim::sim {

static_assert(std::is_same_v<hid_t, std::int64_t>, "ResultsFile stores hid_t as std::int64_t");

namespace {

/// Bytes of packed rows per chunk: small enough to stay in HDF5's default 1 MiB chunk cache,
/// large enough for deflate to work well.
constexpr std::size_t target_chunk_bytes = 256 * 1024;
/// The least a chunk holds when a table is expected to be smaller than target_chunk_bytes: a
/// table that grows far beyond its expected size does not end in thousands of tiny chunks,
/// and padding this much costs little to compress.
constexpr std::size_t least_chunk_bytes = 16 * 1024;
constexpr unsigned deflate_level = 4;

/// Rows per chunk of an extendible table of `row_size`-byte rows expected to hold
/// `expected_rows` rows (0: unknown): target_chunk_bytes of rows, or fewer for a table
/// expected to be smaller, but least_chunk_bytes of them at least (and one row).
std::size_t extendible_chunk_rows(std::size_t row_size, std::size_t expected_rows) {
    const std::size_t full = std::max<std::size_t>(target_chunk_bytes / row_size, 1);
    if (expected_rows == 0)
        return full;
    const std::size_t least = std::max<std::size_t>(least_chunk_bytes / row_size, 1);
    return std::min(full, std::max(expected_rows, least));
}

/// Owns an HDF5 identifier and closes it with the matching H5?close function.
class Handle {
public:
    using Closer = herr_t (*)(hid_t);
    Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
    ~Handle() {
        if (id_ >= 0) {
            closer_(id_);
        }
    }
    Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, -1)), closer_(other.closer_) {}
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    Handle& operator=(Handle&&) = delete;
    [[nodiscard]] hid_t get() const { return id_; }
    /// Gives up ownership: the caller closes the identifier.
    [[nodiscard]] hid_t release() { return std::exchange(id_, -1); }

private:
    hid_t id_;
    Closer closer_;
};

/// Turns off HDF5's automatic printing of the error stack for one operation, restoring the
/// previous handler afterwards; failures are reported by exceptions instead.
class QuietErrors {
public:
    QuietErrors() {
        H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    }
    ~QuietErrors() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }
    QuietErrors(const QuietErrors&) = delete;
    QuietErrors& operator=(const QuietErrors&) = delete;

private:
    H5E_auto2_t func_ = nullptr;
    void* data_ = nullptr;
};

herr_t collect_error(unsigned /*n*/, const H5E_error2_t* error, void* client_data) {
    auto& descriptions = *static_cast<std::vector<std::string>*>(client_data);
    if (error->desc != nullptr && *error->desc != '\0') {
        descriptions.emplace_back(error->desc);
    }
    return 0;
}

/// The system's message HDF5 quotes in a description ("... error message = 'No space left on
/// device' ..."), or nothing.
std::optional<std::string> quoted_system_message(const std::string& description) {
    static constexpr std::string_view marker = "error message = '";
    const std::size_t at = description.find(marker);
    if (at == std::string::npos) {
        return std::nullopt;
    }
    const std::size_t begin = at + marker.size();
    const std::size_t end = description.find('\'', begin);
    if (end == std::string::npos) {
        return std::nullopt;
    }
    return description.substr(begin, end - begin);
}

/// HDF5's account of the last failure, on one line: the system's reason where HDF5 quotes one
/// (e.g. "No space left on device"), with the outermost description; otherwise the outermost
/// and innermost descriptions on the error stack. Clears the stack.
std::string hdf5_reason() {
    std::vector<std::string> descriptions;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, collect_error, &descriptions);
    H5Eclear2(H5E_DEFAULT);
    std::string reason;
    if (descriptions.empty()) {
        reason = "unknown HDF5 error";
    } else {
        std::optional<std::string> system;
        for (const std::string& d : descriptions) {
            if (!system) {
                system = quoted_system_message(d);
            }
        }
        if (system) {
            std::string outer = descriptions.front();
            outer = outer.substr(0, outer.find(", errno ="));
            reason = fmt::format("{} (HDF5: {})", *system, outer);
        } else if (descriptions.size() == 1 || descriptions.front() == descriptions.back()) {
            reason = descriptions.front();
        } else {
            reason = fmt::format("{} ({})", descriptions.front(), descriptions.back());
        }
    }
    // HDF5's descriptions may hold line breaks (a time stamp); messages are one line.
    std::replace(reason.begin(), reason.end(), '\n', ' ');
    return reason;
}

/// Closes a file opened for writing, after writing out everything HDF5 still holds for it.
/// Returns whether it was written and closed; on false, HDF5's reason is on the error stack.
///
/// A failed H5Fclose must never happen. In HDF5 1.10 (Debian's; HDFFV-11052, fixed upstream in
/// 2022-23 by HDFGroup/hdf5#2291 and #2496), when H5Fclose cannot write the file's metadata (a full
/// disk) it frees the file's structure but leaves the file identifier registered: closing it again,
/// or anything that closes the library (H5close, which an exit handler runs unless H5dont_atexit
/// was called first) then reads the freed structure (a crash under AddressSanitizer, in Release
/// whatever that memory holds). So the writes are done first by H5Fflush, whose failure leaves
/// the file intact and open, and a file that cannot be flushed is not closed: its identifier is
/// left open (HDF5 still owns and references its memory; its file descriptor is released when
/// the process ends), and the caller removes the file from the disk. A process that can abandon
/// a file must call H5dont_atexit() before any other HDF5 call (app/main.cpp does), or HDF5's
/// exit handler would try once more to write it, fail, and read the freed structure. After a
/// successful flush H5Fclose has little left to write (free-space records, the file's length);
/// should it still fail, the identifier is left as it is, never closed again.
bool flush_and_close(hid_t file) noexcept {
    if (H5Fflush(file, H5F_SCOPE_LOCAL) < 0) {
        return false; // abandoned, open: see above
    }
    return H5Fclose(file) >= 0;
}

/// Throws OutputError("<what>: <HDF5's reason>") when an HDF5 call failed (returned < 0).
template <class Id>
Id check(Id result, const std::string& what) {
    if (result < 0) {
        throw OutputError(fmt::format("{}: {}", what, hdf5_reason()));
    }
    return result;
}

Handle string_type(std::size_t size, const std::string& what) {
    Handle type(check(H5Tcopy(H5T_C_S1), what), H5Tclose);
    check(H5Tset_size(type.get(), size), what);
    check(H5Tset_cset(type.get(), H5T_CSET_UTF8), what);
    if (size != H5T_VARIABLE) {
        check(H5Tset_strpad(type.get(), H5T_STR_NULLPAD), what);
    }
    return type;
}

/// The in-memory (native) and on-disk (little-endian, standard) types of a numeric column.
std::pair<hid_t, hid_t> numeric_types(ColumnType type) {
    switch (type) {
    case ColumnType::U8:
        return {H5T_NATIVE_UINT8, H5T_STD_U8LE};
    case ColumnType::U32:
        return {H5T_NATIVE_UINT32, H5T_STD_U32LE};
    case ColumnType::U64:
        return {H5T_NATIVE_UINT64, H5T_STD_U64LE};
    case ColumnType::I32:
        return {H5T_NATIVE_INT32, H5T_STD_I32LE};
    case ColumnType::I64:
        return {H5T_NATIVE_INT64, H5T_STD_I64LE};
    case ColumnType::F64:
        return {H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE};
    case ColumnType::String:
    case ColumnType::Enum8:
        break;
    }
    throw std::logic_error("numeric_types called for a string or enumeration column");
}

/// Writes a scalar attribute on `object`, replacing one of the same name.
void write_attribute(hid_t object, const std::string& name, hid_t type, const void* value,
                     const std::string& what) {
    if (check(H5Aexists(object, name.c_str()), what) > 0) {
        check(H5Adelete(object, name.c_str()), what);
    }
    Handle space(check(H5Screate(H5S_SCALAR), what), H5Sclose);
    Handle attribute(
        check(H5Acreate2(object, name.c_str(), type, space.get(), H5P_DEFAULT, H5P_DEFAULT), what),
        H5Aclose);
    check(H5Awrite(attribute.get(), type, value), what);
}

void write_string_attribute(hid_t object, const std::string& name, std::string_view value,
                            StringStorage storage, const std::string& what) {
    if (storage == StringStorage::Variable) {
        const std::string text(value);
        const char* pointer = text.c_str();
        Handle type = string_type(H5T_VARIABLE, what);
        write_attribute(object, name, type.get(), &pointer, what);
    } else {
        std::string text(value);
        if (text.empty()) {
            text.push_back('\0'); // HDF5 strings have at least one byte
        }
        Handle type = string_type(text.size(), what);
        write_attribute(object, name, type.get(), text.data(), what);
    }
}

Handle intermediate_groups_lcpl(const std::string& what) {
    Handle lcpl(check(H5Pcreate(H5P_LINK_CREATE), what), H5Pclose);
    check(H5Pset_create_intermediate_group(lcpl.get(), 1), what);
    return lcpl;
}

std::string describe_file_type(std::filesystem::file_type type) {
    switch (type) {
    case std::filesystem::file_type::directory:
        return "a directory";
    case std::filesystem::file_type::symlink:
        return "a symbolic link";
    case std::filesystem::file_type::fifo:
        return "a FIFO (named pipe)";
    case std::filesystem::file_type::block:
        return "a block device";
    case std::filesystem::file_type::character:
        return "a character device";
    case std::filesystem::file_type::socket:
        return "a socket";
    case std::filesystem::file_type::regular:
        return "a regular file";
    default:
        return "not a regular file";
    }
}

} // namespace

std::string system_reason(int error) {
    return std::generic_category().message(error);
}

// ---------------------------------------------------------------------------------------------
// Table

Table& Table::attribute(std::string name, std::string value) {
    if (name.empty()) {
        throw std::invalid_argument("table attribute name is empty");
    }
    attributes_.emplace_back(std::move(name), std::move(value));
    return *this;
}

std::size_t Table::row_size() const {
    std::size_t size = 0;
    for (const Column& column : columns_) {
        size += column.size;
    }
    return size;
}

void Table::add(std::string name, ColumnType type, std::size_t size,
                std::function<void(std::size_t, std::byte*)> pack, std::vector<std::string> names) {
    if (name.empty()) {
        throw std::invalid_argument("table column name is empty");
    }
    for (const Column& column : columns_) {
        if (column.name == name) {
            throw std::invalid_argument(fmt::format("table column '{}' is defined twice", name));
        }
    }
    if (type == ColumnType::Enum8) {
        if (names.empty() || names.size() > 256) {
            throw std::invalid_argument(fmt::format(
                "enumeration column '{}' has {} names (1 to 256 allowed)", name, names.size()));
        }
        for (std::size_t i = 0; i < names.size(); ++i) {
            if (names[i].empty() ||
                std::find(names.begin(), names.begin() + static_cast<std::ptrdiff_t>(i),
                          names[i]) != names.begin() + static_cast<std::ptrdiff_t>(i)) {
                throw std::invalid_argument(fmt::format(
                    "enumeration column '{}': name '{}' is empty or given twice", name, names[i]));
            }
        }
    }
    columns_.push_back(Column{std::move(name), type, size, std::move(pack), std::move(names)});
}

// ---------------------------------------------------------------------------------------------
// ResultsFile

void check_output_path(const std::filesystem::path& path) {
    namespace fs = std::filesystem;
    const std::string shown = path.string();
    if (path.empty()) {
        throw OutputError("cannot write results file: the path is empty");
    }
    if (!path.has_filename()) {
        throw OutputError(
            fmt::format("cannot write results file '{}': the path names a directory", shown));
    }
    fs::path directory = path.parent_path();
    if (directory.empty()) {
        directory = ".";
    }
    std::error_code error;
    const fs::file_status status = fs::status(directory, error);
    if (status.type() == fs::file_type::not_found) {
        throw OutputError(fmt::format("cannot write results file '{}': directory '{}' does not "
                                      "exist; create it first",
                                      shown, directory.string()));
    }
    if (error) {
        throw OutputError(fmt::format("cannot write results file '{}': directory '{}': {}", shown,
                                      directory.string(), error.message()));
    }
    if (status.type() != fs::file_type::directory) {
        throw OutputError(fmt::format("cannot write results file '{}': '{}' is not a directory",
                                      shown, directory.string()));
    }
    if (::access(directory.c_str(), W_OK | X_OK) != 0) {
        throw OutputError(fmt::format("cannot write results file '{}': directory '{}' is not "
                                      "writable: {}",
                                      shown, directory.string(), system_reason(errno)));
    }
    const fs::file_status own = fs::symlink_status(path, error);
    switch (own.type()) {
    case fs::file_type::not_found:
    case fs::file_type::regular:
        return;
    case fs::file_type::directory:
        throw OutputError(
            fmt::format("cannot write results file '{}': a directory has that name", shown));
    default:
        throw OutputError(fmt::format(
            "cannot write results file '{}': it exists and is {}, not a regular file; results "
            "replace only regular files: choose another path",
            shown, describe_file_type(own.type())));
    }
}

namespace {

/// The identity of a path for comparisons: its device and inode if it exists, and its
/// absolute path with links, `.` and `..` resolved as far as it exists.
struct FileIdentity {
    std::filesystem::path canonical;
    bool exists = false;
    dev_t device = 0;
    ino_t inode = 0;
};

FileIdentity identity(const std::filesystem::path& path) {
    FileIdentity id;
    std::error_code error;
    id.canonical = std::filesystem::weakly_canonical(path, error);
    if (error) {
        id.canonical = std::filesystem::absolute(path, error).lexically_normal();
    }
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
        id.exists = true;
        id.device = st.st_dev;
        id.inode = st.st_ino;
    }
    return id;
}

bool same_file(const FileIdentity& a, const FileIdentity& b) {
    if (a.exists && b.exists) {
        return a.device == b.device && a.inode == b.inode;
    }
    return a.canonical == b.canonical;
}

} // namespace

void check_distinct_paths(const std::vector<NamedPath>& outputs,
                          const std::vector<std::filesystem::path>& inputs) {
    std::vector<FileIdentity> out_ids;
    out_ids.reserve(outputs.size());
    for (const auto& output : outputs) {
        out_ids.push_back(identity(output.path));
    }
    for (std::size_t j = 0; j < outputs.size(); ++j) {
        for (std::size_t i = 0; i < j; ++i) {
            if (same_file(out_ids[i], out_ids[j])) {
                throw OutputError(fmt::format(
                    "{} '{}' and {} '{}' are the same file, and each output needs its own: "
                    "choose another path for one of them",
                    outputs[i].role, outputs[i].path.string(), outputs[j].role,
                    outputs[j].path.string()));
            }
        }
    }
    for (const auto& input : inputs) {
        const FileIdentity in_id = identity(input);
        for (std::size_t j = 0; j < outputs.size(); ++j) {
            if (same_file(in_id, out_ids[j])) {
                throw OutputError(fmt::format(
                    "cannot write {} '{}': it is the input file '{}', which writing would "
                    "destroy; choose another output path",
                    outputs[j].role, outputs[j].path.string(), input.string()));
            }
        }
    }
}

ResultsFile::ResultsFile(std::filesystem::path path) : path_(std::move(path)) {
    namespace fs = std::filesystem;
    check_output_path(path_);
    std::error_code error;
    temp_path_ = path_;
    temp_path_ += ".tmp-" + std::to_string(::getpid());

    const QuietErrors quiet;
    const std::string what = fmt::format("cannot create results file '{}'", temp_path_.string());
    Handle fapl(check(H5Pcreate(H5P_FILE_ACCESS), what), H5Pclose);
    // Closing the file closes everything in it, so the file is complete before the rename.
    check(H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG), what);
    // The 1.8 format: readable by every HDF5 since 2008, and allows attributes over 64 KiB.
    check(H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V18, H5F_LIBVER_V18), what);
#if H5_VERSION_GE(1, 10, 7)
    // The temporary file is ours alone; locks only fail on file systems that lack them.
    check(H5Pset_file_locking(fapl.get(), false, true), what);
#endif
    file_ = H5Fcreate(temp_path_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get());
    if (file_ < 0) {
        const std::string reason = hdf5_reason();
        fs::remove(temp_path_, error);
        throw OutputError(fmt::format("{}: {}", what, reason));
    }
}

ResultsFile::~ResultsFile() {
    if (!committed_) {
        close_quietly();
        std::error_code ignored;
        std::filesystem::remove(temp_path_, ignored);
    }
}

void ResultsFile::close_quietly() noexcept {
    if (file_ >= 0) {
        const QuietErrors quiet;
        flush_and_close(file_); // the file is removed next, written or not
        H5Eclear2(H5E_DEFAULT);
        file_ = -1;
    }
}

void ResultsFile::require_open(std::string_view operation) const {
    if (file_ < 0) {
        throw std::logic_error(
            fmt::format("ResultsFile::{} on '{}' after commit()", operation, path_.string()));
    }
}

void ResultsFile::set_attribute(std::string_view name, std::string_view value,
                                StringStorage storage) {
    require_open("set_attribute");
    const QuietErrors quiet;
    write_string_attribute(
        file_, std::string(name), value, storage,
        fmt::format("cannot write attribute '{}' to '{}'", name, path_.string()));
}

void ResultsFile::set_int64_attribute(std::string_view name, std::int64_t value) {
    require_open("set_attribute");
    const QuietErrors quiet;
    write_attribute(file_, std::string(name), H5T_NATIVE_INT64, &value,
                    fmt::format("cannot write attribute '{}' to '{}'", name, path_.string()));
}

void ResultsFile::set_uint64_attribute(std::string_view name, std::uint64_t value) {
    require_open("set_attribute");
    const QuietErrors quiet;
    write_attribute(file_, std::string(name), H5T_NATIVE_UINT64, &value,
                    fmt::format("cannot write attribute '{}' to '{}'", name, path_.string()));
}

void ResultsFile::set_double_attribute(std::string_view name, double value) {
    require_open("set_attribute");
    const QuietErrors quiet;
    write_attribute(file_, std::string(name), H5T_NATIVE_DOUBLE, &value,
                    fmt::format("cannot write attribute '{}' to '{}'", name, path_.string()));
}

void ResultsFile::create_group(std::string_view group_path) {
    require_open("create_group");
    const QuietErrors quiet;
    const std::string what =
        fmt::format("cannot create group '{}' in '{}'", group_path, path_.string());
    const std::string name(group_path);
    Handle lcpl = intermediate_groups_lcpl(what);
    Handle group(check(H5Gcreate2(file_, name.c_str(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT), what),
                 H5Gclose);
}

namespace {

/// The packed compound types of a table's rows, one member per column, at the same offsets in
/// memory and on disk.
std::pair<Handle, Handle> compound_types(const std::vector<Table::Column>& columns,
                                         std::size_t row_size, const std::string& what) {
    Handle memory_type(check(H5Tcreate(H5T_COMPOUND, row_size), what), H5Tclose);
    Handle file_type(check(H5Tcreate(H5T_COMPOUND, row_size), what), H5Tclose);
    std::size_t offset = 0;
    for (const Table::Column& column : columns) {
        if (column.type == ColumnType::String) {
            Handle type = string_type(column.size, what);
            check(H5Tinsert(memory_type.get(), column.name.c_str(), offset, type.get()), what);
            check(H5Tinsert(file_type.get(), column.name.c_str(), offset, type.get()), what);
        } else if (column.type == ColumnType::Enum8) {
            for (const auto& [target, base] : {std::pair{memory_type.get(), H5T_NATIVE_UINT8},
                                               {file_type.get(), H5T_STD_U8LE}}) {
                Handle type(check(H5Tenum_create(base), what), H5Tclose);
                for (std::size_t code = 0; code < column.names.size(); ++code) {
                    const auto value = static_cast<std::uint8_t>(code);
                    check(H5Tenum_insert(type.get(), column.names[code].c_str(), &value), what);
                }
                check(H5Tinsert(target, column.name.c_str(), offset, type.get()), what);
            }
        } else {
            const auto [memory, file] = numeric_types(column.type);
            check(H5Tinsert(memory_type.get(), column.name.c_str(), offset, memory), what);
            check(H5Tinsert(file_type.get(), column.name.c_str(), offset, file), what);
        }
        offset += column.size;
    }
    return {std::move(memory_type), std::move(file_type)};
}

/// Writes `count` packed rows at rows [at, at + count) of the dataset, whose extent must
/// already hold them.
void write_packed_rows(hid_t dataset, hid_t memory_type, const std::byte* rows, std::size_t count,
                       std::size_t at, const std::string& what) {
    Handle file_space(check(H5Dget_space(dataset), what), H5Sclose);
    const auto start = static_cast<hsize_t>(at);
    const auto block = static_cast<hsize_t>(count);
    Handle memory_space(check(H5Screate_simple(1, &block, nullptr), what), H5Sclose);
    check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &start, nullptr, &block, nullptr),
          what);
    check(H5Dwrite(dataset, memory_type, memory_space.get(), file_space.get(), H5P_DEFAULT, rows),
          what);
}

/// Packs rows [first, first + count) of `table` into `buffer` and writes them at rows
/// [at, at + count) of the dataset, whose extent must already hold them.
void write_rows(hid_t dataset, hid_t memory_type, const Table& table, std::size_t first,
                std::size_t count, std::size_t at, std::vector<std::byte>& buffer,
                const std::string& what) {
    const std::size_t row_size = table.row_size();
    buffer.resize(std::max<std::size_t>(count * row_size, 1));
    for (std::size_t i = 0; i < count; ++i) {
        std::byte* row = buffer.data() + i * row_size;
        for (const Table::Column& column : table.columns()) {
            column.pack(first + i, row);
            row += column.size;
        }
    }
    write_packed_rows(dataset, memory_type, buffer.data(), count, at, what);
}

/// Creates the 1-D dataset `name` of `type` (missing groups created): `rows` rows, or an
/// extendible one of none; chunked by `chunk_rows` and compressed (deflate, after the shuffle
/// filter when `shuffle`), except an empty fixed-size dataset, which stays contiguous (chunks
/// need a non-zero size).
Handle create_dataset(hid_t file, const std::string& name, hid_t type, hsize_t rows,
                      bool extendible, hsize_t chunk_rows, bool shuffle, const std::string& what,
                      unsigned level = deflate_level) {
    const hsize_t unlimited = H5S_UNLIMITED;
    Handle space(check(H5Screate_simple(1, &rows, extendible ? &unlimited : nullptr), what),
                 H5Sclose);
    Handle dcpl(check(H5Pcreate(H5P_DATASET_CREATE), what), H5Pclose);
    if (extendible || rows > 0) {
        check(H5Pset_chunk(dcpl.get(), 1, &chunk_rows), what);
        if (shuffle) {
            check(H5Pset_shuffle(dcpl.get()), what);
        }
        if (level > 0)
            check(H5Pset_deflate(dcpl.get(), level), what);
    }
    Handle lcpl = intermediate_groups_lcpl(what);
    return Handle(check(H5Dcreate2(file, name.c_str(), type, space.get(), lcpl.get(), dcpl.get(),
                                   H5P_DEFAULT),
                        what),
                  H5Dclose);
}

/// Throws std::invalid_argument for a table without columns.
void require_columns(const Table& table, const std::string& name,
                     const std::filesystem::path& path) {
    if (table.columns().empty()) {
        throw std::invalid_argument(
            fmt::format("table '{}' for '{}' has no columns", name, path.string()));
    }
}

} // namespace

void ResultsFile::write_table(std::string_view dataset_path, const Table& table) {
    require_open("write_table");
    const std::string name(dataset_path);
    require_columns(table, name, path_);
    const QuietErrors quiet;
    const std::string what = fmt::format("cannot write table '{}' to '{}'", name, path_.string());
    const std::size_t row_size = table.row_size();
    auto [memory_type, file_type] = compound_types(table.columns(), row_size, what);
    const std::size_t chunk_rows = std::clamp<std::size_t>(target_chunk_bytes / row_size, 1,
                                                           std::max<std::size_t>(table.rows(), 1));
    Handle dataset =
        create_dataset(file_, name, file_type.get(), table.rows(), false, chunk_rows, true, what);
    // Pack and write one chunk's worth of rows at a time.
    std::vector<std::byte> buffer;
    for (std::size_t first = 0; first < table.rows(); first += chunk_rows) {
        const std::size_t count = std::min(chunk_rows, table.rows() - first);
        write_rows(dataset.get(), memory_type.get(), table, first, count, first, buffer, what);
    }
    for (const auto& [key, value] : table.attributes()) {
        write_string_attribute(dataset.get(), key, value, StringStorage::Variable, what);
    }
}

ResultsFile::TableWriter ResultsFile::create_table(std::string_view dataset_path,
                                                   const Table& schema, Compression compression,
                                                   std::size_t expected_rows) {
    require_open("create_table");
    const std::string name(dataset_path);
    require_columns(schema, name, path_);
    const QuietErrors quiet;
    const std::string what = fmt::format("cannot write table '{}' to '{}'", name, path_.string());
    const std::size_t row_size = schema.row_size();
    auto [memory_type, file_type] = compound_types(schema.columns(), row_size, what);
    const std::size_t chunk_rows = extendible_chunk_rows(row_size, expected_rows);
    if (compression.deflate_level > 9)
        throw std::invalid_argument(fmt::format("table '{}': deflate level {} is not 0..9", name,
                                                compression.deflate_level));
    Handle dataset = create_dataset(file_, name, file_type.get(), 0, true, chunk_rows,
                                    compression.shuffle, what, compression.deflate_level);
    for (const auto& [key, value] : schema.attributes()) {
        write_string_attribute(dataset.get(), key, value, StringStorage::Variable, what);
    }
    // Chunks compressed here must be what HDF5 would write: packed rows in the file's layout.
    const bool direct = compression.parallel && compression.deflate_level > 0 &&
                        H5Tequal(memory_type.get(), file_type.get()) > 0;
    // The writer owns the dataset and the memory type from here on.
    const hid_t dataset_id = dataset.release();
    const hid_t memory_id = memory_type.release();
    return TableWriter(name, what, dataset_id, memory_id, schema.columns(), chunk_rows,
                       direct ? compression.deflate_level : 0U, direct && compression.shuffle);
}

ResultsFile::TableWriter::TableWriter(std::string name, std::string what, std::int64_t dataset,
                                      std::int64_t memory_type,
                                      const std::vector<Table::Column>& columns,
                                      std::size_t chunk_rows, unsigned direct_level,
                                      bool direct_shuffle)
    : name_(std::move(name)), what_(std::move(what)), dataset_(dataset), memory_type_(memory_type),
      chunk_rows_(chunk_rows), direct_level_(direct_level), direct_shuffle_(direct_shuffle) {
    for (const Table::Column& column : columns) {
        columns_.push_back(ColumnShape{column.name, column.type, column.size, column.names});
        row_size_ += column.size;
    }
}

ResultsFile::TableWriter::TableWriter(TableWriter&& other) noexcept
    : name_(std::move(other.name_)), what_(std::move(other.what_)),
      dataset_(std::exchange(other.dataset_, -1)),
      memory_type_(std::exchange(other.memory_type_, -1)), columns_(std::move(other.columns_)),
      row_size_(other.row_size_), chunk_rows_(other.chunk_rows_), rows_(other.rows_),
      direct_level_(other.direct_level_), direct_shuffle_(other.direct_shuffle_),
      pending_(std::move(other.pending_)), written_(other.written_),
      shuffled_(std::move(other.shuffled_)), compressed_(std::move(other.compressed_)) {
}

ResultsFile::TableWriter::~TableWriter() {
    const QuietErrors quiet;
    if (dataset_ >= 0) {
        H5Dclose(dataset_);
    }
    if (memory_type_ >= 0) {
        H5Tclose(memory_type_);
    }
    H5Eclear2(H5E_DEFAULT);
}

std::size_t ResultsFile::TableWriter::batch_rows() const {
    // Two chunks per thread: enough to keep every thread busy, little memory.
    return 2 * available_threads() * chunk_rows_;
}

void ResultsFile::TableWriter::append(const Table& rows) {
    const auto& columns = rows.columns();
    bool same = columns.size() == columns_.size();
    for (std::size_t c = 0; same && c < columns.size(); ++c) {
        same = columns[c].name == columns_[c].name && columns[c].type == columns_[c].type &&
               columns[c].size == columns_[c].size && columns[c].names == columns_[c].names;
    }
    if (!same) {
        throw std::invalid_argument(fmt::format(
            "table '{}': appended rows do not have the table's columns (names, types, string "
            "widths and enumerations' names)",
            name_));
    }
    append_packed(rows.rows(), [&](std::size_t first, std::size_t n, std::byte* out) {
        for (std::size_t i = 0; i < n; ++i)
            for (const Table::Column& column : columns) {
                column.pack(first + i, out);
                out += column.size;
            }
    });
}

void ResultsFile::TableWriter::append_packed(
    std::size_t count,
    const std::function<void(std::size_t first, std::size_t n, std::byte* out)>& pack) {
    if (dataset_ < 0) {
        throw std::logic_error(fmt::format("table '{}': append after it was moved", name_));
    }
    if (count == 0) {
        return;
    }
    const QuietErrors quiet;
    // Packed a few chunks at a time: into pending_, whose whole chunks are compressed and
    // written at once (direct), or into a buffer handed to HDF5.
    std::vector<std::byte> buffer;
    const std::size_t batch = batch_rows();
    for (std::size_t first = 0; first < count; first += batch) {
        const std::size_t n = std::min(batch, count - first);
        if (direct_level_ > 0) {
            const std::size_t at = pending_.size();
            pending_.resize(at + n * row_size_);
            pack(first, n, pending_.data() + at);
            write_chunks(false);
        } else {
            buffer.resize(n * row_size_);
            pack(first, n, buffer.data());
            write_packed(buffer.data(), n);
        }
        rows_ += n;
    }
}

void ResultsFile::TableWriter::write_packed(const std::byte* rows, std::size_t count) {
    const hsize_t extent = static_cast<hsize_t>(rows_ + count);
    check(H5Dset_extent(dataset_, &extent), what_);
    write_packed_rows(dataset_, memory_type_, rows, count, rows_, what_);
}

namespace {

/// HDF5's shuffle filter: byte b of element i goes to b * n + i (n elements of `size` bytes).
void shuffle_bytes(const std::byte* __restrict in, std::byte* __restrict out, std::size_t n,
                   std::size_t size) {
    // Sixteen elements at a time, so that each output run is written in one piece.
    constexpr std::size_t block = 16;
    std::size_t i = 0;
    for (; i + block <= n; i += block)
        for (std::size_t b = 0; b < size; ++b) {
            std::byte* o = out + b * n + i;
            const std::byte* s = in + i * size + b;
            for (std::size_t k = 0; k < block; ++k)
                o[k] = s[k * size];
        }
    for (; i < n; ++i)
        for (std::size_t b = 0; b < size; ++b)
            out[b * n + i] = in[i * size + b];
}

/// Clears the upper halves of the vector registers (`vzeroupper`) where the CPU has them:
/// ISA-L 2.30's AVX-512 deflate returns with them dirty, which made the SSE code run after it
/// (zlib compressing the other tables) twice as slow (measured: 9.4 against 5.3 ms).
void clear_upper_vector_state() {
#if defined(__x86_64__) || defined(__i386__)
    static const bool avx = __builtin_cpu_supports("avx") != 0;
    if (avx)
        asm volatile("vzeroupper" ::: "memory");
#endif
}

/// Deflates `in` (a zlib stream, as HDF5's deflate filter writes) into `out`; returns the
/// compressed size, or 0 when it does not fit in `out` (the chunk is then stored as it is).
/// Level 1 with ISA-L's igzip (level 1: several times faster than zlib's fastest level, and as
/// small on shuffled rows), other levels with zlib. Throws std::bad_alloc, or OutputError for a
/// compressor's failure.
std::size_t deflate_chunk(const std::byte* in, std::size_t size, std::byte* out,
                          std::size_t capacity, unsigned level) {
    if (level == 1) {
        // The stream's state (large) and igzip's level buffer, per thread, made once.
        struct Igzip {
            isal_zstream stream;
            std::vector<std::uint8_t> level_buffer =
                std::vector<std::uint8_t>(ISAL_DEF_LVL1_DEFAULT);
        };
        thread_local const std::unique_ptr<Igzip> mine = std::make_unique<Igzip>();
        isal_zstream& z = mine->stream;
        isal_deflate_stateless_init(&z);
        z.level = 1;
        z.level_buf = mine->level_buffer.data();
        z.level_buf_size = static_cast<std::uint32_t>(mine->level_buffer.size());
        z.gzip_flag = IGZIP_ZLIB;
        z.end_of_stream = 1;
        z.flush = NO_FLUSH;
        z.next_in = reinterpret_cast<std::uint8_t*>(const_cast<std::byte*>(in));
        z.avail_in = static_cast<std::uint32_t>(size);
        z.next_out = reinterpret_cast<std::uint8_t*>(out);
        z.avail_out = static_cast<std::uint32_t>(capacity);
        const int status = isal_deflate_stateless(&z);
        clear_upper_vector_state();
        if (status == STATELESS_OVERFLOW)
            return 0;
        if (status != COMP_OK)
            throw OutputError(fmt::format("igzip failed ({})", status));
        return z.total_out;
    }
    uLongf written = static_cast<uLongf>(capacity);
    const int status =
        compress2(reinterpret_cast<Bytef*>(out), &written, reinterpret_cast<const Bytef*>(in),
                  static_cast<uLong>(size), static_cast<int>(level));
    if (status == Z_BUF_ERROR)
        return 0;
    if (status != Z_OK)
        throw OutputError(fmt::format("zlib failed ({})", status));
    return written;
}

} // namespace

void ResultsFile::TableWriter::write_chunks(bool last) {
    const std::size_t chunk_bytes = chunk_rows_ * row_size_;
    std::size_t chunks = pending_.size() / chunk_bytes;
    std::size_t rows_in = chunks * chunk_rows_;
    if (last && pending_.size() % chunk_bytes != 0) {
        // The last chunk, padded with zeros (the fill value) to a whole chunk, as HDF5 stores
        // chunks at the edge of a dataset.
        rows_in += (pending_.size() % chunk_bytes) / row_size_;
        pending_.resize((chunks + 1) * chunk_bytes, std::byte{0});
        ++chunks;
    }
    if (chunks == 0)
        return;
    while (compressed_.size() < chunks) {
        compressed_.push_back(std::make_unique_for_overwrite<std::byte[]>(chunk_bytes));
        shuffled_.push_back(
            direct_shuffle_ ? std::make_unique_for_overwrite<std::byte[]>(chunk_bytes) : nullptr);
    }
    std::vector<std::size_t> sizes(chunks, 0);
    std::vector<std::string> failures(chunks);
    const auto compress = [&](std::size_t k) {
        const std::byte* in = pending_.data() + k * chunk_bytes;
        if (direct_shuffle_) {
            shuffle_bytes(in, shuffled_[k].get(), chunk_rows_, row_size_);
            in = shuffled_[k].get();
        }
        // Output larger than the chunk is of no use: such a chunk is stored as it is.
        try {
            sizes[k] =
                deflate_chunk(in, chunk_bytes, compressed_[k].get(), chunk_bytes, direct_level_);
        } catch (const std::exception& e) {
            failures[k] = e.what();
        }
    };
    // On one thread, without TBB: its scheduler would start a thread that does nothing.
    if (available_threads() > 1) {
        parallel_for_each_index(chunks, compress);
    } else {
        for (std::size_t k = 0; k < chunks; ++k)
            compress(k);
    }
    for (const std::string& failure : failures)
        if (!failure.empty())
            throw OutputError(fmt::format("{}: {}", what_, failure));
    const hsize_t extent = static_cast<hsize_t>(written_ + rows_in);
    check(H5Dset_extent(dataset_, &extent), what_);
    for (std::size_t k = 0; k < chunks; ++k) {
        const hsize_t offset = static_cast<hsize_t>(written_ + k * chunk_rows_);
        // A chunk deflate does not make smaller is stored shuffled (if so asked) but not
        // deflated, the deflate filter (the pipeline's last) marked skipped, as HDF5's own
        // optional deflate does.
        const bool raw = sizes[k] == 0;
        const std::uint32_t skipped = raw ? (direct_shuffle_ ? 2U : 1U) : 0U;
        const void* bytes =
            raw ? (direct_shuffle_ ? static_cast<const void*>(shuffled_[k].get())
                                   : static_cast<const void*>(pending_.data() + k * chunk_bytes))
                : static_cast<const void*>(compressed_[k].get());
        check(H5Dwrite_chunk(dataset_, H5P_DEFAULT, skipped, &offset, raw ? chunk_bytes : sizes[k],
                             bytes),
              what_);
    }
    written_ += rows_in;
    const std::size_t used = std::min(pending_.size(), chunks * chunk_bytes);
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(used));
}

void ResultsFile::TableWriter::finish() {
    if (dataset_ < 0)
        throw std::logic_error(fmt::format("table '{}': finish after it was moved", name_));
    if (direct_level_ == 0 || pending_.empty())
        return;
    const QuietErrors quiet;
    write_chunks(true);
}

void ResultsFile::commit() {
    require_open("commit");
    const std::string shown = path_.string();
    {
        const QuietErrors quiet;
        const bool closed = flush_and_close(file_);
        file_ = -1; // closed, or abandoned and never closed again (see flush_and_close)
        if (!closed) {
            throw OutputError(fmt::format("cannot finish results file '{}': {}",
                                          temp_path_.string(), hdf5_reason()));
        }
    }
    // Make the contents durable before the rename makes them visible.
    const int fd = ::open(temp_path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::fsync(fd) != 0) {
        const int error = errno;
        if (fd >= 0) {
            ::close(fd);
        }
        throw OutputError(fmt::format("cannot flush results file '{}' to disk: {}",
                                      temp_path_.string(), system_reason(error)));
    }
    ::close(fd);

    std::error_code error;
    std::filesystem::rename(temp_path_, path_, error);
    if (error) {
        throw OutputError(fmt::format("cannot move results file '{}' into place as '{}': {}",
                                      temp_path_.string(), shown, error.message()));
    }
    committed_ = true;

    // Make the rename itself durable; a failure here cannot un-write the file, so ignore it.
    std::filesystem::path directory = path_.parent_path();
    if (directory.empty()) {
        directory = ".";
    }
    const int dir_fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd >= 0) {
        ::fsync(dir_fd);
        ::close(dir_fd);
    }
}

void write_new_file(const std::filesystem::path& path, std::string_view bytes) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        throw OutputError(
            fmt::format("cannot create '{}': {}", path.string(), system_reason(errno)));
    }
    const auto fail = [&](int error) {
        std::error_code ignored;
        std::filesystem::remove(path, ignored);
        return OutputError(
            fmt::format("cannot write '{}': {}", path.string(), system_reason(error)));
    };
    const char* p = bytes.data();
    std::size_t left = bytes.size();
    while (left > 0) {
        const ssize_t n = ::write(fd, p, left);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            const int error = errno;
            ::close(fd);
            throw fail(error);
        }
        p += n;
        left -= static_cast<std::size_t>(n);
    }
    if (::close(fd) != 0) { // some file systems report a full disk only here
        throw fail(errno);
    }
}

void write_text_file(const std::filesystem::path& path, std::string_view text) {
    check_output_path(path);
    const std::filesystem::path temp = path.string() + ".tmp-" + std::to_string(::getpid());
    std::error_code error;
    std::filesystem::remove(temp, error); // a leftover of an earlier process with our pid
    try {
        write_new_file(temp, text);
    } catch (const OutputError& e) {
        throw OutputError(fmt::format("cannot write '{}': {}", path.string(), e.what()));
    }
    std::filesystem::rename(temp, path, error);
    if (error) {
        std::error_code ignored;
        std::filesystem::remove(temp, ignored);
        throw OutputError(fmt::format("cannot write '{}': {}", path.string(), error.message()));
    }
}

// ---------------------------------------------------------------------------------------------
// Locks and temporary files

OutputLock::OutputLock(std::filesystem::path lock_path, const std::string& what)
    : path_(std::move(lock_path)) {
    // The holder may delete the lock file as it finishes (with its folder): a lock taken on a
    // file that is no longer at the path locks nothing, so check and try again.
    for (int attempt = 0;; ++attempt) {
        fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd_ < 0) {
            throw OutputError(fmt::format("cannot lock '{}': cannot open the lock file '{}': {}",
                                          what, path_.string(), system_reason(errno)));
        }
        if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
            const int error = errno;
            char buffer[32] = {};
            const ssize_t n = ::pread(fd_, buffer, sizeof buffer - 1, 0);
            std::string holder(buffer, n > 0 ? static_cast<std::size_t>(n) : 0U);
            holder = holder.substr(0, holder.find('\n'));
            ::close(fd_);
            fd_ = -1;
            if (error == EWOULDBLOCK) {
                throw OutputError(fmt::format(
                    "'{}' is being written by another process{}, which holds the lock '{}': wait "
                    "for it to finish, or choose another output path",
                    what, holder.empty() ? std::string() : " (pid " + holder + ")",
                    path_.string()));
            }
            throw OutputError(fmt::format("cannot lock '{}' ('{}'): {}", what, path_.string(),
                                          system_reason(error)));
        }
        struct stat held {};
        struct stat named {};
        if (::fstat(fd_, &held) == 0 && ::stat(path_.c_str(), &named) == 0 &&
            held.st_dev == named.st_dev && held.st_ino == named.st_ino) {
            break;
        }
        ::close(fd_);
        fd_ = -1;
        if (attempt == 10) {
            throw OutputError(fmt::format("cannot lock '{}': the lock file '{}' keeps being "
                                          "removed by another process",
                                          what, path_.string()));
        }
        std::error_code ignored;
        std::filesystem::create_directories(path_.parent_path(), ignored);
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd_, 0) == 0) {
        [[maybe_unused]] const ssize_t ignored = ::pwrite(fd_, pid.data(), pid.size(), 0);
    }
}

OutputLock::~OutputLock() {
    if (fd_ >= 0) {
        ::close(fd_); // releases the lock
    }
}

OutputLock::OutputLock(OutputLock&& other) noexcept
    : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)) {
}

std::size_t remove_temporaries(const std::filesystem::path& path) {
    namespace fs = std::filesystem;
    fs::path directory = path.parent_path();
    if (directory.empty()) {
        directory = ".";
    }
    const std::string prefix = path.filename().string() + ".tmp-";
    std::size_t removed = 0;
    std::error_code error;
    for (fs::directory_iterator it(directory, error), end; !error && it != end;
         it.increment(error)) {
        const std::string name = it->path().filename().string();
        if (name.size() > prefix.size() && name.compare(0, prefix.size(), prefix) == 0 &&
            it->symlink_status(error).type() == fs::file_type::regular) {
            std::error_code ignored;
            removed += fs::remove(it->path(), ignored) ? 1U : 0U;
        }
    }
    return removed;
}

} // namespace govsim::sim

// ---------------------------------------------------------------------------------------------
// Bytes, reading and comparing (appended; see results_file.hpp)

namespace govsim::sim {

namespace {

/// Bytes per chunk of a byte dataset.
constexpr hsize_t bytes_chunk = 1U << 20;

Handle open_dataset(hid_t file, std::string_view dataset_path, const std::string& what) {
    const std::string name(dataset_path);
    return Handle(check(H5Dopen2(file, name.c_str(), H5P_DEFAULT), what), H5Dclose);
}

hid_t open_read_only(const std::filesystem::path& path, const std::string& what) {
    Handle fapl(check(H5Pcreate(H5P_FILE_ACCESS), what), H5Pclose);
#if H5_VERSION_GE(1, 10, 7)
    check(H5Pset_file_locking(fapl.get(), false, true), what);
#endif
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get());
    if (file < 0) {
        throw OutputError(fmt::format("{}: {}", what, hdf5_reason()));
    }
    return file;
}

herr_t collect_dataset(hid_t /*object*/, const char* name, const H5O_info_t* info, void* data) {
    if (info->type == H5O_TYPE_DATASET) {
        static_cast<std::vector<std::string>*>(data)->push_back(std::string("/") + name);
    }
    return 0;
}

} // namespace

std::uint64_t ResultsFile::BytesWriter::append(std::string_view bytes) {
    const std::uint64_t at = size_;
    if (bytes.empty()) {
        return at;
    }
    const QuietErrors quiet;
    const hsize_t extent = size_ + bytes.size();
    check(H5Dset_extent(dataset_, &extent), what_);
    Handle file_space(check(H5Dget_space(dataset_), what_), H5Sclose);
    const hsize_t start = size_;
    const hsize_t count = bytes.size();
    Handle memory_space(check(H5Screate_simple(1, &count, nullptr), what_), H5Sclose);
    check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &start, nullptr, &count, nullptr),
          what_);
    check(H5Dwrite(dataset_, H5T_NATIVE_UINT8, memory_space.get(), file_space.get(), H5P_DEFAULT,
                   bytes.data()),
          what_);
    size_ = extent;
    return at;
}

ResultsFile::BytesWriter::~BytesWriter() {
    if (dataset_ >= 0) {
        const QuietErrors quiet;
        H5Dclose(dataset_);
        H5Eclear2(H5E_DEFAULT);
    }
}

ResultsFile::BytesWriter::BytesWriter(BytesWriter&& other) noexcept
    : what_(std::move(other.what_)), dataset_(std::exchange(other.dataset_, -1)),
      size_(other.size_) {
}

ResultsFile::BytesWriter ResultsFile::create_bytes(std::string_view dataset_path,
                                                   std::string_view description) {
    require_open("create_bytes");
    const std::string name(dataset_path);
    const QuietErrors quiet;
    const std::string what = fmt::format("cannot write '{}' to '{}'", name, path_.string());
    Handle dataset = create_dataset(file_, name, H5T_STD_U8LE, 0, true, bytes_chunk, false, what);
    write_string_attribute(dataset.get(), "description", description, StringStorage::Variable,
                           what);
    return BytesWriter(what, dataset.release());
}

ResultsReader::ResultsReader(std::filesystem::path path) : path_(std::move(path)) {
    const QuietErrors quiet;
    const std::string what = fmt::format("cannot read '{}'", path_.string());
    std::error_code error;
    if (!std::filesystem::is_regular_file(path_, error)) {
        throw OutputError(fmt::format("{}: {}", what,
                                      std::filesystem::exists(path_, error) ? "not a regular file"
                                                                            : "no such file"));
    }
    if (H5Fis_hdf5(path_.c_str()) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        throw OutputError(fmt::format("{}: not an HDF5 file", what));
    }
    file_ = open_read_only(path_, what);
}

ResultsReader::~ResultsReader() {
    if (file_ >= 0) {
        const QuietErrors quiet;
        H5Fclose(file_);
        H5Eclear2(H5E_DEFAULT);
    }
}

bool ResultsReader::has_attribute(std::string_view name) const {
    const QuietErrors quiet;
    const std::string n(name);
    return H5Aexists(file_, n.c_str()) > 0;
}

std::string ResultsReader::string_attribute(std::string_view name) const {
    const QuietErrors quiet;
    const std::string n(name);
    const std::string what =
        fmt::format("cannot read attribute '{}' of '{}'", name, path_.string());
    Handle attribute(check(H5Aopen(file_, n.c_str(), H5P_DEFAULT), what), H5Aclose);
    Handle type(check(H5Aget_type(attribute.get()), what), H5Tclose);
    if (H5Tget_class(type.get()) != H5T_STRING) {
        throw OutputError(fmt::format("{}: not a string", what));
    }
    if (H5Tis_variable_str(type.get()) > 0) {
        char* text = nullptr;
        check(H5Aread(attribute.get(), type.get(), &text), what);
        std::string value(text != nullptr ? text : "");
        H5free_memory(text);
        return value;
    }
    std::string value(H5Tget_size(type.get()), '\0');
    check(H5Aread(attribute.get(), type.get(), value.data()), what);
    return value.substr(0, value.find('\0'));
}

std::uint64_t ResultsReader::uint_attribute(std::string_view name) const {
    const QuietErrors quiet;
    const std::string n(name);
    const std::string what =
        fmt::format("cannot read attribute '{}' of '{}'", name, path_.string());
    Handle attribute(check(H5Aopen(file_, n.c_str(), H5P_DEFAULT), what), H5Aclose);
    std::uint64_t value = 0;
    check(H5Aread(attribute.get(), H5T_NATIVE_UINT64, &value), what);
    return value;
}

std::int64_t ResultsReader::int_attribute(std::string_view name) const {
    const QuietErrors quiet;
    const std::string n(name);
    const std::string what =
        fmt::format("cannot read attribute '{}' of '{}'", name, path_.string());
    Handle attribute(check(H5Aopen(file_, n.c_str(), H5P_DEFAULT), what), H5Aclose);
    std::int64_t value = 0;
    check(H5Aread(attribute.get(), H5T_NATIVE_INT64, &value), what);
    return value;
}

bool ResultsReader::has_dataset(std::string_view dataset_path) const {
    const QuietErrors quiet;
    const std::string name(dataset_path);
    const htri_t exists = H5Lexists(file_, name.c_str(), H5P_DEFAULT);
    H5Eclear2(H5E_DEFAULT);
    return exists > 0;
}

std::uint64_t ResultsReader::rows(std::string_view dataset_path) const {
    const QuietErrors quiet;
    const std::string what = fmt::format("cannot read '{}' of '{}'", dataset_path, path_.string());
    Handle dataset = open_dataset(file_, dataset_path, what);
    Handle space(check(H5Dget_space(dataset.get()), what), H5Sclose);
    if (H5Sget_simple_extent_ndims(space.get()) != 1) {
        throw OutputError(fmt::format("{}: not a one-dimensional dataset", what));
    }
    hsize_t n = 0;
    H5Sget_simple_extent_dims(space.get(), &n, nullptr);
    return n;
}

namespace {

/// One numeric column of a compound dataset of `rows` rows, converted by HDF5 to `native`
/// (the native type of T).
template <class T>
std::vector<T> read_numeric_column(hid_t file, std::string_view dataset_path,
                                   std::string_view column, std::size_t rows, hid_t native,
                                   const std::string& what) {
    Handle dataset = open_dataset(file, dataset_path, what);
    const std::string member(column);
    Handle type(check(H5Tcreate(H5T_COMPOUND, sizeof(T)), what), H5Tclose);
    check(H5Tinsert(type.get(), member.c_str(), 0, native), what);
    std::vector<T> values(rows);
    if (!values.empty()) {
        check(H5Dread(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
              what);
    }
    return values;
}

} // namespace

std::vector<std::uint64_t> ResultsReader::uint_column(std::string_view dataset_path,
                                                      std::string_view column) const {
    const QuietErrors quiet;
    const std::string what = fmt::format("cannot read column '{}' of '{}' in '{}'", column,
                                         dataset_path, path_.string());
    return read_numeric_column<std::uint64_t>(file_, dataset_path, column,
                                              static_cast<std::size_t>(rows(dataset_path)),
                                              H5T_NATIVE_UINT64, what);
}

std::vector<double> ResultsReader::double_column(std::string_view dataset_path,
                                                 std::string_view column) const {
    const QuietErrors quiet;
    const std::string what = fmt::format("cannot read column '{}' of '{}' in '{}'", column,
                                         dataset_path, path_.string());
    return read_numeric_column<double>(file_, dataset_path, column,
                                       static_cast<std::size_t>(rows(dataset_path)),
                                       H5T_NATIVE_DOUBLE, what);
}

void ResultsReader::write_csv(std::string_view dataset_path,
                              const std::function<void(std::string_view)>& out) const {
    const QuietErrors quiet;
    const std::string what =
        fmt::format("cannot export '{}' of '{}' as CSV", dataset_path, path_.string());
    Handle dataset = open_dataset(file_, dataset_path, what);
    Handle file_type(check(H5Dget_type(dataset.get()), what), H5Tclose);
    if (H5Tget_class(file_type.get()) != H5T_COMPOUND) {
        throw OutputError(fmt::format("{}: not a table", what));
    }
    // Every column read as int64, uint64, double, its fixed-length string type or its
    // enumeration (written as its names).
    enum class Kind { Int, Uint, Real, Text, Enum };
    struct Member {
        std::string name;
        Kind kind;
        std::size_t offset, size;
        std::vector<std::pair<std::uint64_t, std::string>> names; ///< an enumeration's
    };
    std::vector<Member> members;
    const int count = check(H5Tget_nmembers(file_type.get()), what);
    std::size_t row_size = 0;
    std::vector<Handle> string_types;
    for (int i = 0; i < count; ++i) {
        char* raw = H5Tget_member_name(file_type.get(), static_cast<unsigned>(i));
        std::string name(raw == nullptr ? "" : raw);
        H5free_memory(raw);
        Handle type(check(H5Tget_member_type(file_type.get(), static_cast<unsigned>(i)), what),
                    H5Tclose);
        Member m{name, Kind::Real, row_size, sizeof(double), {}};
        switch (H5Tget_class(type.get())) {
        case H5T_INTEGER:
            m.kind = H5Tget_sign(type.get()) == H5T_SGN_NONE ? Kind::Uint : Kind::Int;
            break;
        case H5T_FLOAT:
            break;
        case H5T_STRING:
            if (H5Tis_variable_str(type.get()) > 0) {
                throw OutputError(
                    fmt::format("{}: column '{}' holds variable-length strings", what, name));
            }
            m.kind = Kind::Text;
            m.size = H5Tget_size(type.get());
            string_types.push_back(std::move(type));
            break;
        case H5T_ENUM: {
            Handle native(check(H5Tget_native_type(type.get(), H5T_DIR_ASCEND), what), H5Tclose);
            m.kind = Kind::Enum;
            m.size = H5Tget_size(native.get());
            if (m.size > sizeof(std::uint64_t))
                throw OutputError(fmt::format(
                    "{}: column '{}' is an enumeration wider than 8 bytes", what, name));
            const int names = check(H5Tget_nmembers(native.get()), what);
            for (int k = 0; k < names; ++k) {
                std::uint64_t value = 0;
                check(H5Tget_member_value(native.get(), static_cast<unsigned>(k), &value), what);
                char* member = H5Tget_member_name(native.get(), static_cast<unsigned>(k));
                m.names.emplace_back(value, member == nullptr ? "" : member);
                H5free_memory(member);
            }
            string_types.push_back(std::move(native));
            break;
        }
        default:
            throw OutputError(
                fmt::format("{}: column '{}' is of a type CSV export does not know", what, name));
        }
        row_size += m.size;
        members.push_back(std::move(m));
    }
    Handle memory_type(check(H5Tcreate(H5T_COMPOUND, std::max<std::size_t>(row_size, 1)), what),
                       H5Tclose);
    std::size_t next_string = 0;
    for (const Member& m : members) {
        const hid_t type = m.kind == Kind::Int    ? H5T_NATIVE_INT64
                           : m.kind == Kind::Uint ? H5T_NATIVE_UINT64
                           : m.kind == Kind::Real ? H5T_NATIVE_DOUBLE
                                                  : string_types[next_string++].get();
        check(H5Tinsert(memory_type.get(), m.name.c_str(), m.offset, type), what);
    }
    const auto quote = [](std::string_view text) {
        if (text.find_first_of(",\"\n\r") == std::string_view::npos) {
            return std::string(text);
        }
        std::string q = "\"";
        for (const char c : text) {
            q += c;
            if (c == '"') {
                q += '"';
            }
        }
        return q + "\"";
    };
    std::string header;
    for (std::size_t k = 0; k < members.size(); ++k) {
        header += (k == 0 ? "" : ",") + quote(members[k].name);
    }
    out(header + "\n");
    const std::uint64_t n = rows(dataset_path);
    const std::uint64_t block =
        std::max<std::uint64_t>(1, (4U << 20) / std::max<std::size_t>(row_size, 1));
    Handle file_space(check(H5Dget_space(dataset.get()), what), H5Sclose);
    std::vector<unsigned char> buffer;
    for (std::uint64_t first = 0; first < n; first += block) {
        const hsize_t start = first;
        const hsize_t rows_here = std::min<std::uint64_t>(block, n - first);
        buffer.assign(static_cast<std::size_t>(rows_here) * row_size, 0);
        check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &start, nullptr, &rows_here,
                                  nullptr),
              what);
        Handle memory_space(check(H5Screate_simple(1, &rows_here, nullptr), what), H5Sclose);
        check(H5Dread(dataset.get(), memory_type.get(), memory_space.get(), file_space.get(),
                      H5P_DEFAULT, buffer.data()),
              what);
        std::string text;
        for (hsize_t r = 0; r < rows_here; ++r) {
            const unsigned char* row = buffer.data() + r * row_size;
            for (std::size_t k = 0; k < members.size(); ++k) {
                const Member& m = members[k];
                if (k > 0) {
                    text += ',';
                }
                const unsigned char* at = row + m.offset;
                if (m.kind == Kind::Int) {
                    std::int64_t v = 0;
                    std::memcpy(&v, at, sizeof v);
                    text += fmt::format("{}", v);
                } else if (m.kind == Kind::Uint) {
                    std::uint64_t v = 0;
                    std::memcpy(&v, at, sizeof v);
                    text += fmt::format("{}", v);
                } else if (m.kind == Kind::Real) {
                    double v = 0;
                    std::memcpy(&v, at, sizeof v);
                    text += fmt::format("{}", v);
                } else if (m.kind == Kind::Enum) {
                    std::uint64_t v = 0;
                    std::memcpy(&v, at, m.size);
                    const auto found =
                        std::find_if(m.names.begin(), m.names.end(),
                                     [v](const auto& named) { return named.first == v; });
                    if (found == m.names.end())
                        throw OutputError(fmt::format(
                            "{}: column '{}' holds {}, which its enumeration does not name", what,
                            m.name, v));
                    text += quote(found->second);
                } else {
                    const auto* chars = reinterpret_cast<const char*>(at);
                    text += quote(std::string_view(chars, ::strnlen(chars, m.size)));
                }
            }
            text += '\n';
        }
        out(text);
    }
}

std::vector<std::string> ResultsReader::string_column(std::string_view dataset_path,
                                                      std::string_view column) const {
    const QuietErrors quiet;
    const std::string what = fmt::format("cannot read column '{}' of '{}' in '{}'", column,
                                         dataset_path, path_.string());
    Handle dataset = open_dataset(file_, dataset_path, what);
    Handle file_type(check(H5Dget_type(dataset.get()), what), H5Tclose);
    const std::string member(column);
    const int index = H5Tget_member_index(file_type.get(), member.c_str());
    if (index < 0) {
        throw OutputError(fmt::format("{}: no such column", what));
    }
    Handle string_type(
        check(H5Tget_member_type(file_type.get(), static_cast<unsigned>(index)), what), H5Tclose);
    if (H5Tget_class(string_type.get()) != H5T_STRING ||
        H5Tis_variable_str(string_type.get()) > 0) {
        throw OutputError(fmt::format("{}: not a fixed-length string column", what));
    }
    const std::size_t width = H5Tget_size(string_type.get());
    Handle type(check(H5Tcreate(H5T_COMPOUND, width), what), H5Tclose);
    check(H5Tinsert(type.get(), member.c_str(), 0, string_type.get()), what);
    const auto n = static_cast<std::size_t>(rows(dataset_path));
    std::string buffer(std::max<std::size_t>(n * width, 1), '\0');
    if (n > 0) {
        check(H5Dread(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()),
              what);
    }
    std::vector<std::string> values;
    values.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        const std::string value = buffer.substr(i * width, width);
        values.push_back(value.substr(0, value.find('\0')));
    }
    return values;
}

std::string ResultsReader::bytes(std::string_view dataset_path, std::uint64_t offset,
                                 std::uint64_t count) const {
    const QuietErrors quiet;
    const std::string what = fmt::format("cannot read bytes {}..{} of '{}' in '{}'", offset,
                                         offset + count, dataset_path, path_.string());
    const std::uint64_t size = rows(dataset_path);
    if (offset > size || count > size - offset) {
        throw OutputError(fmt::format("{}: the dataset has {} bytes", what, size));
    }
    std::string out(static_cast<std::size_t>(count), '\0');
    if (count == 0) {
        return out;
    }
    Handle dataset = open_dataset(file_, dataset_path, what);
    Handle file_space(check(H5Dget_space(dataset.get()), what), H5Sclose);
    const hsize_t start = offset;
    const hsize_t block = count;
    check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &start, nullptr, &block, nullptr),
          what);
    Handle memory_space(check(H5Screate_simple(1, &block, nullptr), what), H5Sclose);
    check(H5Dread(dataset.get(), H5T_NATIVE_UINT8, memory_space.get(), file_space.get(),
                  H5P_DEFAULT, out.data()),
          what);
    return out;
}

std::vector<std::string> ResultsReader::datasets() const {
    const QuietErrors quiet;
    std::vector<std::string> names;
    check(H5Ovisit(file_, H5_INDEX_NAME, H5_ITER_INC, collect_dataset, &names
#if H5_VERSION_GE(1, 12, 0)
                   ,
                   H5O_INFO_BASIC
#endif
                   ),
          fmt::format("cannot list the datasets of '{}'", path_.string()));
    std::sort(names.begin(), names.end());
    return names;
}

namespace {

/// A packed copy of a compound type without the members named in `ignored`.
Handle without_members(hid_t type, const std::vector<std::string>& ignored,
                       const std::string& what) {
    const int n = H5Tget_nmembers(type);
    std::vector<std::pair<std::string, Handle>> kept;
    std::size_t size = 0;
    for (int i = 0; i < n; ++i) {
        char* raw = H5Tget_member_name(type, static_cast<unsigned>(i));
        const std::string name(raw);
        H5free_memory(raw);
        if (std::find(ignored.begin(), ignored.end(), name) != ignored.end()) {
            continue;
        }
        Handle member(check(H5Tget_member_type(type, static_cast<unsigned>(i)), what), H5Tclose);
        size += H5Tget_size(member.get());
        kept.emplace_back(name, std::move(member));
    }
    Handle out(check(H5Tcreate(H5T_COMPOUND, std::max<std::size_t>(size, 1)), what), H5Tclose);
    std::size_t offset = 0;
    for (const auto& [name, member] : kept) {
        check(H5Tinsert(out.get(), name.c_str(), offset, member.get()), what);
        offset += H5Tget_size(member.get());
    }
    return out;
}

/// The first difference between two datasets of the same name, or nothing.
std::optional<std::string> dataset_difference(hid_t fa, hid_t fb, const std::string& name,
                                              const std::vector<std::string>& ignored,
                                              const std::string& what) {
    Handle da = open_dataset(fa, name, what);
    Handle db = open_dataset(fb, name, what);
    Handle ta(check(H5Dget_type(da.get()), what), H5Tclose);
    Handle tb(check(H5Dget_type(db.get()), what), H5Tclose);
    if (check(H5Tequal(ta.get(), tb.get()), what) <= 0) {
        return std::string("the types (columns, widths) differ");
    }
    Handle sa(check(H5Dget_space(da.get()), what), H5Sclose);
    Handle sb(check(H5Dget_space(db.get()), what), H5Sclose);
    const int rank = H5Sget_simple_extent_ndims(sa.get());
    if (rank != H5Sget_simple_extent_ndims(sb.get())) {
        return std::string("the shapes differ");
    }
    if (rank > 1) {
        return std::string("not a one-dimensional dataset (not compared)");
    }
    hsize_t na = 1, nb = 1;
    if (rank == 1) {
        H5Sget_simple_extent_dims(sa.get(), &na, nullptr);
        H5Sget_simple_extent_dims(sb.get(), &nb, nullptr);
    }
    if (na != nb) {
        return fmt::format("{} rows, against {}", na, nb);
    }
    const bool compound = H5Tget_class(ta.get()) == H5T_COMPOUND;
    Handle memory = compound ? without_members(ta.get(), ignored, what)
                             : Handle(check(H5Tcopy(ta.get()), what), H5Tclose);
    const std::size_t row = H5Tget_size(memory.get());
    const hsize_t block_rows = std::max<hsize_t>(1, (4U << 20) / row);
    std::vector<unsigned char> ba, bb;
    for (hsize_t first = 0; first < na; first += block_rows) {
        const hsize_t count = std::min(block_rows, na - first);
        ba.resize(static_cast<std::size_t>(count) * row);
        bb.resize(ba.size());
        Handle ms(check(H5Screate_simple(1, &count, nullptr), what), H5Sclose);
        const auto read = [&](hid_t dataset, hid_t space, std::vector<unsigned char>& buffer) {
            if (rank == 1) {
                check(H5Sselect_hyperslab(space, H5S_SELECT_SET, &first, nullptr, &count, nullptr),
                      what);
            }
            check(H5Dread(dataset, memory.get(), rank == 1 ? ms.get() : H5S_ALL,
                          rank == 1 ? space : H5S_ALL, H5P_DEFAULT, buffer.data()),
                  what);
        };
        read(da.get(), sa.get(), ba);
        read(db.get(), sb.get(), bb);
        if (ba != bb) {
            std::size_t at = 0;
            while (at < ba.size() && ba[at] == bb[at]) {
                ++at;
            }
            return fmt::format("the contents differ, first at row {}", first + at / row);
        }
    }
    return std::nullopt;
}

} // namespace

std::vector<DatasetDifference> compare_datasets(const std::filesystem::path& a,
                                                const std::filesystem::path& b,
                                                const std::vector<std::string>& ignored_columns) {
    const ResultsReader ra(a);
    const ResultsReader rb(b);
    const auto names_a = ra.datasets();
    const auto names_b = rb.datasets();
    std::vector<DatasetDifference> out;
    const QuietErrors quiet;
    const std::string what = fmt::format("cannot compare '{}' with '{}'", a.string(), b.string());
    const hid_t fa = open_read_only(a, what);
    const hid_t fb = open_read_only(b, what);
    struct Close {
        hid_t a, b;
        ~Close() {
            H5Fclose(a);
            H5Fclose(b);
        }
    } close{fa, fb};
    for (const std::string& name : names_a) {
        if (!std::binary_search(names_b.begin(), names_b.end(), name)) {
            out.push_back({name, fmt::format("missing from '{}'", b.string())});
        } else if (auto difference = dataset_difference(fa, fb, name, ignored_columns, what)) {
            out.push_back({name, *difference});
        }
    }
    for (const std::string& name : names_b) {
        if (!std::binary_search(names_a.begin(), names_a.end(), name)) {
            out.push_back({name, fmt::format("missing from '{}'", a.string())});
        }
    }
    return out;
}

} // namespace govsim::sim
