// Tests of the atomic HDF5 results file: what is written reads back through the HDF5 C API,
// h5dump and h5py; nothing is ever left half-written; bad destinations fail early and clearly.
#include "common/hdf5_reading.hpp"
#include "common/temp_dir.hpp"
#include "sim/parallel.hpp"
#include "sim/results_file.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <hdf5.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <random>

namespace fs = std::filesystem;
using govsim::sim::OutputError;
using govsim::sim::ResultsFile;
using govsim::sim::RowTable;
using govsim::sim::StringStorage;
using govsim::sim::Table;
using namespace govsim::test; // Id, TempDir and the HDF5 reading helpers

namespace {

/// Names this file's scratch directories.
constexpr const char* temp_prefix = "govsim-results-file";

Id open_file(const fs::path& path) {
    return Id(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
}

int run_python(const TempDir& dir, const std::string& script) {
    const fs::path script_path = dir.path() / "check.py";
    std::ofstream(script_path) << script;
    return run(fmt::format("/usr/bin/python3 '{}'", script_path.string()));
}

struct Sample {
    std::uint8_t flag;
    std::uint32_t count;
    std::uint64_t total;
    std::int32_t year;
    std::int64_t offset;
    double value;
    std::string name;
};

const std::vector<Sample> samples{
    {1, 7, 1'000'000'000'000ULL, 2014, -5, 0.5, "lishui"},
    {0, 0, 0, 2015, std::numeric_limits<std::int64_t>::min(), std::nan(""), ""},
    {255, 4'000'000'000U, 42, -1, 9, -2.25, "a rather longer town name"},
};

RowTable<Sample> sample_table(const std::vector<Sample>& rows) {
    RowTable<Sample> table(rows);
    table.attribute("description", "synthetic rows")
        .attribute("units", "none")
        .column("flag", [](const Sample& s) { return s.flag; })
        .column("count", [](const Sample& s) { return s.count; })
        .column("total", [](const Sample& s) { return s.total; })
        .column("year", [](const Sample& s) { return s.year; })
        .column("offset", [](const Sample& s) { return s.offset; })
        .column("value", [](const Sample& s) { return s.value; })
        .column("name", [](const Sample& s) -> const std::string& { return s.name; });
    return table;
}

} // namespace

TEST_CASE("results file: attributes and a table read back through the HDF5 C API", "[results]") {
    const TempDir dir(temp_prefix);
    const fs::path path = dir.path() / "out.h5";
    {
        ResultsFile file(path);
        CHECK(file.temp_path() == fs::path(path.string() + ".tmp-" + std::to_string(::getpid())));
        CHECK(fs::exists(file.temp_path()));
        CHECK_FALSE(fs::exists(path));
        file.set_attribute("text", "line one\nline two: 里水");
        file.set_attribute("fixed", std::string("fixed width"), StringStorage::Fixed);
        file.set_attribute("empty_fixed", "", StringStorage::Fixed);
        file.set_attribute("signed", -12);
        file.set_attribute("unsigned", std::uint32_t{7});
        file.set_attribute("big", std::numeric_limits<std::uint64_t>::max());
        file.set_attribute("real", 0.25);
        file.set_attribute("replaced", "first");
        file.set_attribute("replaced", "second");
        file.write_table("table", sample_table(samples));
        file.create_group("series");
        file.write_table("series/nested/table", sample_table(samples));
        file.commit();
        CHECK(file.committed());
    }
    REQUIRE(fs::exists(path));
    CHECK(dir.entries() == 1); // no temporary file left

    const Id file = open_file(path);
    CHECK(read_string_attribute(file.get(), "text") == "line one\nline two: 里水");
    CHECK(read_string_attribute(file.get(), "fixed") == "fixed width");
    CHECK(read_string_attribute(file.get(), "empty_fixed").empty());
    CHECK(read_string_attribute(file.get(), "replaced") == "second");
    CHECK(read_attribute<std::int64_t>(file.get(), "signed", H5T_NATIVE_INT64) == -12);
    CHECK(read_attribute<std::uint64_t>(file.get(), "unsigned", H5T_NATIVE_UINT64) == 7);
    CHECK(read_attribute<std::uint64_t>(file.get(), "big", H5T_NATIVE_UINT64) ==
          std::numeric_limits<std::uint64_t>::max());
    CHECK(read_attribute<double>(file.get(), "real", H5T_NATIVE_DOUBLE) == 0.25);

    for (const char* name : {"table", "series/nested/table"}) {
        CAPTURE(name);
        REQUIRE(dataset_rows(file.get(), name) == samples.size());
        CHECK(member_names(file.get(), name) == std::vector<std::string>{"flag", "count", "total",
                                                                         "year", "offset", "value",
                                                                         "name"});
        CHECK(read_column<std::uint8_t>(file.get(), name, "flag", H5T_NATIVE_UINT8) ==
              std::vector<std::uint8_t>{1, 0, 255});
        CHECK(read_column<std::uint32_t>(file.get(), name, "count", H5T_NATIVE_UINT32) ==
              std::vector<std::uint32_t>{7, 0, 4'000'000'000U});
        CHECK(read_column<std::uint64_t>(file.get(), name, "total", H5T_NATIVE_UINT64) ==
              std::vector<std::uint64_t>{1'000'000'000'000ULL, 0, 42});
        CHECK(read_column<std::int32_t>(file.get(), name, "year", H5T_NATIVE_INT32) ==
              std::vector<std::int32_t>{2014, 2015, -1});
        CHECK(read_column<std::int64_t>(file.get(), name, "offset", H5T_NATIVE_INT64) ==
              std::vector<std::int64_t>{-5, std::numeric_limits<std::int64_t>::min(), 9});
        const auto values = read_column<double>(file.get(), name, "value", H5T_NATIVE_DOUBLE);
        CHECK(values[0] == 0.5);
        CHECK(std::isnan(values[1]));
        CHECK(values[2] == -2.25);
        const auto [width, names] = read_string_column_with_width(file.get(), name, "name");
        CHECK(width == std::string("a rather longer town name").size()); // the longest value
        CHECK(names == std::vector<std::string>{"lishui", "", "a rather longer town name"});

        Id dataset(H5Dopen2(file.get(), name, H5P_DEFAULT), H5Dclose);
        CHECK(read_string_attribute(dataset.get(), "description") == "synthetic rows");
        CHECK(read_string_attribute(dataset.get(), "units") == "none");
        Id dcpl(H5Dget_create_plist(dataset.get()), H5Pclose);
        CHECK(H5Pget_layout(dcpl.get()) == H5D_CHUNKED);
        bool deflate = false;
        for (int i = 0; i < H5Pget_nfilters(dcpl.get()); ++i) {
            unsigned flags = 0;
            std::size_t count = 1;
            unsigned level = 0;
            if (H5Pget_filter2(dcpl.get(), static_cast<unsigned>(i), &flags, &count, &level, 0,
                               nullptr, nullptr) == H5Z_FILTER_DEFLATE) {
                deflate = true;
                CHECK(level == 4);
            }
        }
        CHECK(deflate);
    }
}

TEST_CASE("results file: a table larger than one chunk is written whole", "[results]") {
    const TempDir dir(temp_prefix);
    const fs::path path = dir.path() / "big.h5";
    constexpr std::size_t rows = 100'000; // 1.6 MB of rows: several 256 KiB chunks
    {
        ResultsFile file(path);
        Table table(rows);
        table.column("i", [](std::size_t i) { return static_cast<std::uint64_t>(i); })
            .column("half", [](std::size_t i) { return static_cast<double>(i) / 2; });
        file.write_table("big", table);
        file.commit();
    }
    const Id file = open_file(path);
    const auto i = read_column<std::uint64_t>(file.get(), "big", "i", H5T_NATIVE_UINT64);
    const auto half = read_column<double>(file.get(), "big", "half", H5T_NATIVE_DOUBLE);
    REQUIRE(i.size() == rows);
    bool all_equal = true;
    for (std::size_t k = 0; k < rows; ++k) {
        all_equal = all_equal && i[k] == k && half[k] == static_cast<double>(k) / 2;
    }
    CHECK(all_equal);
}

TEST_CASE("results file: zero-row tables are empty datasets with all their columns", "[results]") {
    const TempDir dir(temp_prefix);
    const fs::path path = dir.path() / "empty.h5";
    const std::vector<Sample> none;
    {
        ResultsFile file(path);
        file.write_table("empty", sample_table(none));
        file.commit();
    }
    {
        const Id file = open_file(path);
        CHECK(dataset_rows(file.get(), "empty") == 0);
        CHECK(member_names(file.get(), "empty").size() == 7);
        CHECK(read_string_column_with_width(file.get(), "empty", "name").second.empty());
    }
    CHECK(run(fmt::format("h5dump -H '{}' > /dev/null", path.string())) == 0);
    CHECK(run(fmt::format("h5dump '{}' > /dev/null", path.string())) == 0);
    CHECK(run_python(dir, fmt::format(R"(
import h5py, pandas, sys
with h5py.File("{}", "r") as f:
    frame = pandas.DataFrame(f["empty"][()])
    assert f["empty"].shape == (0,), f["empty"].shape
assert len(frame) == 0, len(frame)
assert list(frame.columns) == ["flag", "count", "total", "year", "offset", "value", "name"], \
    list(frame.columns)
)",
                                      path.string())) == 0);
}

TEST_CASE("results file: an uncommitted file leaves nothing behind", "[results]") {
    const TempDir dir(temp_prefix);
    const fs::path path = dir.path() / "never.h5";
    {
        ResultsFile file(path);
        file.set_attribute("x", 1);
        file.write_table("table", sample_table(samples));
        CHECK(fs::exists(file.temp_path()));
    }
    CHECK_FALSE(fs::exists(path));
    CHECK(dir.entries() == 0);

    // An exception while packing rows unwinds without leaving the temporary file either.
    const auto write_failing = [&] {
        ResultsFile file(path);
        Table table(3);
        table.column("v", [](std::size_t i) -> double {
            if (i == 2) {
                throw std::runtime_error("getter failed");
            }
            return 1.0;
        });
        file.write_table("table", table);
        file.commit();
    };
    CHECK_THROWS_WITH(write_failing(), "getter failed");
    CHECK_FALSE(fs::exists(path));
    CHECK(dir.entries() == 0);
}

TEST_CASE("results file: commit replaces an existing file atomically", "[results]") {
    const TempDir dir(temp_prefix);
    const fs::path path = dir.path() / "out.h5";
    std::ofstream(path) << "old contents";
    {
        ResultsFile file(path);
        file.set_attribute("generation", 2);
        // Until commit the old file is untouched.
        CHECK(fs::file_size(path) == std::string("old contents").size());
        file.commit();
    }
    const Id file = open_file(path);
    CHECK(read_attribute<std::int64_t>(file.get(), "generation", H5T_NATIVE_INT64) == 2);
}

TEST_CASE("results file: a bad destination throws OutputError before anything is written",
          "[results]") {
    const TempDir dir(temp_prefix);
    using Catch::Matchers::Contains;

    const fs::path missing = dir.path() / "no-such-dir" / "out.h5";
    CHECK_THROWS_MATCHES(ResultsFile(missing), OutputError,
                         Catch::Matchers::Predicate<OutputError>([&](const OutputError& e) {
                             const std::string message = e.what();
                             return message.find(missing.string()) != std::string::npos &&
                                    message.find("does not exist") != std::string::npos;
                         }));

    const fs::path not_a_dir = dir.path() / "plain-file";
    std::ofstream(not_a_dir) << "x";
    CHECK_THROWS_AS(ResultsFile(not_a_dir / "out.h5"), OutputError);
    CHECK_THROWS_WITH(ResultsFile(not_a_dir / "out.h5"), Contains("is not a directory"));

    CHECK_THROWS_WITH(ResultsFile(dir.path()), Contains("directory"));
    CHECK_THROWS_AS(govsim::sim::check_output_path(missing), OutputError);
    CHECK_NOTHROW(govsim::sim::check_output_path(dir.path() / "fine.h5"));
    CHECK_THROWS_AS(ResultsFile(""), OutputError);

    if (::geteuid() != 0) { // root may write anywhere
        const fs::path locked = dir.path() / "locked";
        fs::create_directory(locked);
        fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec);
        CHECK_THROWS_WITH(ResultsFile(locked / "out.h5"),
                          Contains("not writable") && Contains("Permission denied"));
        CHECK(fs::is_empty(locked));
        fs::permissions(locked, fs::perms::owner_all);
    }
    CHECK(dir.entries() == 1); // only plain-file: nothing was created
}

TEST_CASE("results file: misuse is rejected", "[results]") {
    const TempDir dir(temp_prefix);
    Table table(1);
    table.column("a", [](std::size_t) { return 1.0; });
    CHECK_THROWS_AS(table.column("a", [](std::size_t) { return 2.0; }), std::invalid_argument);
    CHECK_THROWS_AS(table.column("", [](std::size_t) { return 2.0; }), std::invalid_argument);

    ResultsFile file(dir.path() / "out.h5");
    CHECK_THROWS_AS(file.write_table("no_columns", Table(3)), std::invalid_argument);
    file.write_table("t", table);
    // HDF5 failures become OutputError with context, not a printed error stack.
    CHECK_THROWS_WITH(file.write_table("t", table),
                      Catch::Matchers::Contains("cannot write table 't'"));
    file.commit();
    CHECK_THROWS_AS(file.write_table("u", table), std::logic_error);
    CHECK_THROWS_AS(file.set_attribute("x", 1.0), std::logic_error);
    CHECK_THROWS_AS(file.commit(), std::logic_error);
}

TEST_CASE("results file: attributes larger than 64 KiB are stored", "[results]") {
    const TempDir dir(temp_prefix);
    const fs::path path = dir.path() / "large.h5";
    const std::string large(200'000, 'x');
    {
        ResultsFile file(path);
        file.set_attribute("variable", large);
        file.set_attribute("fixed", large, StringStorage::Fixed);
        file.commit();
    }
    const Id file = open_file(path);
    CHECK(read_string_attribute(file.get(), "variable") == large);
    CHECK(read_string_attribute(file.get(), "fixed") == large);
    CHECK(run(fmt::format("h5dump -H '{}' > /dev/null", path.string())) == 0);
}

// ---------------------------------------------------------------------------------------------
// Reading back, bytes, tables written in pieces, and comparing files

namespace {

struct Piece {
    std::uint32_t id;
    double value;
    std::string label;
};

/// A table of pieces whose label column is at least `width` bytes wide.
RowTable<Piece> piece_table(const std::vector<Piece>& rows, std::size_t width = 0) {
    RowTable<Piece> table(rows);
    table.attribute("description", "pieces")
        .column("id", [](const Piece& p) { return p.id; })
        .column("value", [](const Piece& p) { return p.value; })
        .string_column(
            "label", [](const Piece& p) -> const std::string& { return p.label; }, width);
    return table;
}

/// Appends `rows` to `writer` in pieces of `size` rows.
void append_in_pieces(ResultsFile::TableWriter& writer, const std::vector<Piece>& rows,
                      std::size_t size) {
    for (std::size_t first = 0; first < rows.size(); first += size) {
        const std::vector<Piece> piece(
            rows.begin() + static_cast<std::ptrdiff_t>(first),
            rows.begin() + static_cast<std::ptrdiff_t>(std::min(first + size, rows.size())));
        writer.append(piece_table(piece, 14));
    }
}

} // namespace

TEST_CASE("a table written in pieces equals the table written at once", "[results]") {
    const TempDir dir(temp_prefix);
    std::vector<Piece> samples;
    for (int i = 0; i < 2500; ++i)
        samples.push_back(
            Piece{static_cast<std::uint32_t>(i), 0.5 * i, i % 3 == 0 ? "short" : "a longer label"});
    const auto at_once = dir.path() / "at-once.h5";
    const auto in_pieces = dir.path() / "in-pieces.h5";
    {
        ResultsFile file(at_once);
        file.write_table("table", piece_table(samples, 14));
        file.commit();
    }
    {
        ResultsFile file(in_pieces);
        {
            const std::vector<Piece> none;
            auto writer = file.create_table("table", piece_table(none, 14));
            append_in_pieces(writer, samples, 700);
            CHECK(writer.rows() == samples.size());
            // A piece with a wider string than declared does not fit the table.
            const std::vector<Piece> wide{Piece{1, 1.0, "a label wider than declared"}};
            CHECK_THROWS_AS(writer.append(piece_table(wide, 14)), std::invalid_argument);
        }
        file.commit();
    }
    CHECK(govsim::sim::compare_datasets(at_once, in_pieces, {}).empty());
    CHECK(govsim::test::dataset_bytes(at_once, "/table") ==
          govsim::test::dataset_bytes(in_pieces, "/table"));
}

TEST_CASE("a table's expected rows bound its chunks, and more rows than expected still fit",
          "[results]") {
    // HDF5 pads the last chunk to a whole chunk and filters it so: a table of a few rows in a
    // 256 KiB chunk costs the shuffle and deflate of 256 KiB. create_table's expected_rows
    // makes a smaller table's chunks its own size, but of at least 16 KiB of rows.
    const TempDir dir(temp_prefix);
    std::vector<Piece> samples;
    for (int i = 0; i < 2500; ++i)
        samples.push_back(Piece{static_cast<std::uint32_t>(i), 0.25 * i, "label"});
    const auto reference = dir.path() / "reference.h5";
    {
        ResultsFile file(reference);
        file.write_table("table", piece_table(samples, 14));
        file.commit();
    }
    const auto chunk_rows = [](const fs::path& path) {
        const Id file = open_file(path);
        const Id dataset(H5Dopen2(file.get(), "table", H5P_DEFAULT), H5Dclose);
        const Id dcpl(H5Dget_create_plist(dataset.get()), H5Pclose);
        hsize_t rows = 0;
        REQUIRE(H5Pget_chunk(dcpl.get(), 1, &rows) == 1);
        return rows;
    };
    const std::vector<Piece> none;
    const std::size_t row_size = piece_table(none, 14).table().row_size();
    const hsize_t full_chunk = 256 * 1024 / row_size;
    const hsize_t least_chunk = 16 * 1024 / row_size;
    REQUIRE(least_chunk < 1500);
    // expected: the rows the writer is told to expect (0: unknown); chunk: its chunks' rows.
    // Every table gets 2,500 rows: more than expected for all but the last two.
    for (const bool parallel : {false, true})
        for (const auto& [expected, chunk] : std::vector<std::pair<std::size_t, hsize_t>>{
                 {10, least_chunk}, {1500, 1500}, {0, full_chunk}, {1'000'000, full_chunk}}) {
            CAPTURE(parallel, expected);
            const auto path = dir.path() / fmt::format("expected-{}-{}.h5", parallel, expected);
            {
                ResultsFile file(path);
                {
                    auto writer = file.create_table("table", piece_table(none, 14),
                                                    {1, true, parallel}, expected);
                    append_in_pieces(writer, samples, 700);
                    writer.finish();
                }
                file.commit();
            }
            CHECK(chunk_rows(path) == chunk);
            CHECK(govsim::sim::compare_datasets(reference, path, {}).empty());
            CHECK(govsim::test::dataset_bytes(reference, "/table") ==
                  govsim::test::dataset_bytes(path, "/table"));
        }
}

TEST_CASE("chunks compressed on the worker threads give the table HDF5's filters give",
          "[results][parallel]") {
    // Compression::parallel: whole chunks shuffled (or not) and deflated by the writer (ISA-L
    // at level 1, zlib at others) and written directly, the last one padded; rows as
    // compressible as results are, and rows deflate cannot shrink (stored as they are, the
    // deflate filter skipped). Any thread count gives the same file contents.
    const TempDir dir(temp_prefix);
    std::mt19937_64 rng(3);
    for (const bool random : {false, true})
        for (const bool shuffle : {false, true})
            for (const unsigned level : {1U, 6U}) {
                std::vector<Piece> samples;
                for (int i = 0; i < 25'000; ++i) {
                    std::string label = i % 3 == 0 ? "short" : "a longer label";
                    double value = 0.5 * i;
                    auto id = static_cast<std::uint32_t>(i);
                    if (random) {
                        for (char& c : label)
                            c = static_cast<char>(1 + rng() % 255);
                        label.resize(14, static_cast<char>(1 + rng() % 255));
                        const std::uint64_t bits = rng();
                        std::memcpy(&value, &bits, sizeof value);
                        if (std::isnan(value))
                            value = 1.0;
                        id = static_cast<std::uint32_t>(rng());
                    }
                    samples.push_back(Piece{id, value, label});
                }
                INFO((random ? "random rows" : "compressible rows"));
                CAPTURE(shuffle, level);
                const auto at_once =
                    dir.path() / fmt::format("at-once-{}-{}-{}.h5", random, shuffle, level);
                {
                    ResultsFile file(at_once);
                    const std::vector<Piece> none;
                    auto writer =
                        file.create_table("table", piece_table(none, 14), {level, shuffle, false});
                    writer.append(piece_table(samples, 14));
                    writer.finish();
                    file.commit();
                }
                for (const std::size_t threads : {1U, 2U}) {
                    const govsim::sim::ThreadLimit limit(threads);
                    const auto direct = dir.path() / fmt::format("direct-{}-{}-{}-{}.h5", random,
                                                                 shuffle, level, threads);
                    ResultsFile file(direct);
                    {
                        const std::vector<Piece> none;
                        auto writer = file.create_table("table", piece_table(none, 14),
                                                        {level, shuffle, true});
                        append_in_pieces(writer, samples, 7'000);
                        CHECK(writer.rows() == samples.size());
                        writer.finish();
                    }
                    file.commit();
                    CHECK(govsim::sim::compare_datasets(at_once, direct, {}).empty());
                    CHECK(govsim::test::dataset_bytes(at_once, "/table") ==
                          govsim::test::dataset_bytes(direct, "/table"));
                }
            }
}

TEST_CASE("bytes, attributes and columns read back through ResultsReader", "[results]") {
    const TempDir dir(temp_prefix);
    const auto path = dir.path() / "r.h5";
    std::string payload;
    for (int i = 0; i < 3'000'000; ++i)
        payload += static_cast<char>(i * 7 % 251);
    {
        ResultsFile file(path);
        file.set_attribute("name", "里水");
        file.set_attribute("count", std::uint64_t{12});
        {
            auto bytes = file.create_bytes("blob", "test bytes");
            CHECK(bytes.append(payload.substr(0, 10)) == 0);
            CHECK(bytes.append(payload.substr(10)) == 10);
        }
        std::vector<Piece> samples{{1, 1.5, "x"}, {2, 2.5, "yy"}};
        file.write_table("t", piece_table(samples));
        file.commit();
    }
    const govsim::sim::ResultsReader reader(path);
    CHECK(reader.string_attribute("name") == "里水");
    CHECK(reader.uint_attribute("count") == 12);
    CHECK_FALSE(reader.has_attribute("absent"));
    CHECK(reader.rows("blob") == payload.size());
    CHECK(reader.bytes("blob", 0, payload.size()) == payload);
    CHECK(reader.bytes("blob", 1'234'567, 5) == payload.substr(1'234'567, 5));
    CHECK_THROWS_AS(reader.bytes("blob", payload.size() - 2, 5), OutputError);
    CHECK(reader.uint_column("t", "id") == std::vector<std::uint64_t>{1, 2});
    CHECK(reader.string_column("t", "label") == std::vector<std::string>{"x", "yy"});
    CHECK(reader.datasets() == std::vector<std::string>{"/blob", "/t"});
    CHECK_THROWS_AS(govsim::sim::ResultsReader(dir.path() / "none.h5"), OutputError);
    std::ofstream(dir.path() / "text.h5") << "not HDF5";
    CHECK_THROWS_AS(govsim::sim::ResultsReader(dir.path() / "text.h5"), OutputError);
}

TEST_CASE("compare_datasets finds every difference but in ignored columns", "[results]") {
    const TempDir dir(temp_prefix);
    const auto write = [&](const std::string& name, double value, bool extra) {
        ResultsFile file(dir.path() / name);
        std::vector<Piece> samples{{1, 1.0, "a"}, {2, value, "b"}};
        file.write_table("t", piece_table(samples));
        if (extra)
            file.write_table("u", piece_table(samples));
        file.commit();
        return dir.path() / name;
    };
    const auto a = write("a.h5", 2.0, false);
    const auto b = write("b.h5", 2.0, false);
    const auto c = write("c.h5", 3.0, false);
    const auto d = write("d.h5", 2.0, true);
    CHECK(govsim::sim::compare_datasets(a, b, {}).empty());
    const auto differ = govsim::sim::compare_datasets(a, c, {});
    REQUIRE(differ.size() == 1);
    CHECK(differ.front().dataset == "/t");
    CHECK(differ.front().what == "the contents differ, first at row 1");
    CHECK(govsim::sim::compare_datasets(a, c, {"value"}).empty());
    const auto missing = govsim::sim::compare_datasets(a, d, {});
    REQUIRE(missing.size() == 1);
    CHECK(missing.front().dataset == "/u");
}
