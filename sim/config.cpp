// Typed, validated reading of TOML configuration files (see config.hpp).
#include "sim/config.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace govsim::sim {

namespace {

SourcePosition to_position(const toml::source_position& p) {
    return {static_cast<std::uint32_t>(p.line), static_cast<std::uint32_t>(p.column)};
}

std::string quoted(std::string_view s) {
    constexpr std::size_t max_shown = 40;
    if (s.size() > max_shown) {
        return fmt::format("\"{}...\"", s.substr(0, max_shown));
    }
    return fmt::format("\"{}\"", s);
}

/// "a string (\"abc\")", "an integer (3)", "a table": what a node is, for "found ..." text.
std::string describe(const toml::node& node) {
    switch (node.type()) {
    case toml::node_type::string:
        return fmt::format("a string ({})", quoted(*node.value<std::string_view>()));
    case toml::node_type::integer:
        return fmt::format("an integer ({})", *node.value<std::int64_t>());
    case toml::node_type::floating_point:
        return fmt::format("a floating-point number ({})", format_number(*node.value<double>()));
    case toml::node_type::boolean:
        return fmt::format("a boolean ({})", *node.value<bool>());
    case toml::node_type::date:
        return "a date";
    case toml::node_type::time:
        return "a time";
    case toml::node_type::date_time:
        return "a date-time";
    case toml::node_type::array:
        return "an array";
    case toml::node_type::table:
        return "a table";
    case toml::node_type::none:
        break;
    }
    return "nothing";
}

/// The value of a number node as it would be written back ("3", "1.5", "2.0").
std::string value_text(const toml::node& node) {
    if (const auto i = node.value_exact<std::int64_t>()) {
        return fmt::format("{}", *i);
    }
    return format_number(*node.value<double>());
}

std::string integer_description(std::int64_t min, std::int64_t max) {
    if (max == std::numeric_limits<std::int64_t>::max()) {
        if (min == 0) {
            return "a non-negative integer";
        }
        if (min == 1) {
            return "a positive integer";
        }
        return fmt::format("an integer >= {}", min);
    }
    return fmt::format("an integer in [{}, {}]", min, max);
}

std::string count_description(std::uint32_t min) {
    return integer_description(min, std::numeric_limits<std::int64_t>::max());
}

constexpr std::string_view key_missing = "nothing (key missing)";
constexpr std::string_view section_missing = "nothing (section missing)";

} // namespace

// ---------------------------------------------------------------------------------------------
// ConfigError

ConfigError::ConfigError(std::string file, SourcePosition where, std::string key,
                         std::string expected, std::string found, std::string hint)
    : ConfigError(Parts{std::move(file), where, std::move(key), expected, found,
                        fmt::format("expected {}, found {}", expected, found), std::move(hint)}) {
}

ConfigError ConfigError::with_message(std::string file, SourcePosition where, std::string key,
                                      std::string message, std::string hint) {
    return ConfigError(
        Parts{std::move(file), where, std::move(key), {}, {}, std::move(message), std::move(hint)});
}

ConfigError::ConfigError(Parts parts)
    : std::runtime_error(compose(parts)), file_(std::move(parts.file)), where_(parts.where),
      key_(std::move(parts.key)), expected_(std::move(parts.expected)),
      found_(std::move(parts.found)), message_(std::move(parts.message)),
      hint_(std::move(parts.hint)) {
}

