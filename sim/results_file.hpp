#pragma once
// Writing one HDF5 results file, atomically. A ResultsFile writes into `<path>.tmp-<pid>` in
// the destination directory and renames it into place on commit(); if it is destroyed before
// commit() (an exception, an interrupted run) the temporary file is removed, so nothing
// half-written ever appears at the final path. Contents are root attributes and "tables":
// 1-D datasets of a packed compound type, one member per column, which h5py reads as a NumPy
// structured array (and pandas as a DataFrame). Tables are described column by column with
// typed getters (Table, RowTable), so a column's HDF5 type follows from its C++ type.
// Every failure, from the file system or from HDF5, is thrown as OutputError with context.
#include <algorithm>
#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace govsim::sim {

/// The longest name of a fixed vocabulary: the min_width of a string column of its names, so
/// that the column's type does not depend on which names occur.
template <std::size_t N>
[[nodiscard]] constexpr std::size_t longest_name(const std::array<std::string_view, N>& names) {
    std::size_t width = 0;
    for (const std::string_view name : names)
        width = std::max(width, name.size());
    return width;
}

/// A results file could not be created, written or moved into place. The message names the
/// file and says why (the system's reason, or HDF5's error stack).
class OutputError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// The storage type of a table column. Strings are fixed-length, null-padded UTF-8; Enum8 is an
/// HDF5 enumeration over a one-byte unsigned integer (h5py reads its codes as `u1`, with the
/// names in the dtype: `h5py.check_enum_dtype`).
enum class ColumnType : std::uint8_t { U8, U32, U64, I32, I64, F64, String, Enum8 };

/// Types a getter may return for a numeric column.
template <class T>
concept NumericColumnValue = std::is_same_v<T, std::uint8_t> || std::is_same_v<T, std::uint32_t> ||
    std::is_same_v<T, std::uint64_t> || std::is_same_v<T, std::int32_t> ||
    std::is_same_v<T, std::int64_t> || std::is_same_v<T, double>;

/// Types a getter may return for a string column.
template <class T>
concept StringColumnValue = std::is_convertible_v<T, std::string_view> && !std::is_arithmetic_v<T>;

namespace detail {
template <class T>
[[nodiscard]] constexpr ColumnType numeric_column_type() {
    if constexpr (std::is_same_v<T, std::uint8_t>) {
        return ColumnType::U8;
    } else if constexpr (std::is_same_v<T, std::uint32_t>) {
        return ColumnType::U32;
    } else if constexpr (std::is_same_v<T, std::uint64_t>) {
        return ColumnType::U64;
    } else if constexpr (std::is_same_v<T, std::int32_t>) {
        return ColumnType::I32;
    } else if constexpr (std::is_same_v<T, std::int64_t>) {
        return ColumnType::I64;
    } else {
        return ColumnType::F64;
    }
}
} // namespace detail

/// A table described column by column, each column by a getter called with the row index
/// (0 .. rows()-1) when the table is written. Getters may capture references: whatever they
/// read must outlive the Table. Numeric getters must return exactly one of the column types
/// (cast explicitly otherwise); string getters return anything convertible to string_view,
/// and the column is as wide as its longest value (at least `min_width` bytes), so nothing is
/// ever truncated (string getters are therefore called twice per row: keep them pure).
class Table {
public:
    explicit Table(std::size_t rows) : rows_(rows) {}

    /// Adds a column whose type follows from what `get(row)` returns.
    template <std::invocable<std::size_t> Getter>
    Table& column(std::string name, Getter get) {
        using T = std::remove_cvref_t<std::invoke_result_t<const Getter&, std::size_t>>;
        if constexpr (StringColumnValue<T>) {
            return string_column(std::move(name), std::move(get), 0);
        } else {
            static_assert(NumericColumnValue<T>,
                          "a table column must be std::uint8_t, std::uint32_t, std::uint64_t, "
                          "std::int32_t, std::int64_t, double or a string: cast the getter's "
                          "result explicitly");
            constexpr ColumnType type = detail::numeric_column_type<T>();
            add(std::move(name), type, sizeof(T),
                [g = std::move(get)](std::size_t row, std::byte* out) {
                    const T value = g(row);
                    std::memcpy(out, &value, sizeof(T));
                });
            return *this;
        }
    }

