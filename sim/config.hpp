#pragma once
// Typed, validated reading of TOML configuration files. A ConfigDocument parses a file, or
// composes several (a ConfigComposer follows `include = [...]` arrays and deep-merges the
// files); a ConfigTable reads one table's keys by name with type and range checks, remembers
// which keys were asked for, and rejects the keys nobody asked for. Every problem becomes one
// ConfigError whose what() is a single line: `file:line:column: error: key.path: expected X,
// found Y`, naming the file where the offending value was written. Generic: knows nothing about
// what the keys mean.
#include "sim/calendar.hpp"

#include <toml++/toml.h>

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
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

/// A file and a position in it: where a value was written.
struct SourceLocation {
    std::string file;
    SourcePosition where;
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
    /// Added to the message of a value out of range (e.g. where an engineering limit is
    /// documented).
    std::string hint{};

    [[nodiscard]] bool contains(double x) const;
    /// The same range with an upper bound `max` (closed), and `hint` for values out of range:
    /// the pattern for an engineering limit on a number, e.g.
    /// `NumberRange::non_negative().up_to(limits::max_days, limits::hint)`.
    [[nodiscard]] NumberRange up_to(double max, std::string hint) const;

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
/// Errors name the file each node was parsed from (its source region's path), so a table
/// composed from several files reports every problem where it was written; a node without a
/// path (built in code) falls back to `file`. Does not own the table: the ConfigDocument it came
/// from must outlive it.
class ConfigTable {
public:
    /// @param table the table to read; @param path its dotted key path ("" for the root);
    /// @param file the file name used in messages for nodes that carry none (and the root).
    ConfigTable(const toml::table& table, std::string path,
                std::shared_ptr<const std::string> file);

    [[nodiscard]] const std::string& path() const { return path_; }
    /// The file the table was written in (where its header is); the fallback for the root.
    [[nodiscard]] const std::string& file() const;
    /// Where the table starts (its header, or its opening brace); 1:1 for the root.
    [[nodiscard]] SourcePosition position() const;
    /// file() and position() together.
    [[nodiscard]] SourceLocation location() const;
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
    /// An integer in [min, max], `max` being an engineering limit; `hint` is added to the
    /// message of a value out of range (the pattern for a limited count).
    [[nodiscard]] std::uint32_t count(std::string_view key, std::uint32_t min, std::uint32_t max,
                                      const std::string& hint);
    /// A non-negative integer (TOML integers stop at 2^63 - 1).
    [[nodiscard]] std::uint64_t unsigned_integer(std::string_view key);

    /// A TOML boolean (`true` or `false`).
    [[nodiscard]] bool boolean(std::string_view key);
    /// A TOML local date (`2016-09-01`) that exists in the model's calendar (no 29 February).
    [[nodiscard]] Date date(std::string_view key);

    /// A non-empty string.
    [[nodiscard]] std::string string(std::string_view key);
    /// A string that may be absent (nullopt) or empty.
    [[nodiscard]] std::optional<std::string> optional_string(std::string_view key);
    /// An array whose elements are all non-empty strings (the array itself may be empty).
    [[nodiscard]] std::vector<std::string> strings(std::string_view key);

    /// An array whose elements are all numbers (TOML integers or floats) within `range` (the
    /// array itself may be empty).
    [[nodiscard]] std::vector<double> numbers(std::string_view key,
                                              const NumberRange& range = NumberRange::any());

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

    /// Where a node of this table (or below it) was written, for messages.
    [[nodiscard]] SourceLocation location_of(const toml::node& node) const;

private:
    const toml::node* lookup(std::string_view key, std::string_view expected,
                             bool is_section = false);
    std::int64_t read_integer(std::string_view key, std::int64_t min, std::int64_t max,
                              const std::string& description);
    [[noreturn]] void throw_missing(std::string_view key, std::string_view expected,
                                    std::string_view found) const;
    [[noreturn]] void throw_unknown(std::string_view key) const;
    [[nodiscard]] const std::string& file_of(const toml::source_region& source) const;