std::string ConfigError::compose(const Parts& parts) {
    std::string text = parts.file;
    if (parts.where.line > 0) {
        text += fmt::format(":{}:{}", parts.where.line, parts.where.column);
    }
    text += ": error: ";
    if (!parts.key.empty()) {
        text += parts.key + ": ";
    }
    text += parts.message;
    if (!parts.hint.empty()) {
        text += "; " + parts.hint;
    }
    // One line, always: quoted keys and parser descriptions may hold line breaks.
    std::replace_if(
        text.begin(), text.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
    return text;
}

// ---------------------------------------------------------------------------------------------
// NumberRange

bool NumberRange::contains(double x) const {
    if (!std::isfinite(x)) {
        return false;
    }
    const bool above_min = min_open ? x > min : x >= min;
    const bool below_max = max_open ? x < max : x <= max;
    return above_min && below_max;
}

NumberRange NumberRange::any() {
    return NumberRange{};
}

NumberRange NumberRange::probability() {
    return NumberRange{0, 1, false, false, "a probability in [0, 1]"};
}

NumberRange NumberRange::share() {
    return NumberRange{0, 1, true, false, "a share in (0, 1]"};
}

NumberRange NumberRange::non_negative() {
    NumberRange r;
    r.min = 0;
    r.description = "a non-negative number";
    return r;
}

NumberRange NumberRange::positive() {
    NumberRange r;
    r.min = 0;
    r.min_open = true;
    r.description = "a positive number";
    return r;
}

NumberRange NumberRange::up_to(double hi, std::string why) const {
    NumberRange r = *this;
    r.max = hi;
    r.max_open = false;
    r.description += fmt::format(" no larger than {}", hi); // "36500", "0.5", "1e+06"
    r.hint = std::move(why);
    return r;
}

NumberRange NumberRange::between(double lo, double hi) {
    return NumberRange{lo, hi, false, false,
                       fmt::format("a number in [{}, {}]", format_number(lo), format_number(hi))};
}

// ---------------------------------------------------------------------------------------------
// ConfigTable

ConfigTable::ConfigTable(const toml::table& table, std::string path,
                         std::shared_ptr<const std::string> file)
    : table_(&table), path_(std::move(path)), file_(std::move(file)) {
}

const std::string& ConfigTable::file_of(const toml::source_region& source) const {
    return source.path ? *source.path : *file_;
}

const std::string& ConfigTable::file() const {
    return path_.empty() ? *file_ : file_of(table_->source());
}

SourcePosition ConfigTable::position() const {
    const SourcePosition p = to_position(table_->source().begin);
    if (path_.empty() || p.line == 0) {
        return {1, 1};
    }
    return p;
}

SourceLocation ConfigTable::location() const {
    return {file(), position()};
}

SourceLocation ConfigTable::location_of(const toml::node& node) const {
    return {file_of(node.source()), to_position(node.source().begin)};
}

std::string ConfigTable::key_path(std::string_view key) const {
    if (path_.empty()) {
        return std::string(key);
    }
    return fmt::format("{}.{}", path_, key);
}

bool ConfigTable::contains(std::string_view key) {
    known_.emplace(key);
    return table_->contains(key);
}

const toml::node* ConfigTable::lookup(std::string_view key, std::string_view expected,
                                      bool is_section) {
    known_.emplace(key);
    const toml::node* node = table_->get(key);
    if (node == nullptr) {
        throw_missing(key, expected, is_section ? section_missing : key_missing);
    }
    return node;
}

void ConfigTable::throw_missing(std::string_view key, std::string_view expected,
                                std::string_view found) const {
    // A missing key is often a misspelt one: report the misspelling where it is written.
    std::vector<std::string> unread;
    for (auto&& [k, v] : *table_) {
        if (!known_.contains(k.str())) {
            unread.emplace_back(k.str());
        }
    }
    for (const auto& candidate : unread) {
        if (closest_key(candidate, {std::string(key)})) {
            const toml::key& written = table_->find(candidate)->first;
            throw ConfigError::with_message(
                file_of(written.source()), to_position(written.source().begin), key_path(candidate),
                "unknown key", fmt::format("did you mean '{}'?", key));
        }
    }
    throw ConfigError(file(), position(), key_path(key), std::string(expected), std::string(found));
}

void ConfigTable::throw_unknown(std::string_view key) const {
    const toml::key& written = table_->find(key)->first;
    const std::vector<std::string> known(known_.begin(), known_.end());
    std::string hint;
    if (const auto guess = closest_key(key, known)) {
        hint = fmt::format("did you mean '{}'?", *guess);
    } else if (!known.empty() && known.size() <= 8) {
        hint = "known keys here: ";
        for (std::size_t i = 0; i < known.size(); ++i) {
            hint += (i == 0 ? "" : ", ") + known[i];
        }
    }
    throw ConfigError::with_message(file_of(written.source()), to_position(written.source().begin),
                                    key_path(key), "unknown key", std::move(hint));
}

void ConfigTable::finish() const {
    const toml::key* first = nullptr;
    for (auto&& [k, v] : *table_) {
        if (known_.contains(k.str())) {
            continue;
        }
        const auto& p = k.source().begin;
        if (first == nullptr || p.line < first->source().begin.line ||
            (p.line == first->source().begin.line && p.column < first->source().begin.column)) {
            first = &k;
        }
    }
    if (first != nullptr) {
        throw_unknown(first->str());
    }
}

ConfigError ConfigTable::error(std::string_view key, std::string expected, std::string found,
                               std::string hint) const {
    const toml::node* node = table_->get(key);
    const SourceLocation at = node != nullptr ? location_of(*node) : location();
    return ConfigError(at.file, at.where, key_path(key), std::move(expected), std::move(found),
                       std::move(hint));
}

double ConfigTable::number(std::string_view key, const NumberRange& range) {
    const toml::node* node = lookup(key, range.description);
    if (!node->is_number()) {
        throw error(key, "a number", describe(*node));
    }
    const double x = *node->value<double>();
    if (!range.contains(x)) {
        throw error(key, range.description, value_text(*node),
                    x >= range.max ? range.hint : std::string());
    }
    return x;
}

double ConfigTable::probability(std::string_view key) {
    return number(key, NumberRange::probability());
}

double ConfigTable::non_negative(std::string_view key) {
    return number(key, NumberRange::non_negative());
}

double ConfigTable::positive(std::string_view key) {
    return number(key, NumberRange::positive());
}

std::int64_t ConfigTable::read_integer(std::string_view key, std::int64_t min, std::int64_t max,
                                       const std::string& description) {
    const toml::node* node = lookup(key, description);
    if (!node->is_integer()) {
        throw error(key, "an integer", describe(*node));
    }
    const std::int64_t v = *node->value_exact<std::int64_t>();
    if (v < min || v > max) {
        throw error(key, description, fmt::format("{}", v));
    }
    return v;
}

std::int64_t ConfigTable::integer(std::string_view key, std::int64_t min, std::int64_t max) {
    return read_integer(key, min, max, integer_description(min, max));
}

std::uint32_t ConfigTable::count(std::string_view key, std::uint32_t min) {
    constexpr auto max = std::numeric_limits<std::uint32_t>::max();
    const std::int64_t v =
        read_integer(key, min, std::numeric_limits<std::int64_t>::max(), count_description(min));
    if (v > std::int64_t{max}) {
        throw error(key, fmt::format("an integer no larger than {}", max), fmt::format("{}", v));
    }
    return static_cast<std::uint32_t>(v);
}

std::uint32_t ConfigTable::count(std::string_view key, std::uint32_t min, std::uint32_t max,
                                 const std::string& hint) {
    const std::string description = integer_description(min, max);
    const toml::node* node = lookup(key, description);
    if (!node->is_integer()) {
        throw error(key, "an integer", describe(*node));
    }
    const std::int64_t v = *node->value_exact<std::int64_t>();
    if (v < std::int64_t{min} || v > std::int64_t{max}) {
        throw error(key, description, fmt::format("{}", v), v > std::int64_t{max} ? hint : "");
    }
    return static_cast<std::uint32_t>(v);
}

std::uint64_t ConfigTable::unsigned_integer(std::string_view key) {
    return static_cast<std::uint64_t>(
        read_integer(key, 0, std::numeric_limits<std::int64_t>::max(), "a non-negative integer"));
}

bool ConfigTable::boolean(std::string_view key) {
    const toml::node* node = lookup(key, "a boolean (true or false)");
    if (!node->is_boolean()) {
        throw error(key, "a boolean (true or false)", describe(*node));
    }
    return *node->value<bool>();
}

Date ConfigTable::date(std::string_view key) {
    const std::string_view expected = "a date (YYYY-MM-DD, no 29 February)";
    const toml::node* node = lookup(key, expected);
    if (!node->is_date()) {
        throw error(key, std::string(expected), describe(*node));
    }
    const toml::date d = *node->value<toml::date>();
    const Date date{static_cast<int>(d.year), static_cast<int>(d.month), static_cast<int>(d.day)};
    if (!date.valid()) {
        throw error(key, std::string(expected),
                    fmt::format("{}-{:02}-{:02}", date.year, date.month, date.day),
                    "the model's calendar has no leap days");
    }
    return date;
}

std::string ConfigTable::string(std::string_view key) {
    const toml::node* node = lookup(key, "a non-empty string");
    if (!node->is_string()) {
        throw error(key, "a string", describe(*node));
    }
    std::string s(*node->value<std::string_view>());
    if (s.empty()) {
        throw error(key, "a non-empty string", "an empty string");
    }
    return s;
}

std::optional<std::string> ConfigTable::optional_string(std::string_view key) {
    known_.emplace(key);
    const toml::node* node = table_->get(key);
    if (node == nullptr) {
        return std::nullopt;
    }
    if (!node->is_string()) {
        throw error(key, "a string", describe(*node));
    }
    return std::string(*node->value<std::string_view>());
}

std::vector<std::string> ConfigTable::strings(std::string_view key) {
    const toml::node* node = lookup(key, "an array of strings");
    const toml::array* array = node->as_array();
    if (array == nullptr) {
        throw error(key, "an array of strings", describe(*node));
    }
    std::vector<std::string> out;
    out.reserve(array->size());
    for (std::size_t i = 0; i < array->size(); ++i) {
        const toml::node& element = *array->get(i);
        const SourceLocation at = location_of(element);
        const std::string element_path = fmt::format("{}[{}]", key_path(key), i);
        if (!element.is_string()) {
            throw ConfigError(at.file, at.where, element_path, "a string", describe(element));
        }
        std::string s(*element.value<std::string_view>());
        if (s.empty()) {
            throw ConfigError(at.file, at.where, element_path, "a non-empty string",
                              "an empty string");
        }
        out.push_back(std::move(s));
    }
    return out;
}

std::vector<double> ConfigTable::numbers(std::string_view key, const NumberRange& range) {
    const toml::node* node = lookup(key, "an array of numbers");
    const toml::array* array = node->as_array();
    if (array == nullptr) {
        throw error(key, "an array of numbers", describe(*node));
    }
    std::vector<double> out;
    out.reserve(array->size());
    for (std::size_t i = 0; i < array->size(); ++i) {
        const toml::node& element = *array->get(i);
        const SourceLocation at = location_of(element);
        const std::string element_path = fmt::format("{}[{}]", key_path(key), i);
        if (!element.is_integer() && !element.is_floating_point()) {
            throw ConfigError(at.file, at.where, element_path, range.description,
                              describe(element));
        }
        const double x = *element.value<double>();
        if (!range.contains(x)) {
            throw ConfigError(at.file, at.where, element_path, range.description,
                              value_text(element), range.hint);
        }
        out.push_back(x);
    }
    return out;
}

ConfigTable ConfigTable::table(std::string_view key) {
    const toml::node* node = lookup(key, "a table", true);
    const toml::table* sub = node->as_table();
    if (sub == nullptr) {
        throw error(key, "a table", describe(*node));
    }
    return ConfigTable(*sub, key_path(key), file_);
}

std::vector<ConfigTable> ConfigTable::tables(std::string_view key) {
    const toml::node* node = lookup(key, "an array of tables", true);
    const toml::array* array = node->as_array();
    if (array == nullptr) {
        throw error(key, "an array of tables", describe(*node));
    }
    std::vector<ConfigTable> out;
    out.reserve(array->size());
    for (std::size_t i = 0; i < array->size(); ++i) {
        const toml::node& element = *array->get(i);
        const std::string element_path = fmt::format("{}[{}]", key_path(key), i);
        const toml::table* sub = element.as_table();
        if (sub == nullptr) {
            const SourceLocation at = location_of(element);
            throw ConfigError(at.file, at.where, element_path, "a table", describe(element));
        }
        out.emplace_back(*sub, element_path, file_);
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// ConfigDocument

ConfigDocument::ConfigDocument(std::shared_ptr<const std::string> file, std::string text,
                               toml::table root, std::vector<ConfigSource> sources)
    : file_(std::move(file)), text_(std::move(text)), root_(std::move(root)),
      sources_(std::move(sources)) {
}

ConfigDocument ConfigDocument::parse(std::string_view text, std::string file) {
    toml::table root = ConfigComposer::parse(text, file);
    std::vector<ConfigSource> sources{{file, std::string(text)}};
    auto name = std::make_shared<const std::string>(std::move(file));
    return ConfigDocument(std::move(name), std::string(text), std::move(root), std::move(sources));
}

ConfigDocument ConfigDocument::load(const std::string& path) {
    return parse(read_text_file(path), path);
}

ConfigDocument ConfigDocument::parse_composed(std::string_view text, std::string file) {
    ConfigComposer composer;
    std::vector<ConfigSource> sources;
    toml::table root = composer.compose(ConfigComposer::parse(text, file), text, file, sources);
    return composed(std::move(file), std::move(root), std::move(sources));
}

ConfigDocument ConfigDocument::load_composed(const std::string& path) {
    return parse_composed(read_text_file(path), path);
}

ConfigDocument ConfigDocument::composed(std::string file, toml::table root,
                                        std::vector<ConfigSource> sources) {
    std::string text = provenance_text(sources);
    return ConfigDocument(std::make_shared<const std::string>(std::move(file)), std::move(text),
                          std::move(root), std::move(sources));
}

ConfigTable ConfigDocument::root() const {
    return ConfigTable(root_, {}, file_);
}

std::optional<SourceLocation> ConfigDocument::location_of(std::string_view key_path) const {
    const auto view = toml::at_path(root_, key_path);
    if (!view) {
        return std::nullopt;
    }
    const toml::source_region& source = view.node()->source();
    return SourceLocation{source.path ? *source.path : *file_, to_position(source.begin)};
}

std::optional<SourcePosition> ConfigDocument::position_of(std::string_view key_path) const {
    if (auto at = location_of(key_path)) {
        return at->where;
    }
    return std::nullopt;
}

ConfigError ConfigDocument::error_at(std::string_view key_path, std::string expected,
                                     std::string found, std::string hint) const {
    // A path that names nothing (a missing key) is reported at its nearest enclosing value.
    std::optional<SourceLocation> at;
    for (std::string_view path = key_path; !path.empty();) {
        at = location_of(path);
        const std::size_t cut = path.find_last_of(".[");
        if (at || cut == std::string_view::npos) {
            break;
        }
        path = path.substr(0, cut);
    }
    if (!at || at->where.line == 0) {
        at = SourceLocation{*file_, {1, 1}};
    }
    return ConfigError(at->file, at->where, std::string(key_path), std::move(expected),
                       std::move(found), std::move(hint));
}

std::string provenance_text(const std::vector<ConfigSource>& sources) {
    std::string text;
    for (const auto& source : sources) {
        text += fmt::format("# ---- file: {} ----\n", source.file);
        text += source.text;
        if (!source.text.empty() && source.text.back() != '\n') {
            text += '\n';
        }
    }
    return text;
}

// ---------------------------------------------------------------------------------------------
// Composition

void merge_tables(toml::table& base, toml::table&& overlay) {
    for (auto&& [key, value] : overlay) {
        toml::node* existing = base.get(key.str());
        // An empty table replaces (clears) the table it overrides: merging it would change
        // nothing, silently.
        if (existing != nullptr && existing->is_table() && value.is_table() &&
            !value.as_table()->empty()) {
            merge_tables(*existing->as_table(), std::move(*value.as_table()));
            continue;
        }
        // Replaced wholesale; erased first so that the key, too, is the one written last.
        base.erase(key.str());
        base.insert(key, std::move(value));
    }
}

// ---------------------------------------------------------------------------------------------
// Overrides

namespace {

/// One segment of an override path: a key, then any number of [i] / [name] selectors.
struct PathSegment {
    std::string key;
    struct Selector {
        bool by_name = false;
        std::size_t index = 0;
        std::string name;
    };
    std::vector<Selector> selectors;
};

bool bare_key_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
}

std::vector<PathSegment> parse_path(std::string_view path, const std::string& label) {
    const auto bad = [&](std::string why) {
        return ConfigError::with_message(
            label, {}, {}, fmt::format("malformed key path '{}': {}", path, why),
            "write keys separated by '.', e.g. escalation.escalate_base or "
            "handlers.departments[urban-management].servers");
    };
    std::vector<PathSegment> out;
    std::size_t i = 0;
    for (;;) {
        PathSegment seg;
        if (i < path.size() && path[i] == '"') {
            const std::size_t end = path.find('"', i + 1);
            if (end == std::string_view::npos) {
                throw bad("a quoted key is not closed");
            }
            seg.key = std::string(path.substr(i + 1, end - i - 1));
            i = end + 1;
        } else {
            const std::size_t start = i;
            while (i < path.size() && bare_key_char(path[i])) {
                ++i;
            }
            if (i == start) {
                throw bad(i < path.size()
                              ? fmt::format("unexpected '{}' at character {}", path[i], i + 1)
                              : std::string("a key is missing at the end"));
            }
            seg.key = std::string(path.substr(start, i - start));
        }
        while (i < path.size() && path[i] == '[') {
            const std::size_t end = path.find(']', i + 1);
            if (end == std::string_view::npos) {
                throw bad("a '[' is not closed");
            }
            std::string inside(path.substr(i + 1, end - i - 1));
            if (inside.size() >= 2 && inside.front() == '"' && inside.back() == '"') {
                inside = inside.substr(1, inside.size() - 2);
            }
            if (inside.empty()) {
                throw bad("an empty '[]'");
            }
            PathSegment::Selector sel;
            if (std::all_of(inside.begin(), inside.end(),
                            [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
                sel.index = static_cast<std::size_t>(std::stoull(inside));
            } else {
                sel.by_name = true;
                sel.name = inside;
            }
            seg.selectors.push_back(std::move(sel));
            i = end + 1;
        }
        out.push_back(std::move(seg));
        if (i == path.size()) {
            return out;
        }
        if (path[i] != '.') {
            throw bad(fmt::format("unexpected '{}' at character {}", path[i], i + 1));
        }
        ++i;
    }
}

/// The names of an array's tables (their `name` keys), for messages.
std::string element_names(const toml::array& array) {
    std::vector<std::string> names;
    for (const toml::node& element : array) {
        if (const auto* t = element.as_table()) {
            if (const auto name = (*t)["name"].value<std::string>()) {
                names.push_back(*name);
            }
        }
    }
    return names.empty() ? std::string("none has a name")
                         : fmt::format("{}", fmt::join(names, ", "));
}

/// The element of `array` a selector picks, or throws (an error named by `label`).
std::size_t select(const toml::array& array, const PathSegment::Selector& sel,
                   const std::string& where, const std::string& label) {
    if (!sel.by_name) {
        if (sel.index >= array.size()) {
            throw ConfigError(label, {}, where,
                              fmt::format("an index below {} (elements from 0)", array.size()),
                              fmt::format("[{}]", sel.index));
        }
        return sel.index;
    }
    for (std::size_t k = 0; k < array.size(); ++k) {
        if (const auto* t = array.get(k)->as_table()) {
            if ((*t)["name"].value<std::string>() == sel.name) {
                return k;
            }
        }
    }
    throw ConfigError(label, {}, where, "the name of one of its elements",
                      fmt::format("\"{}\"", sel.name),
                      fmt::format("its elements are named: {}", element_names(array)));
}

} // namespace

Override parse_override(std::string_view text, std::string label) {
    // The first '=' outside quotes and brackets: names in [..] and quoted keys may hold one.
    bool quoted = false;
    int depth = 0;
    std::size_t eq = std::string_view::npos;
    for (std::size_t i = 0; i < text.size() && eq == std::string_view::npos; ++i) {
        const char c = text[i];
        if (c == '"') {
            quoted = !quoted;
        } else if (!quoted && c == '[') {
            ++depth;
        } else if (!quoted && c == ']') {
            --depth;
        } else if (!quoted && depth == 0 && c == '=') {
            eq = i;
        }
    }
    const auto trim = [](std::string_view s) {
        while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) {
            s.remove_prefix(1);
        }
        while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) {
            s.remove_suffix(1);
        }
        return std::string(s);
    };
    if (eq == std::string_view::npos) {
        throw ConfigError(std::move(label), {}, {}, "PATH=VALUE (a key path, '=', a TOML value)",
                          fmt::format("\"{}\"", text), "e.g. --set escalation.escalate_base=0.3");
    }
    Override o{std::move(label), trim(text.substr(0, eq)), trim(text.substr(eq + 1))};
    if (o.path.empty()) {
        throw ConfigError(o.label, {}, {}, "a key path before '='", "nothing");
    }
    if (o.value.empty()) {
        throw ConfigError(o.label, {}, o.path, "a TOML value after '='", "nothing",
                          "write {} to clear a table, \"\" for an empty string");
    }
    (void)parse_path(o.path, o.label);
    return o;
}

std::string apply_override(toml::table& root, const Override& o) {
    const std::vector<PathSegment> segments = parse_path(o.path, o.label);
    toml::table parsed;
    try {
        parsed = toml::parse(fmt::format("v = {}", o.value), std::string_view{o.label});
    } catch (const toml::parse_error& e) {
        throw ConfigError::with_message(
            o.label, {}, o.path,
            fmt::format("the value '{}' is not a TOML value ({})", o.value, e.description()),
            "strings need quotes, e.g. --set 'model.name=\"pilot\"'");
    }
    toml::node& value = *parsed.get("v");

    toml::table* table = &root;
    std::string resolved;
    for (std::size_t s = 0; s < segments.size(); ++s) {
        const PathSegment& seg = segments[s];
        const bool last = s + 1 == segments.size();
        if (!resolved.empty()) {
            resolved += '.';
        }
        resolved += seg.key;
        toml::node* node = table->get(seg.key);
        // New keys carry the override's name as their source, for messages about them.
        if (last && seg.selectors.empty()) {
            table->insert_or_assign(toml::key(seg.key, toml::source_region(value.source())),
                                    std::move(value));
            return resolved;
        }
        if (node == nullptr) {
            if (!seg.selectors.empty()) {
                throw ConfigError(o.label, {}, resolved, "an array to select an element of",
                                  "nothing (key missing)");
            }
            table = table
                        ->insert_or_assign(toml::key(seg.key, toml::source_region(value.source())),
                                           toml::table{})
                        .first->second.as_table();
            continue;
        }
        for (std::size_t k = 0; k < seg.selectors.size(); ++k) {
            toml::array* array = node->as_array();
            if (array == nullptr) {
                throw ConfigError(o.label, {}, resolved, "an array to select an element of",
                                  node->is_table() ? "a table" : "a value that is not an array");
            }
            const std::size_t at = select(*array, seg.selectors[k], resolved, o.label);
            resolved += fmt::format("[{}]", at);
            if (last && k + 1 == seg.selectors.size()) {
                array->replace(array->cbegin() + static_cast<std::ptrdiff_t>(at), std::move(value));
                return resolved;
            }
            node = array->get(at);
        }
        table = node->as_table();
        if (table == nullptr) {
            throw ConfigError(o.label, {}, resolved, "a table (the path goes on below it)",
                              "a value that is not a table");
        }
    }
    return resolved; // not reached: the last segment returns
}

const toml::node* node_at(const toml::table& root, std::string_view path) {
    std::vector<PathSegment> segments;
    try {
        segments = parse_path(path, {});
    } catch (const ConfigError&) {
        return nullptr;
    }
    const toml::node* node = &root;
    for (const PathSegment& seg : segments) {
        const auto* table = node->as_table();
        node = table == nullptr ? nullptr : table->get(seg.key);
        for (const auto& sel : seg.selectors) {
            const auto* array = node == nullptr ? nullptr : node->as_array();
            if (array == nullptr) {
                return nullptr;
            }
            try {
                node = array->get(select(*array, sel, {}, {}));
            } catch (const ConfigError&) {
                return nullptr;
            }
        }
        if (node == nullptr) {
            return nullptr;
        }
    }
    return node;
}

const std::string& ConfigComposer::text_of(const std::string& path) {
    auto at = texts_.find(path);
    if (at == texts_.end()) {
        at = texts_.emplace(path, reader_ ? reader_(path) : read_text_file(path)).first;
    }
    return at->second;
}

toml::table ConfigComposer::parse(std::string_view text, const std::string& file) {
    if (text.size() > ConfigLimits::max_file_bytes) {
        throw ConfigError::with_message(
            file, {1, 1}, {},
            fmt::format("the file is {} bytes long, more than the limit of {} bytes for one "
                        "configuration file",
                        text.size(), ConfigLimits::max_file_bytes),
            "see 'Engineering limits' in docs/scenarios.md");
    }
    try {
        return toml::parse(text, std::string_view{file});
    } catch (const toml::parse_error& e) {
        throw ConfigError::with_message(file, to_position(e.source().begin), {},
                                        fmt::format("malformed TOML: {}", e.description()));
    }
}

std::string ConfigComposer::resolve(const std::string& from_file, const std::string& relative) {
    const std::filesystem::path folder = std::filesystem::path(from_file).parent_path();
    return (folder / relative).lexically_normal().string();
}

void ConfigComposer::take_includes(toml::table& table, const std::string& file,
                                   std::vector<Include>& out) {
    if (!table.contains("include")) {
        return;
    }
    {
        ConfigTable reader(table, {}, std::make_shared<const std::string>(file));
        const std::vector<std::string> names = reader.strings("include");
        const toml::array& array = *table.get("include")->as_array();
        for (std::size_t i = 0; i < names.size(); ++i) {
            out.push_back(Include{resolve(file, names[i]), reader.location_of(*array.get(i)),
                                  fmt::format("include[{}]", i)});
        }
    }
    table.erase("include");
}

namespace {

/// A path's identity for cycle detection: canonical where the file system allows.
std::string identity_of(const std::string& path) {
    std::error_code ec;
    const std::filesystem::path canonical = std::filesystem::weakly_canonical(path, ec);
    if (ec) {
        return std::filesystem::absolute(path, ec).lexically_normal().string();
    }
    return canonical.string();
}

} // namespace

toml::table ConfigComposer::compose(toml::table table, std::string_view text,
                                    const std::string& file, std::vector<ConfigSource>& sources,
                                    const std::vector<Include>& more) {
    std::vector<Include> includes;
    take_includes(table, file, includes);
    includes.insert(includes.end(), more.begin(), more.end());

    if (stack_.empty()) { // a new document: its own budget of included files and bytes
        included_files_ = 0;
        included_bytes_ = text.size();
    }
    stack_.push_back(Frame{identity_of(file), file});
    toml::table merged;
    try {
        for (const Include& include : includes) {
            merge_tables(merged, compose_file(include, sources));
        }
    } catch (...) {
        stack_.pop_back();
        throw;
    }
    stack_.pop_back();
    merge_tables(merged, std::move(table));
    sources.push_back(ConfigSource{file, std::string(text)});
    return merged;
}

toml::table ConfigComposer::compose_file(const Include& include,
                                         std::vector<ConfigSource>& sources) {
    const std::string identity = identity_of(include.path);
    for (std::size_t i = 0; i < stack_.size(); ++i) {
        if (stack_[i].identity == identity) {
            std::string chain;
            for (std::size_t j = i; j < stack_.size(); ++j) {
                chain += stack_[j].file + " -> ";
            }
            chain += include.path;
            throw ConfigError::with_message(include.named_at.file, include.named_at.where,
                                            include.key, fmt::format("include cycle: {}", chain));
        }
    }
    const auto limit = [&](std::string message) {
        return ConfigError::with_message(include.named_at.file, include.named_at.where, include.key,
                                         std::move(message),
                                         "see 'Engineering limits' in docs/scenarios.md");
    };
    if (stack_.size() >= ConfigLimits::max_include_depth) {
        throw limit(fmt::format("includes nest deeper than {} files (from {} to {})",
                                ConfigLimits::max_include_depth, stack_.front().file,
                                include.path));
    }
    if (++included_files_ > ConfigLimits::max_included_files) {
        throw limit(fmt::format("more than {} files are included into one scenario (a file "
                                "counts each time it is included)",
                                ConfigLimits::max_included_files));
    }
    const std::string* text = nullptr;
    try {
        text = &text_of(include.path);
    } catch (const ConfigError& e) {
        throw ConfigError::with_message(include.named_at.file, include.named_at.where, include.key,
                                        fmt::format("'{}': {}", include.path, e.message()));
    }
    included_bytes_ += text->size();
    if (included_bytes_ > ConfigLimits::max_included_bytes) {
        throw limit(fmt::format("more than {} bytes of files are included into one scenario (a "
                                "file counts each time it is included)",
                                ConfigLimits::max_included_bytes));
    }
    if (text->size() > ConfigLimits::max_file_bytes) {
        throw limit(fmt::format("'{}' is {} bytes long, more than the limit of {} bytes for one "
                                "configuration file",
                                include.path, text->size(), ConfigLimits::max_file_bytes));
    }
    toml::table parsed = parse(*text, include.path);
    return compose(std::move(parsed), *text, include.path, sources);
}

// ---------------------------------------------------------------------------------------------
// Helpers

std::string read_text_file(const std::string& path) {
    const auto fail = [&path](const std::string& reason) {
        return ConfigError::with_message(path, {}, {}, fmt::format("cannot read file: {}", reason));
    };
    // Opened without blocking (a FIFO would otherwise wait for a writer), then checked to be a
    // regular file before anything is read.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        throw fail(std::strerror(errno));
    }
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        throw fail(std::strerror(errno));
    }
    if (S_ISDIR(st.st_mode)) {
        throw fail("it is a directory, not a file");
    }
    if (!S_ISREG(st.st_mode)) {
        throw fail(
            fmt::format("it is {}, not a regular file", S_ISFIFO(st.st_mode) ? "a FIFO (named pipe)"
                                                        : S_ISCHR(st.st_mode) ? "a character device"
                                                        : S_ISBLK(st.st_mode) ? "a block device"
                                                        : S_ISSOCK(st.st_mode) ? "a socket"
                                                                               : "a special file"));
    }
    const auto too_large = [&](std::uint64_t bytes) {
        return fail(fmt::format("it is {} bytes long, more than the limit of {} bytes for one "
                                "configuration file (see 'Engineering limits' in "
                                "docs/scenarios.md)",
                                bytes, ConfigLimits::max_file_bytes));
    };
    if (static_cast<std::uint64_t>(st.st_size) > ConfigLimits::max_file_bytes) {
        throw too_large(static_cast<std::uint64_t>(st.st_size));
    }
    // The file may grow while it is read: read at most one byte more than the limit.
    std::string text;
    char buffer[1 << 14];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            throw fail(std::strerror(errno));
        }
        if (n == 0) {
            break;
        }
        text.append(buffer, static_cast<std::size_t>(n));
        if (text.size() > ConfigLimits::max_file_bytes) {
            throw too_large(text.size());
        }
    }
    return text;
}