    /// Adds a string column at least `min_width` bytes wide (e.g. the longest name of a fixed
    /// vocabulary, so the column's type does not depend on which names occur).
    template <std::invocable<std::size_t> Getter>
    Table& string_column(std::string name, Getter get, std::size_t min_width) {
        static_assert(StringColumnValue<std::invoke_result_t<const Getter&, std::size_t>>,
                      "a string column's getter must return something convertible to "
                      "std::string_view");
        std::size_t width = min_width;
        for (std::size_t row = 0; row < rows_; ++row) {
            width = std::max(width, std::string_view(get(row)).size());
        }
        width = std::max<std::size_t>(width, 1); // HDF5 strings have at least one byte
        add(name, ColumnType::String, width,
            [g = std::move(get), width, name](std::size_t row, std::byte* out) {
                const auto& value = g(row);
                const std::string_view text(value);
                if (text.size() > width) {
                    throw std::logic_error("the getter of string column '" + name +
                                           "' returned a longer value on a second call");
                }
                std::memcpy(out, text.data(), text.size());
                std::memset(out + text.size(), 0, width - text.size());
            });
        return *this;
    }

    /// Adds an enumeration column (ColumnType::Enum8): `get(row)` returns a code (std::uint8_t),
    /// stored as it is; the code's name is `names[code]` (at most 256 names, each used once). A
    /// code without a name is an error when the row is packed (std::invalid_argument).
    template <std::invocable<std::size_t> Getter>
    Table& enum_column(std::string name, Getter get, std::vector<std::string> names) {
        static_assert(
            std::is_same_v<std::remove_cvref_t<std::invoke_result_t<const Getter&, std::size_t>>,
                           std::uint8_t>,
            "an enumeration column's getter must return std::uint8_t");
        const std::size_t count = names.size();
        add(
            name, ColumnType::Enum8, 1,
            [g = std::move(get), count, name](std::size_t row, std::byte* out) {
                const std::uint8_t code = g(row);
                if (code >= count) {
                    throw std::invalid_argument("enumeration column '" + name + "': code " +
                                                std::to_string(code) + " has no name");
                }
                *out = static_cast<std::byte>(code);
            },
            std::move(names));
        return *this;
    }

    /// Attaches a string attribute (e.g. "description", "units") to the table's dataset.
    Table& attribute(std::string name, std::string value);

    struct Column {
        std::string name;
        ColumnType type;
        std::size_t size; ///< bytes in a packed row (string width for strings)
        std::function<void(std::size_t row, std::byte* out)> pack;
        std::vector<std::string> names; ///< an enumeration's names, by code (Enum8 only)
    };

    [[nodiscard]] std::size_t rows() const { return rows_; }
    [[nodiscard]] const std::vector<Column>& columns() const { return columns_; }
    [[nodiscard]] const std::vector<std::pair<std::string, std::string>>& attributes() const {
        return attributes_;
    }
    /// Bytes in one packed row: the sum of the column sizes.
    [[nodiscard]] std::size_t row_size() const;

private:
    void add(std::string name, ColumnType type, std::size_t size,
             std::function<void(std::size_t, std::byte*)> pack,
             std::vector<std::string> names = {});

    std::size_t rows_;
    std::vector<Column> columns_;
    std::vector<std::pair<std::string, std::string>> attributes_;
};

/// A Table over a contiguous sequence of row structs, with getters taking `const Row&`:
///     RowTable<YearRow> t(rows);
///     t.column("year", [](const YearRow& r) { return r.year; });
/// The rows must outlive the table.
template <class Row>
class RowTable {
public:
    explicit RowTable(std::span<const Row> rows) : rows_(rows), table_(rows.size()) {}

    template <std::invocable<const Row&> Getter>
    RowTable& column(std::string name, Getter get) {
        table_.column(std::move(name), by_row(std::move(get)));
        return *this;
    }
    template <std::invocable<const Row&> Getter>
    RowTable& string_column(std::string name, Getter get, std::size_t min_width) {
        table_.string_column(std::move(name), by_row(std::move(get)), min_width);
        return *this;
    }
    template <std::invocable<const Row&> Getter>
    RowTable& enum_column(std::string name, Getter get, std::vector<std::string> names) {
        table_.enum_column(std::move(name), by_row(std::move(get)), std::move(names));
        return *this;
    }
    RowTable& attribute(std::string name, std::string value) {
        table_.attribute(std::move(name), std::move(value));
        return *this;
    }

