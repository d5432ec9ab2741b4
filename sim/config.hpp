#pragma once
// Typed, validated reading of TOML configuration files. A ConfigDocument parses a file; a
// ConfigTable reads one table's keys by name with type and range checks, remembers which keys
// were asked for, and rejects the keys nobody asked for. Every problem becomes one ConfigError
// whose what() is a single line: `file:line:column: error: key.path: expected X, found Y`.
// Generic: knows nothing about what the keys mean.
#include <toml++/toml.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace govsim::sim {

/// A position in a source file; line and column start at 1, and 0 means "no position".
struct SourcePosition {
    std::uint32_t line = 0;
    std::uint32_t column = 0;
};

/// A bad configuration file: which file, where, which key, what was expected and what found.
class ConfigError : public std::runtime_error {
public:
    /// A value problem: "<key>: expected <expected>, found <found>[; <hint>]".
    ConfigError(std::string file, SourcePosition where, std::string key, std::string expected,
                std::string found, std::string hint = {});

    /// A problem that is not about one value (unreadable file, malformed TOML, unknown key):
    /// "[<key>: ]<message>[; <hint>]".
    [[nodiscard]] static ConfigError with_message(std::string file, SourcePosition where,
                                                  std::string key, std::string message,
                                                  std::string hint = {});

    [[nodiscard]] const std::string& file() const { return file_; }
    [[nodiscard]] std::uint32_t line() const { return where_.line; }
    [[nodiscard]] std::uint32_t column() const { return where_.column; }
    [[nodiscard]] const std::string& key() const { return key_; }           ///< dotted key path
    [[nodiscard]] const std::string& expected() const { return expected_; } ///< empty if free-form
    [[nodiscard]] const std::string& found() const { return found_; }       ///< empty if free-form
    [[nodiscard]] const std::string& hint() const { return hint_; }
    [[nodiscard]] const std::string& message() const { return message_; } ///< text after the key

private:
    struct Parts {
        std::string file;
        SourcePosition where;
        std::string key;
        std::string expected;
        std::string found;
        std::string message;
        std::string hint;
    };
    explicit ConfigError(Parts parts);
    static std::string compose(const Parts& parts);

    std::string file_;
    SourcePosition where_;
    std::string key_;
    std::string expected_;
    std::string found_;
    std::string message_;
    std::string hint_;
};

/// An allowed range for a real number, with the phrase used in messages ("a probability in
/// [0, 1]"). Non-finite values (nan, inf) are always rejected.
struct NumberRange {
    double min = -std::numeric_limits<double>::infinity();
    double max = std::numeric_limits<double>::infinity();
    bool min_open = false; ///< true: min itself is excluded
    bool max_open = false;
    std::string description = "a finite number";

    [[nodiscard]] bool contains(double x) const;

    [[nodiscard]] static NumberRange any();
    [[nodiscard]] static NumberRange probability();                 ///< [0, 1]
    [[nodiscard]] static NumberRange share();                       ///< (0, 1]
    [[nodiscard]] static NumberRange non_negative();                ///< [0, inf)
    [[nodiscard]] static NumberRange positive();                    ///< (0, inf)
    [[nodiscard]] static NumberRange between(double lo, double hi); ///< [lo, hi]
};

/// Reads one TOML table. Every getter marks its key as known; finish() then rejects any key in
/// the table that no getter asked for. A missing key throws, unless read through contains()
/// first. Getters throw ConfigError on a missing key, a wrong type or a value out of range.
/// Does not own the table: the ConfigDocument it came from must outlive it.
class ConfigTable {
public:
    /// @param table the table to read; @param path its dotted key path ("" for the root);
    /// @param file the file name used in messages.
    ConfigTable(const toml::table& table, std::string path,
                std::shared_ptr<const std::string> file);

    [[nodiscard]] const std::string& path() const { return path_; }
    [[nodiscard]] const std::string& file() const { return *file_; }
    /// Where the table starts (its header, or its opening brace); 1:1 for the root.
    [[nodiscard]] SourcePosition position() const;
    /// The dotted path of a key in this table ("town" + "name" -> "town.name").
    [[nodiscard]] std::string key_path(std::string_view key) const;

    /// Whether the key is present; marks it as known either way.
    [[nodiscard]] bool contains(std::string_view key);