std::size_t key_distance(std::string_view a, std::string_view b) {
    const auto norm = [](char c) {
        return c == '-' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    };
    // Optimal string alignment distance: insertions, deletions, substitutions and
    // transpositions of neighbours each cost 1.
    const std::size_t n = a.size();
    const std::size_t m = b.size();
    std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1, 0));
    for (std::size_t i = 0; i <= n; ++i) {
        d[i][0] = i;
    }
    for (std::size_t j = 0; j <= m; ++j) {
        d[0][j] = j;
    }
    for (std::size_t i = 1; i <= n; ++i) {
        for (std::size_t j = 1; j <= m; ++j) {
            const std::size_t cost = norm(a[i - 1]) == norm(b[j - 1]) ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && norm(a[i - 1]) == norm(b[j - 2]) &&
                norm(a[i - 2]) == norm(b[j - 1])) {
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
            }
        }
    }
    return d[n][m];
}

std::optional<std::string> closest_key(std::string_view key,
                                       const std::vector<std::string>& candidates) {
    constexpr std::size_t max_distance = 2;
    std::optional<std::string> best;
    std::size_t best_distance = max_distance + 1;
    for (const auto& candidate : candidates) {
        const std::size_t d = key_distance(key, candidate);
        // Close in absolute terms, and not a rewrite of most of a short key.
        const bool plausible = d <= max_distance && 2 * d <= std::max(key.size(), candidate.size());
        if (plausible && d < best_distance) {
            best = candidate;
            best_distance = d;
        }
    }
    return best;
}

std::string format_number(double x) {
    if (std::isnan(x)) {
        return "nan";
    }
    if (std::isinf(x)) {
        return x > 0 ? "inf" : "-inf";
    }
    std::string s = fmt::format("{}", x);
    if (s.find_first_of(".e") == std::string::npos) {
        s += ".0";
    }
    return s;
}

} // namespace govsim::sim
