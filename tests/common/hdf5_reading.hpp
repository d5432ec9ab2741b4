#pragma once
// Reading HDF5 files back in tests through the HDF5 C API, independently of the writer, plus a
// way to run external readers (h5dump, h5py scripts) on them. Failures are Catch2 REQUIREs.
#include <catch2/catch.hpp>
#include <hdf5.h>

#include <sys/wait.h>

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace govsim::test {

/// An HDF5 identifier (required valid) closed with `closer` on scope exit.
class Id {
public:
    Id(hid_t id, herr_t (*closer)(hid_t)) : id_(id), closer_(closer) { REQUIRE(id >= 0); }
    ~Id() { closer_(id_); }
    Id(const Id&) = delete;
    Id& operator=(const Id&) = delete;
    [[nodiscard]] hid_t get() const { return id_; }

private:
    hid_t id_;
    herr_t (*closer_)(hid_t);
};

/// A string attribute of a file, group or dataset, stored variable-length or fixed-width.
inline std::string read_string_attribute(hid_t object, const char* name) {
    Id attribute(H5Aopen(object, name, H5P_DEFAULT), H5Aclose);
    Id type(H5Aget_type(attribute.get()), H5Tclose);
    REQUIRE(H5Tget_class(type.get()) == H5T_STRING);
    if (H5Tis_variable_str(type.get()) > 0) {
        char* text = nullptr;
        REQUIRE(H5Aread(attribute.get(), type.get(), &text) >= 0);
        std::string value(text);
        H5free_memory(text);
        return value;
    }
    std::string value(H5Tget_size(type.get()), '\0');
    REQUIRE(H5Aread(attribute.get(), type.get(), value.data()) >= 0);
    return value.substr(0, value.find('\0'));
}

/// A scalar numeric attribute, converted by HDF5 to `memory_type` (the native type of T).
template <class T>
T read_attribute(hid_t object, const char* name, hid_t memory_type) {
    Id attribute(H5Aopen(object, name, H5P_DEFAULT), H5Aclose);
    T value{};
    REQUIRE(H5Aread(attribute.get(), memory_type, &value) >= 0);
    return value;
}

/// The number of rows of a one-dimensional dataset.
inline std::size_t dataset_rows(hid_t file, const char* name) {
    Id dataset(H5Dopen2(file, name, H5P_DEFAULT), H5Dclose);
    Id space(H5Dget_space(dataset.get()), H5Sclose);
    REQUIRE(H5Sget_simple_extent_ndims(space.get()) == 1);
    hsize_t rows = 0;
    H5Sget_simple_extent_dims(space.get(), &rows, nullptr);
    return static_cast<std::size_t>(rows);
}

/// The member (column) names of a compound dataset, in stored order.
inline std::vector<std::string> member_names(hid_t file, const char* name) {
    Id dataset(H5Dopen2(file, name, H5P_DEFAULT), H5Dclose);
    Id type(H5Dget_type(dataset.get()), H5Tclose);
    std::vector<std::string> names;
    const int count = H5Tget_nmembers(type.get());
    for (int i = 0; i < count; ++i) {
        char* member = H5Tget_member_name(type.get(), static_cast<unsigned>(i));
        names.emplace_back(member);
        H5free_memory(member);
    }
    return names;
}

/// Reads one numeric column of a compound dataset (HDF5 matches members by name).
template <class T>
std::vector<T> read_column(hid_t file, const char* dataset_name, const char* column, hid_t native) {
    Id dataset(H5Dopen2(file, dataset_name, H5P_DEFAULT), H5Dclose);
    Id type(H5Tcreate(H5T_COMPOUND, sizeof(T)), H5Tclose);
    REQUIRE(H5Tinsert(type.get(), column, 0, native) >= 0);
    std::vector<T> values(dataset_rows(file, dataset_name));
    REQUIRE(H5Dread(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) >= 0);
    return values;
}

/// Reads one fixed-length, null-padded string column of a compound dataset, returning the
/// stored width and the values.
inline std::pair<std::size_t, std::vector<std::string>>
read_string_column_with_width(hid_t file, const char* dataset_name, const char* column) {
    Id dataset(H5Dopen2(file, dataset_name, H5P_DEFAULT), H5Dclose);
    Id file_type(H5Dget_type(dataset.get()), H5Tclose);
    const int member = H5Tget_member_index(file_type.get(), column);
    REQUIRE(member >= 0);
    Id string_type(H5Tget_member_type(file_type.get(), static_cast<unsigned>(member)), H5Tclose);
    REQUIRE(H5Tget_class(string_type.get()) == H5T_STRING);
    REQUIRE(H5Tis_variable_str(string_type.get()) == 0);
    REQUIRE(H5Tget_strpad(string_type.get()) == H5T_STR_NULLPAD);
    const std::size_t width = H5Tget_size(string_type.get());
    Id type(H5Tcreate(H5T_COMPOUND, width), H5Tclose);
    REQUIRE(H5Tinsert(type.get(), column, 0, string_type.get()) >= 0);
    const std::size_t rows = dataset_rows(file, dataset_name);
    std::vector<char> buffer(std::max<std::size_t>(rows * width, 1));
    REQUIRE(H5Dread(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()) >= 0);
    std::vector<std::string> values;
    for (std::size_t i = 0; i < rows; ++i) {
        const std::string value(buffer.data() + i * width, width);
        values.push_back(value.substr(0, value.find('\0')));
    }
    return {width, values};
}

/// Reads one fixed-length string column of a compound dataset: just the values.
inline std::vector<std::string> read_string_column(hid_t file, const char* dataset_name,
                                                   const char* column) {
    return read_string_column_with_width(file, dataset_name, column).second;
}

/// An enumeration column of a table, each code as its name (the enumeration's, from the file).
inline std::vector<std::string> read_enum_column(hid_t file, const char* dataset_name,
                                                 const char* column) {
    const Id dataset(H5Dopen2(file, dataset_name, H5P_DEFAULT), H5Dclose);
    REQUIRE(dataset.get() >= 0);
    const Id file_type(H5Dget_type(dataset.get()), H5Tclose);
    const int index = H5Tget_member_index(file_type.get(), column);
    REQUIRE(index >= 0);
    const Id enum_type(H5Tget_member_type(file_type.get(), static_cast<unsigned>(index)), H5Tclose);
    REQUIRE(H5Tget_class(enum_type.get()) == H5T_ENUM);
    const Id native(H5Tget_native_type(enum_type.get(), H5T_DIR_ASCEND), H5Tclose);
    const std::size_t size = H5Tget_size(native.get());
    const Id memory(H5Tcreate(H5T_COMPOUND, size), H5Tclose);
    REQUIRE(H5Tinsert(memory.get(), column, 0, native.get()) >= 0);
    const Id space(H5Dget_space(dataset.get()), H5Sclose);
    const auto n = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space.get()));
    std::vector<unsigned char> codes(n * size);
    if (n > 0) {
        REQUIRE(H5Dread(dataset.get(), memory.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, codes.data()) >=
                0);
    }
    std::vector<std::string> names;
    for (std::size_t i = 0; i < n; ++i) {
        char name[64] = {};
        REQUIRE(H5Tenum_nameof(native.get(), codes.data() + i * size, name, sizeof name) >= 0);
        names.emplace_back(name);
    }
    return names;
}

/// The raw bytes of a whole dataset, read in its own file type (for byte-for-byte comparisons).
inline std::vector<unsigned char> dataset_bytes(const std::filesystem::path& file,
                                                const char* name) {
    const Id f(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    const Id dataset(H5Dopen2(f.get(), name, H5P_DEFAULT), H5Dclose);
    const Id type(H5Dget_type(dataset.get()), H5Tclose);
    const Id space(H5Dget_space(dataset.get()), H5Sclose);
    const auto n = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space.get()));
    std::vector<unsigned char> bytes(n * H5Tget_size(type.get()));
    if (n > 0) {
        REQUIRE(H5Dread(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()) >=
                0);
    }
    return bytes;
}

/// Runs a shell command (an external reader such as h5dump or a Python script) and returns its
/// exit status, or -1 if it could not be started.
inline int run(const std::string& command) {
    const int status = std::system(command.c_str());
    return status == -1 ? -1 : WEXITSTATUS(status);
}

} // namespace govsim::test