    /// A real number (a TOML integer or float) within `range`.
    [[nodiscard]] double number(std::string_view key,
                                const NumberRange& range = NumberRange::any());
    [[nodiscard]] double probability(std::string_view key);  ///< in [0, 1]
    [[nodiscard]] double non_negative(std::string_view key); ///< >= 0
    [[nodiscard]] double positive(std::string_view key);     ///< > 0

    /// A TOML integer (floats are rejected) in [min, max].
    [[nodiscard]] std::int64_t integer(std::string_view key, std::int64_t min, std::int64_t max);
    /// A non-negative integer that fits 32 bits, at least `min`.
    [[nodiscard]] std::uint32_t count(std::string_view key, std::uint32_t min = 0);
    /// A non-negative integer (TOML integers stop at 2^63 - 1).
    [[nodiscard]] std::uint64_t unsigned_integer(std::string_view key);

    /// A non-empty string.
    [[nodiscard]] std::string string(std::string_view key);
    /// A string that may be absent (nullopt) or empty.
    [[nodiscard]] std::optional<std::string> optional_string(std::string_view key);
    /// An array whose elements are all non-empty strings (the array itself may be empty).
    [[nodiscard]] std::vector<std::string> strings(std::string_view key);

    /// A sub-table (a [section] or an inline table); call finish() on it too.
    [[nodiscard]] ConfigTable table(std::string_view key);
    /// An array of tables ([[key]] entries), each with path "key[i]"; call finish() on each.
    [[nodiscard]] std::vector<ConfigTable> tables(std::string_view key);

    /// Throws ConfigError for the first key (in source order) that no getter asked for, with a
    /// "did you mean" hint when a known key is spelt nearly the same.
    void finish() const;

    /// An error located at a key's value (or at this table if the key is absent).
    [[nodiscard]] ConfigError error(std::string_view key, std::string expected, std::string found,
                                    std::string hint = {}) const;

private:
    const toml::node* lookup(std::string_view key, std::string_view expected,
                             bool is_section = false);
    std::int64_t read_integer(std::string_view key, std::int64_t min, std::int64_t max,
                              const std::string& description);
    [[noreturn]] void throw_missing(std::string_view key, std::string_view expected,
                                    std::string_view found) const;
    [[noreturn]] void throw_unknown(std::string_view key) const;

    const toml::table* table_;
    std::string path_;
    std::shared_ptr<const std::string> file_;
    std::set<std::string, std::less<>> known_;
};

/// A parsed TOML file, with its text kept for provenance.
class ConfigDocument {
public:
    /// Parses `text`; `file` names it in messages. Throws ConfigError on malformed TOML, at the
    /// parser's position with the parser's description.
    [[nodiscard]] static ConfigDocument parse(std::string_view text, std::string file);
    /// Reads and parses a file. Throws ConfigError if it cannot be read or is malformed.
    [[nodiscard]] static ConfigDocument load(const std::string& path);

    [[nodiscard]] const std::string& file() const { return *file_; }
    [[nodiscard]] const std::string& text() const { return text_; }
    /// A reader for the top-level table; the document must outlive it (and must not be moved).
    [[nodiscard]] ConfigTable root() const;
    /// The position of the value at a key path ("a.b[2].c"), or nothing if there is none.
    [[nodiscard]] std::optional<SourcePosition> position_of(std::string_view key_path) const;
    /// An error at the value named by a key path (1:1 if the path names nothing).
    [[nodiscard]] ConfigError error_at(std::string_view key_path, std::string expected,
                                       std::string found, std::string hint = {}) const;

private:
    ConfigDocument(std::shared_ptr<const std::string> file, std::string text, toml::table root);

    std::shared_ptr<const std::string> file_;
    std::string text_;
    toml::table root_;
};

/// Reads a whole file as text. Throws ConfigError ("cannot read file: <reason>") on failure.
[[nodiscard]] std::string read_text_file(const std::string& path);

/// Edit distance between two keys, ignoring case and treating '-' as '_'.
[[nodiscard]] std::size_t key_distance(std::string_view a, std::string_view b);

/// The candidate closest to `key` if it is close enough to be a likely misspelling.
[[nodiscard]] std::optional<std::string> closest_key(std::string_view key,
                                                     const std::vector<std::string>& candidates);

/// Formats a number for messages: integers without a point, 1.5 as "1.5", 2.0 as "2.0".
[[nodiscard]] std::string format_number(double x);

} // namespace govsim::sim