    const toml::table* table_;
    std::string path_;
    std::shared_ptr<const std::string> file_;
    std::set<std::string, std::less<>> known_;
};

/// One file that went into a document: its path (as used in messages) and its text.
struct ConfigSource {
    std::string file;
    std::string text;
};

/// The texts of `sources` for provenance, in order, each preceded by a line
/// `# ---- file: <path> ----` (and ended by a line break).
[[nodiscard]] std::string provenance_text(const std::vector<ConfigSource>& sources);

/// A parsed TOML file, or several composed into one table, with the texts kept for provenance.
class ConfigDocument {
public:
    /// Parses `text`; `file` names it in messages. Throws ConfigError on malformed TOML, at the
    /// parser's position with the parser's description. An `include` key is an ordinary key.
    [[nodiscard]] static ConfigDocument parse(std::string_view text, std::string file);
    /// Reads and parses a file. Throws ConfigError if it cannot be read or is malformed.
    [[nodiscard]] static ConfigDocument load(const std::string& path);
    /// Parses `text` as the file `file` and composes it with the files its `include` array names
    /// (ConfigComposer). Throws ConfigError as parse() does, and for a bad include.
    [[nodiscard]] static ConfigDocument parse_composed(std::string_view text, std::string file);
    /// Reads the file at `path` and composes it with its includes.
    [[nodiscard]] static ConfigDocument load_composed(const std::string& path);
    /// A document from a table composed by the caller (ConfigComposer::compose): `file` is the
    /// main file (named in messages about the root), `sources` every file used, in merge order.
    [[nodiscard]] static ConfigDocument composed(std::string file, toml::table root,
                                                 std::vector<ConfigSource> sources);

    /// The main file.
    [[nodiscard]] const std::string& file() const { return *file_; }
    /// The file's text if the document is one parsed file; otherwise provenance_text(sources()).
    [[nodiscard]] const std::string& text() const { return text_; }
    /// Every file that went into the document, in merge order (the main file last).
    [[nodiscard]] const std::vector<ConfigSource>& sources() const { return sources_; }
    /// A reader for the top-level table; the document must outlive it (and must not be moved).
    [[nodiscard]] ConfigTable root() const;
    /// The position of the value at a key path ("a.b[2].c"), or nothing if there is none.
    [[nodiscard]] std::optional<SourcePosition> position_of(std::string_view key_path) const;
    /// The file and position of the value at a key path, or nothing if there is none.
    [[nodiscard]] std::optional<SourceLocation> location_of(std::string_view key_path) const;
    /// An error at the value named by a key path; if the path names nothing (a missing key), at
    /// its nearest enclosing value that exists, or at the main file's 1:1 if none does.
    [[nodiscard]] ConfigError error_at(std::string_view key_path, std::string expected,
                                       std::string found, std::string hint = {}) const;

private:
    ConfigDocument(std::shared_ptr<const std::string> file, std::string text, toml::table root,
                   std::vector<ConfigSource> sources);

    std::shared_ptr<const std::string> file_;
    std::string text_;
    toml::table root_;
    std::vector<ConfigSource> sources_;
};

/// Deep-merges `overlay` into `base`: where both hold a table (a [section] or an inline table)
/// under a key, the tables merge key by key, recursively; any other value in `overlay`
/// (number, string, array, array of tables) replaces the one in `base` wholesale, and so does
/// an empty table (`effects = {}` clears the inherited table instead of keeping it). Nodes and
/// keys are moved, so they keep their source regions (file, line, column).
void merge_tables(toml::table& base, toml::table&& overlay);

/// One override of a composed document's value (`govsim run --set PATH=VALUE`, or a design
/// point's parameter). PATH is a dotted key path whose segments are bare keys (letters,
/// digits, '_' and '-') or quoted ones ("..."), each optionally followed by `[i]` (element i of
/// an array, from 0) or `[name]` (the element of an array of tables whose `name` key is
/// `name`); VALUE is any TOML value (`20`, `0.5`, `"text"`, `[1, 2]`, `{}`, `{ a = 1 }`).
struct Override {
    std::string label; ///< names it in messages, e.g. "--set handlers.servers=3"
    std::string path;
    std::string value;
};

/// Splits "PATH=VALUE" (at the first '=' outside quotes and brackets). Throws ConfigError named
/// by `label` (e.g. "--set <text>") for text without '=', an empty path or an empty value.
[[nodiscard]] Override parse_override(std::string_view text, std::string label);

/// Sets the value at `o.path` in `root`, replacing what is there (a table too: `{}` clears it).
/// Tables missing on the way are created; an array element must exist. The new value's source
/// is `o.label` (so a value the schema rejects is reported under the override's name). Throws
/// ConfigError named by `o.label` for a malformed path or value, a `[..]` on something that is
/// not an array, an element that does not exist (with the names there are), or a key on a
/// value that is not a table. Returns the path with names resolved to indices
/// ("handlers.departments[2].servers"), as the schema names keys.
std::string apply_override(toml::table& root, const Override& o);

/// The node at a key path written as for Override (names resolved), or null if there is none.
[[nodiscard]] const toml::node* node_at(const toml::table& root, std::string_view path);

/// Engineering limits on configuration files: not behavioural numbers, but bounds on what
/// reading and composing files may cost, so that a typo or a hostile file (an include of
/// /dev/zero, a chain of thousands of files, a fan-out that multiplies at every level) fails
/// with a located error instead of exhausting memory or the stack. Scenario files are a few
/// kilobytes and include a handful of files, three levels deep; the limits are far above that.
/// Documented in docs/scenarios.md ("Engineering limits").
struct ConfigLimits {
    /// bytes of one file (the largest shipped scenario file is under 20 KiB)
    static constexpr std::uint64_t max_file_bytes = 1U << 20;
    /// files on an include chain (a file, a file it includes, one that one includes, ...)
    static constexpr std::size_t max_include_depth = 16;
    /// files composed into one document, counting a file each time it is included
    static constexpr std::size_t max_included_files = 256;
    /// bytes of text composed into one document, counting a file each time it is included
    static constexpr std::uint64_t max_included_bytes = 4U << 20;
};

/// Reads the text of the file at a path (e.g. from a copy of the files, to rerun a recorded
/// scenario); throws ConfigError like read_text_file.
using FileReader = std::function<std::string(const std::string& path)>;

/// Composes TOML files. A file may hold a top-level `include = ["a.toml", "b/c.toml"]`: the named
/// files (paths relative to the including file) are composed in turn, deep-merged in order
/// (merge_tables), and the including file's own keys are merged on top; the `include` key itself
/// is removed. A file that includes itself, directly or not, is an error naming the chain.
/// File texts are read once and kept, so composing a file again (as experiments do, once per
/// run) costs a parse only. toml++ does not copy source regions when it copies nodes, which is
/// why every composition parses afresh.
class ConfigComposer {
public:
    /// Files are read with `reader` (read_text_file when empty); paths in messages and sources
    /// are the paths as resolved, whatever the reader does with them.
    explicit ConfigComposer(FileReader reader = {}) : reader_(std::move(reader)) {}