    [[nodiscard]] const Table& table() const { return table_; }
    operator const Table&() const { return table_; } // NOLINT(google-explicit-constructor)

private:
    template <class Getter>
    [[nodiscard]] auto by_row(Getter get) const {
        return [rows = rows_, g = std::move(get)](std::size_t i) -> decltype(auto) {
            return g(rows[i]);
        };
    }

    std::span<const Row> rows_;
    Table table_;
};

/// Integers an attribute may hold (bool and char are excluded: say what you mean).
template <class T>
concept IntegerAttributeValue =
    std::integral<T> && !std::same_as<T, bool> && !std::same_as<T, char>;

/// How a string attribute is stored. Variable-length strings read in h5py as `str`;
/// fixed-length ones as `numpy.bytes_`.
enum class StringStorage : std::uint8_t { Variable, Fixed };

/// Throws OutputError unless a results file could be created at `path`: its directory exists
/// and is writable, and `path` is either absent or an existing regular file (not a directory,
/// a symbolic link, a FIFO, a device or a socket: writing would replace or block on those).
/// ResultsFile's constructor calls it; call it directly to fail before a long computation whose
/// results would be lost.
void check_output_path(const std::filesystem::path& path);

/// Throws OutputError if two of `outputs` name the same file, or an output names the same file
/// as one of `inputs` (compared after resolving `.`, `..` and symbolic links, and for existing
/// files by device and inode, so hard links are caught too). The message names both paths.
struct NamedPath {
    std::string role; ///< what the path is for, in messages ("the results file", "the CSV table")
    std::filesystem::path path;
};
void check_distinct_paths(const std::vector<NamedPath>& outputs,
                          const std::vector<std::filesystem::path>& inputs);

/// Writes a small text file (e.g. a CSV table) atomically: to `<path>.tmp-<pid>`, then renamed
/// into place. Throws OutputError, with the path and the system's reason (e.g. "No space left
/// on device"), on failure, leaving nothing at `path`.
void write_text_file(const std::filesystem::path& path, std::string_view text);

/// Writes `bytes` to a new file `path` (which must not exist; parents must) and closes it,
/// checking every write and the close. Throws OutputError with the path and the system's reason
/// on failure, after removing what it wrote.
void write_new_file(const std::filesystem::path& path, std::string_view bytes);

/// The system's message for an errno value ("No space left on device").
[[nodiscard]] std::string system_reason(int error);

/// An exclusive advisory lock (flock) on a lock file, held while the object lives, so that two
/// processes never write the same output at once. The lock file is created if needed and holds
/// the holder's process id (for messages). A lock is released by the system when its holder
/// dies, so a killed process never leaves a stale lock.
class OutputLock {
public:
    /// Takes the lock on `lock_path` without waiting. Throws OutputError if another process
    /// holds it ("'<what>' is being written by another process (pid N) ..."), or if the lock
    /// file cannot be created.
    OutputLock(std::filesystem::path lock_path, const std::string& what);
    ~OutputLock();
    OutputLock(OutputLock&& other) noexcept;
    OutputLock& operator=(OutputLock&&) = delete;
    OutputLock(const OutputLock&) = delete;
    OutputLock& operator=(const OutputLock&) = delete;

    [[nodiscard]] const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
    int fd_ = -1;
};

/// Removes the temporary files `<path>.tmp-*` of the output `path` (left by killed processes)
/// and returns how many it removed. Call it only while holding the output's lock: it cannot
/// tell a live writer's temporary file from a dead one's.
std::size_t remove_temporaries(const std::filesystem::path& path);

