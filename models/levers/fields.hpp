#pragma once
// A lever's parameters are listed once, in its static `fields(lever, visit)` function, and that
// one list both reads the lever's scenario section (FieldReader) and describes it
// (FieldLister, for reports, provenance and tests). A field is a key, a reference to the
// member, and its allowed range: a count's [min, max], a number's range, each with an
// engineering limit (models/limits.hpp) for every count and rate.
#include "models/categories.hpp"
#include "models/levers/levers.hpp"
#include "models/limits.hpp"
#include "sim/config.hpp"

#include <fmt/format.h>

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace govsim::models {

/// Reads each field from a lever's section (every key required).
struct FieldReader {
    sim::ConfigTable& table;
    void operator()(std::string_view key, double& value, const sim::NumberRange& range) const {
        value = table.number(key, range);
    }
    void operator()(std::string_view key, std::uint32_t& value, std::uint32_t min,
                    std::uint32_t max) const {
        value = table.count(key, min, max, limits::hint);
    }
    void operator()(std::string_view key, bool& value) const { value = table.boolean(key); }
    /// A table keyed by category names, each optional (a missing category is 0).
    void operator()(std::string_view key, std::array<double, category_count>& value,
                    const sim::NumberRange& range) const {
        sim::ConfigTable sub = table.table(key);
        value = {};
        for (std::size_t c = 0; c < category_count; ++c)
            if (sub.contains(category_names[c]))
                value[c] = sub.number(category_names[c], range);
        sub.finish();
    }
};

/// Lists each field as (key, value written as in a scenario file).
struct FieldLister {
    std::vector<std::pair<std::string, std::string>>& out;
    void operator()(std::string_view key, double value, const sim::NumberRange&) const {
        out.emplace_back(key, sim::format_number(value));
    }
    void operator()(std::string_view key, std::uint32_t value, std::uint32_t, std::uint32_t) const {
        out.emplace_back(key, fmt::format("{}", value));
    }
    void operator()(std::string_view key, bool value) const {
        out.emplace_back(key, value ? "true" : "false");
    }
    void operator()(std::string_view key, const std::array<double, category_count>& value,
                    const sim::NumberRange&) const {
        std::string text = "{";
        for (std::size_t c = 0; c < category_count; ++c)
            if (value[c] != 0)
                text += fmt::format("{} {} = {}", text.size() > 1 ? "," : "", category_names[c],
                                    sim::format_number(value[c]));
        out.emplace_back(key, text + " }");
    }
};

/// A lever of type L read from its section by L::fields.
template <class L>
[[nodiscard]] std::unique_ptr<Lever> read_fields(sim::ConfigTable& table) {
    auto lever = std::make_unique<L>();
    L::fields(*lever, FieldReader{table});
    return lever;
}

/// L's parameters, listed by L::fields.
template <class L>
[[nodiscard]] std::vector<std::pair<std::string, std::string>> list_fields(const L& lever) {
    std::vector<std::pair<std::string, std::string>> out;
    L::fields(lever, FieldLister{out});
    return out;
}

} // namespace govsim::models
