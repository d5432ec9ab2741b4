// Implementation of the atomic HDF5 results file (see results_file.hpp), on the HDF5 C API.
#include "sim/results_file.hpp"

#include <fstream>

#include <fmt/format.h>
#include <hdf5.h>

#include <cerrno>
#include <fcntl.h>
#include <system_error>
#include <unistd.h>

namespace govsim::sim {

static_assert(std::is_same_v<hid_t, std::int64_t>, "ResultsFile stores hid_t as std::int64_t");

namespace {

/// Bytes of packed rows per chunk: small enough to stay in HDF5's default 1 MiB chunk cache,
/// large enough for deflate to work well.
constexpr std::size_t target_chunk_bytes = 256 * 1024;
constexpr unsigned deflate_level = 4;

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

/// HDF5's account of the last failure: the outermost and innermost descriptions on the error
/// stack (e.g. "unable to create file (unable to open file: name = ..., errno = 13, error
/// message = 'Permission denied', ...)"). Clears the stack.
std::string hdf5_reason() {
    std::vector<std::string> descriptions;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, collect_error, &descriptions);
    H5Eclear2(H5E_DEFAULT);
    if (descriptions.empty()) {
        return "unknown HDF5 error";
    }
    if (descriptions.size() == 1 || descriptions.front() == descriptions.back()) {
        return descriptions.front();
    }
    return fmt::format("{} ({})", descriptions.front(), descriptions.back());
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
        break;
    }
    throw std::logic_error("numeric_types called for a string column");
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

std::string system_reason(int error) {
    return std::generic_category().message(error);
}

} // namespace

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
                std::function<void(std::size_t, std::byte*)> pack) {
    if (name.empty()) {
        throw std::invalid_argument("table column name is empty");
    }
    for (const Column& column : columns_) {
        if (column.name == name) {
            throw std::invalid_argument(fmt::format("table column '{}' is defined twice", name));
        }
    }
    columns_.push_back(Column{std::move(name), type, size, std::move(pack)});
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
    if (fs::is_directory(path, error)) {
        throw OutputError(
            fmt::format("cannot write results file '{}': a directory has that name", shown));
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
        H5Fclose(file_);
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

void ResultsFile::write_table(std::string_view dataset_path, const Table& table) {
    require_open("write_table");
    const std::string name(dataset_path);
    if (table.columns().empty()) {
        throw std::invalid_argument(
            fmt::format("table '{}' for '{}' has no columns", name, path_.string()));
    }
    const QuietErrors quiet;
    const std::string what = fmt::format("cannot write table '{}' to '{}'", name, path_.string());

    // Packed compound types, one member per column, at the same offsets in memory and on disk.
    const std::size_t row_size = table.row_size();
    Handle memory_type(check(H5Tcreate(H5T_COMPOUND, row_size), what), H5Tclose);
    Handle file_type(check(H5Tcreate(H5T_COMPOUND, row_size), what), H5Tclose);
    std::size_t offset = 0;
    for (const Table::Column& column : table.columns()) {
        if (column.type == ColumnType::String) {
            Handle type = string_type(column.size, what);
            check(H5Tinsert(memory_type.get(), column.name.c_str(), offset, type.get()), what);
            check(H5Tinsert(file_type.get(), column.name.c_str(), offset, type.get()), what);
        } else {
            const auto [memory, file] = numeric_types(column.type);
            check(H5Tinsert(memory_type.get(), column.name.c_str(), offset, memory), what);
            check(H5Tinsert(file_type.get(), column.name.c_str(), offset, file), what);
        }
        offset += column.size;
    }

    const auto rows = static_cast<hsize_t>(table.rows());
    Handle file_space(check(H5Screate_simple(1, &rows, nullptr), what), H5Sclose);
    Handle dcpl(check(H5Pcreate(H5P_DATASET_CREATE), what), H5Pclose);
    const std::size_t chunk_rows = std::clamp<std::size_t>(target_chunk_bytes / row_size, 1,
                                                           std::max<std::size_t>(table.rows(), 1));
    if (table.rows() > 0) { // an empty dataset stays contiguous: chunks need a non-zero size
        const auto chunk = static_cast<hsize_t>(chunk_rows);
        check(H5Pset_chunk(dcpl.get(), 1, &chunk), what);
        check(H5Pset_shuffle(dcpl.get()), what);
        check(H5Pset_deflate(dcpl.get(), deflate_level), what);
    }
    Handle lcpl = intermediate_groups_lcpl(what);
    Handle dataset(check(H5Dcreate2(file_, name.c_str(), file_type.get(), file_space.get(),
                                    lcpl.get(), dcpl.get(), H5P_DEFAULT),
                         what),
                   H5Dclose);

    // Pack and write one chunk's worth of rows at a time.
    std::vector<std::byte> buffer(chunk_rows * row_size);
    for (std::size_t first = 0; first < table.rows(); first += chunk_rows) {
        const std::size_t count = std::min(chunk_rows, table.rows() - first);
        for (std::size_t i = 0; i < count; ++i) {
            std::byte* row = buffer.data() + i * row_size;
            for (const Table::Column& column : table.columns()) {
                column.pack(first + i, row);
                row += column.size;
            }
        }
        const auto start = static_cast<hsize_t>(first);
        const auto block = static_cast<hsize_t>(count);
        Handle memory_space(check(H5Screate_simple(1, &block, nullptr), what), H5Sclose);
        check(
            H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &start, nullptr, &block, nullptr),
            what);
        check(H5Dwrite(dataset.get(), memory_type.get(), memory_space.get(), file_space.get(),
                       H5P_DEFAULT, buffer.data()),
              what);
    }

    for (const auto& [key, value] : table.attributes()) {
        write_string_attribute(dataset.get(), key, value, StringStorage::Variable, what);
    }
}

void ResultsFile::commit() {
    require_open("commit");
    const std::string shown = path_.string();
    {
        const QuietErrors quiet;
        const herr_t closed = H5Fclose(file_);
        file_ = -1;
        check(closed, fmt::format("cannot finish results file '{}'", temp_path_.string()));
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

void write_text_file(const std::filesystem::path& path, std::string_view text) {
    check_output_path(path);
    const std::filesystem::path temp = path.string() + ".tmp-" + std::to_string(::getpid());
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        out.write(text.data(), static_cast<std::streamsize>(text.size()));
        out.flush();
        if (!out) {
            std::error_code ignored;
            std::filesystem::remove(temp, ignored);
            throw OutputError(fmt::format("cannot write '{}'", path.string()));
        }
    }
    std::error_code error;
    std::filesystem::rename(temp, path, error);
    if (error) {
        std::filesystem::remove(temp, error);
        throw OutputError(fmt::format("cannot write '{}': {}", path.string(), error.message()));
    }
}

} // namespace govsim::sim