class ResultsFile {
public:
    /// Prepares to write `path`. Throws OutputError, before anything is created, if the
    /// destination directory does not exist or is not writable, or if `path` is a directory;
    /// then creates the temporary file `<path>.tmp-<pid>` beside it.
    explicit ResultsFile(std::filesystem::path path);
    /// Without a successful commit(), closes and removes the temporary file.
    ~ResultsFile();
    ResultsFile(const ResultsFile&) = delete;
    ResultsFile& operator=(const ResultsFile&) = delete;
    ResultsFile(ResultsFile&&) = delete;
    ResultsFile& operator=(ResultsFile&&) = delete;

    /// Sets an attribute of the root group, replacing any of the same name. Signed integers
    /// are stored as int64, unsigned ones as uint64, floating point as double, strings as
    /// UTF-8 (variable-length unless `storage` says otherwise).
    void set_attribute(std::string_view name, std::string_view value,
                       StringStorage storage = StringStorage::Variable);
    void set_attribute(std::string_view name, const char* value,
                       StringStorage storage = StringStorage::Variable) {
        set_attribute(name, std::string_view(value), storage);
    }
    void set_attribute(std::string_view name, const std::string& value,
                       StringStorage storage = StringStorage::Variable) {
        set_attribute(name, std::string_view(value), storage);
    }
    template <IntegerAttributeValue T>
    void set_attribute(std::string_view name, T value) {
        if constexpr (std::is_signed_v<T>) {
            set_int64_attribute(name, static_cast<std::int64_t>(value));
        } else {
            set_uint64_attribute(name, static_cast<std::uint64_t>(value));
        }
    }
    template <std::floating_point T>
    void set_attribute(std::string_view name, T value) {
        set_double_attribute(name, static_cast<double>(value));
    }

    /// Creates a group (and any missing parents), e.g. "series" or "series/daily".
    void create_group(std::string_view group_path);

    /// Writes `table` as the 1-D compound dataset `dataset_path` (e.g. "summary" or
    /// "series/daily"; missing groups are created), with the table's attributes. Non-empty
    /// tables are chunked and compressed (shuffle + deflate level 4); an empty table is a
    /// dataset of shape (0,) with the same compound type. Rows are packed and written one
    /// chunk at a time, so memory use does not grow with the table.
    void write_table(std::string_view dataset_path, const Table& table);

    /// A table written in pieces, for tables too large to describe at once (one run's rows at
    /// a time): created with the columns of `schema` (its rows are not written; string columns
    /// get the widths `schema` gives them, so declare them wide enough for every piece), then
    /// grown by append(). The dataset is chunked, compressed and extendible; its contents are
    /// the same as if the concatenated rows had been written by write_table.
    class TableWriter {
    public:
        /// Appends the rows of `rows`, whose columns must match the schema's (names, types,
        /// widths and enumerations' names; std::invalid_argument otherwise, e.g. for a string
        /// wider than declared).
        void append(const Table& rows);
        /// Appends `count` rows packed by `pack(first, n, out)`, which writes rows [first,
        /// first + n) of them into `out` in the table's layout (the schema's columns one after
        /// another, without padding, integers and reals little-endian, enumerations as their
        /// codes), n × row_size() bytes. For large tables whose rows are packed by code that
        /// knows their layout (much faster than a getter per column); the packer vouches for
        /// the bytes (e.g. that every code has a name). Rows go straight into the writer's
        /// buffer, a few chunks at a time.
        void append_packed(
            std::size_t count,
            const std::function<void(std::size_t first, std::size_t n, std::byte* out)>& pack);
        /// Writes what append() still holds (a table whose chunks are compressed here, see
        /// Compression::parallel). Call it once every row is appended and before the file is
        /// committed: rows held by a writer destroyed unfinished are not written.
        void finish();
        [[nodiscard]] std::size_t rows() const { return rows_; }
        /// Bytes in one packed row.
        [[nodiscard]] std::size_t row_size() const { return row_size_; }
        ~TableWriter();
        TableWriter(TableWriter&& other) noexcept;
        TableWriter(const TableWriter&) = delete;
        TableWriter& operator=(const TableWriter&) = delete;
        TableWriter& operator=(TableWriter&&) = delete;