    /// A file to merge before a table's own keys, and where it was named (for errors).
    struct Include {
        std::string path;        ///< resolved (relative to the naming file's folder)
        SourceLocation named_at; ///< where the name was written
        std::string key;         ///< key path of the name, e.g. "include[2]"
    };

    /// The text of a file, read once. Throws ConfigError if it cannot be read.
    [[nodiscard]] const std::string& text_of(const std::string& path);
    /// Parses `text` as the file `file` (no includes followed). Throws on malformed TOML.
    [[nodiscard]] static toml::table parse(std::string_view text, const std::string& file);
    /// `relative` resolved against the folder of `from_file`, lexically normalised.
    [[nodiscard]] static std::string resolve(const std::string& from_file,
                                             const std::string& relative);

    /// `table` (parsed from `text`, the file `file`) composed: the files its `include` array
    /// names, then `more` (as if appended to that array), merged in order, then the table's own
    /// keys on top. Appends every file used to `sources`, in merge order, `file` last.
    [[nodiscard]] toml::table compose(toml::table table, std::string_view text,
                                      const std::string& file, std::vector<ConfigSource>& sources,
                                      const std::vector<Include>& more = {});
    /// The file at `include.path`, read, parsed and composed. A file that cannot be read, or
    /// one already being composed (a cycle), is an error at `include.named_at`.
    [[nodiscard]] toml::table compose_file(const Include& include,
                                           std::vector<ConfigSource>& sources);

private:
    struct Frame {
        std::string identity; ///< the canonical path, to recognise a file reached twice
        std::string file;     ///< the path as shown in messages
    };

    /// Reads the `include` array of `table` (naming file `file`) into `out` and removes it.
    static void take_includes(toml::table& table, const std::string& file,
                              std::vector<Include>& out);

    FileReader reader_;
    std::map<std::string, std::string, std::less<>> texts_;
    std::vector<Frame> stack_;
    std::size_t included_files_ = 0;   ///< in the document being composed
    std::uint64_t included_bytes_ = 0; ///< in the document being composed
};

/// Reads a whole file as text. Only regular files are read (a directory, a FIFO, a device or a
/// socket is refused without being opened for reading, so nothing blocks), and at most
/// ConfigLimits::max_file_bytes. Throws ConfigError ("cannot read file: <reason>") on failure.
[[nodiscard]] std::string read_text_file(const std::string& path);

/// Edit distance between two keys, ignoring case and treating '-' as '_'.
[[nodiscard]] std::size_t key_distance(std::string_view a, std::string_view b);

/// The candidate closest to `key` if it is close enough to be a likely misspelling.
[[nodiscard]] std::optional<std::string> closest_key(std::string_view key,
                                                     const std::vector<std::string>& candidates);

/// Formats a number for messages: integers without a point, 1.5 as "1.5", 2.0 as "2.0".
[[nodiscard]] std::string format_number(double x);

} // namespace govsim::sim
