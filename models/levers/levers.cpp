// The lever container (levers.hpp). The registry of lever types is in registry.cpp.
#include "models/levers/levers.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <stdexcept>

namespace govsim::models {

Levers::Levers(const Levers& other) {
    for (const Entry& e : other.entries_)
        entries_.push_back(Entry{e.lever->clone(), e.enabled, e.start});
}

Levers& Levers::operator=(const Levers& other) {
    if (this != &other) {
        Levers copy(other);
        *this = std::move(copy);
    }
    return *this;
}

void Levers::add(std::unique_ptr<Lever> lever, bool enabled, std::optional<sim::Date> start) {
    const std::size_t position = lever_type_index(lever->name());
    const auto same = std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) {
        return e.lever->name() == lever->name();
    });
    if (same != entries_.end()) {
        *same = Entry{std::move(lever), enabled, start};
        return;
    }
    const auto after = std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) {
        return lever_type_index(e.lever->name()) > position;
    });
    entries_.insert(after, Entry{std::move(lever), enabled, start});
}

bool Levers::has(std::string_view name) const {
    return std::any_of(entries_.begin(), entries_.end(),
                       [&](const Entry& e) { return e.lever->name() == name; });
}

bool Levers::enabled(std::string_view name) const {
    return std::any_of(entries_.begin(), entries_.end(),
                       [&](const Entry& e) { return e.enabled && e.lever->name() == name; });
}

void Levers::set_enabled(std::string_view name, bool on) {
    for (Entry& e : entries_)
        if (e.lever->name() == name) {
            e.enabled = on;
            return;
        }
    throw std::invalid_argument(fmt::format("the scenario has no [levers.{}] section to switch {}",
                                            name, on ? "on" : "off"));
}

std::vector<std::string> Levers::enabled_names() const {
    std::vector<std::string> names;
    for (const Entry& e : entries_)
        if (e.enabled)
            names.emplace_back(e.lever->name());
    return names;
}

std::vector<Levers::Instance> Levers::instantiate() const {
    std::vector<Instance> out;
    for (const Entry& e : entries_)
        if (e.enabled)
            out.push_back(Instance{e.lever->clone(), e.start});
    return out;
}

std::size_t lever_type_index(std::string_view name) {
    const auto types = lever_types();
    for (std::size_t i = 0; i < types.size(); ++i)
        if (types[i].name == name)
            return i;
    return types.size();
}

} // namespace govsim::models