    private:
        friend class ResultsFile;
        struct ColumnShape {
            std::string name;
            ColumnType type;
            std::size_t size;
            std::vector<std::string> names;
        };
        TableWriter(std::string name, std::string what, std::int64_t dataset,
                    std::int64_t memory_type, const std::vector<Table::Column>& columns,
                    std::size_t chunk_rows, unsigned direct_level, bool direct_shuffle);
        /// Compresses the whole chunks of pending_ (in parallel) and writes them.
        void write_chunks(bool last);
        /// Rows packed (into pending_ or a buffer) and written together: a few chunks per
        /// thread.
        [[nodiscard]] std::size_t batch_rows() const;
        /// Writes `count` packed rows at the end of the dataset through HDF5's own filters.
        void write_packed(const std::byte* rows, std::size_t count);
        std::string name_;
        std::string what_;
        std::int64_t dataset_ = -1;     ///< hid_t
        std::int64_t memory_type_ = -1; ///< hid_t
        std::vector<ColumnShape> columns_;
        std::size_t row_size_ = 0;
        std::size_t chunk_rows_ = 1;
        std::size_t rows_ = 0;
        /// deflate level of chunks compressed here and written directly (0: HDF5 compresses)
        unsigned direct_level_ = 0;
        bool direct_shuffle_ = false;    ///< chunks compressed here are shuffled first
        std::vector<std::byte> pending_; ///< packed rows not yet written (direct only)
        std::size_t written_ = 0;        ///< rows in chunks written (direct only)
        /// Per chunk of a batch: the shuffled chunk and its compressed bytes (kept between
        /// batches, so that their memory is allocated, and touched, once).
        std::vector<std::unique_ptr<std::byte[]>> shuffled_, compressed_;
    };

    /// How a table's chunks are compressed: deflate at `deflate_level` (1 fastest .. 9
    /// smallest; 0: not compressed), after the shuffle filter if `shuffle`. Both are filters
    /// every stock HDF5 reader has.
    /// With `parallel` (and deflate), TableWriter shuffles (if asked) and deflates whole chunks
    /// itself on the worker threads (sim/parallel.hpp) and writes them with H5Dwrite_chunk: at
    /// level 1 with ISA-L's igzip (several times faster than zlib's fastest level, as small on
    /// shuffled rows), at other levels with zlib. The file's contents are those HDF5's own
    /// filters give (the compressed bytes differ), written in less CPU and wall time.
    struct Compression {
        unsigned deflate_level = 4;
        bool shuffle = true;
        bool parallel = false;
    };

    /// Creates the table `dataset_path` with the columns and attributes of `schema` (see
    /// TableWriter), compressed as `compression` says. The writer must not outlive the file.
    /// `expected_rows`, the number of rows the table will hold (an estimate will do; 0:
    /// unknown), bounds its chunks' size: HDF5 pads a table's last chunk to a whole chunk
    /// and filters it so, and a chunk holds 256 KiB of rows, so a table of a few rows in a
    /// chunk of that size would cost the shuffle and deflate of 256 KiB. A table expected to
    /// be smaller than a chunk gets chunks of its expected size instead, but of at least 16
    /// KiB of rows (more rows than expected just take more chunks).
    [[nodiscard]] TableWriter create_table(std::string_view dataset_path, const Table& schema,
                                           Compression compression, std::size_t expected_rows = 0);
    [[nodiscard]] TableWriter create_table(std::string_view dataset_path, const Table& schema) {
        return create_table(dataset_path, schema, Compression{});
    }

    /// A 1-D dataset of bytes (unsigned 8-bit integers, chunked and compressed), written in
    /// pieces: records that only govsim reads back (e.g. the runs of a shard file).
    class BytesWriter {
    public:
        /// Appends `bytes` at the end; returns the offset they start at.
        std::uint64_t append(std::string_view bytes);
        [[nodiscard]] std::uint64_t size() const { return size_; }
        ~BytesWriter();
        BytesWriter(BytesWriter&& other) noexcept;
        BytesWriter(const BytesWriter&) = delete;
        BytesWriter& operator=(const BytesWriter&) = delete;
        BytesWriter& operator=(BytesWriter&&) = delete;

    private:
        friend class ResultsFile;
        BytesWriter(std::string what, std::int64_t dataset)
            : what_(std::move(what)), dataset_(dataset) {}
        std::string what_;
        std::int64_t dataset_ = -1; ///< hid_t
        std::uint64_t size_ = 0;
    };
    [[nodiscard]] BytesWriter create_bytes(std::string_view dataset_path,
                                           std::string_view description);

    /// Closes the file, flushes it to disk and renames it to the final path. After commit()
    /// no other call is allowed. Throws OutputError (and leaves no file behind) on failure.
    void commit();

    [[nodiscard]] const std::filesystem::path& path() const { return path_; }
    [[nodiscard]] const std::filesystem::path& temp_path() const { return temp_path_; }
    [[nodiscard]] bool committed() const { return committed_; }

private:
    void set_int64_attribute(std::string_view name, std::int64_t value);
    void set_uint64_attribute(std::string_view name, std::uint64_t value);
    void set_double_attribute(std::string_view name, double value);
    void require_open(std::string_view operation) const;
    void close_quietly() noexcept;

    std::filesystem::path path_;
    std::filesystem::path temp_path_;
    std::int64_t file_ = -1; ///< the HDF5 file id (hid_t), -1 once closed
    bool committed_ = false;
};

/// Reads a results file (or any HDF5 file of govsim's layout): root attributes, columns of
/// tables, slices of byte datasets. Every failure is an OutputError naming the file and what was
/// asked for.
class ResultsReader {
public:
    /// Opens `path` for reading. Throws OutputError if it is not a readable HDF5 file.
    explicit ResultsReader(std::filesystem::path path);
    ~ResultsReader();
    ResultsReader(const ResultsReader&) = delete;
    ResultsReader& operator=(const ResultsReader&) = delete;

    [[nodiscard]] const std::filesystem::path& path() const { return path_; }
    [[nodiscard]] bool has_attribute(std::string_view name) const;
    [[nodiscard]] std::string string_attribute(std::string_view name) const;
    [[nodiscard]] std::uint64_t uint_attribute(std::string_view name) const;
    /// A signed integer attribute (converted by HDF5 from whatever integer type it was written as).
    [[nodiscard]] std::int64_t int_attribute(std::string_view name) const;
    [[nodiscard]] bool has_dataset(std::string_view dataset_path) const;
    /// Rows of a 1-D dataset (bytes of a byte dataset).
    [[nodiscard]] std::uint64_t rows(std::string_view dataset_path) const;
    /// A numeric column of a table, converted to uint64 by HDF5.
    [[nodiscard]] std::vector<std::uint64_t> uint_column(std::string_view dataset_path,
                                                         std::string_view column) const;
    /// A numeric column of a table, converted to double by HDF5.
    [[nodiscard]] std::vector<double> double_column(std::string_view dataset_path,
                                                    std::string_view column) const;
    /// A table as CSV: a header line of its column names, then one line per row (numbers with
    /// full precision, NaN as "nan"; strings quoted where they hold a comma, a quote or a line
    /// break), handed to `out` a piece at a time (memory does not grow with the table).
    void write_csv(std::string_view dataset_path,
                   const std::function<void(std::string_view)>& out) const;
    /// A fixed-length string column of a table.
    [[nodiscard]] std::vector<std::string> string_column(std::string_view dataset_path,
                                                         std::string_view column) const;
    /// Bytes [offset, offset + count) of a byte dataset.
    [[nodiscard]] std::string bytes(std::string_view dataset_path, std::uint64_t offset,
                                    std::uint64_t count) const;
    /// Every dataset in the file (paths from the root, e.g. "/daily"), in name order.
    [[nodiscard]] std::vector<std::string> datasets() const;

private:
    std::filesystem::path path_;
    std::int64_t file_ = -1; ///< hid_t
};

/// How two files' datasets differ: one entry per dataset that is missing from one of them, or
/// whose type, shape or contents differ; empty when every dataset is bit-identical. Columns
/// named in `ignored_columns` (time fields such as "wall_seconds") are left out of the
/// comparison of contents (their type is still compared).
struct DatasetDifference {
    std::string dataset;
    std::string what;
};
[[nodiscard]] std::vector<DatasetDifference>
compare_datasets(const std::filesystem::path& a, const std::filesystem::path& b,
                 const std::vector<std::string>& ignored_columns);

} // namespace govsim::sim
