// The ranges of the engineering limits (see limits.hpp).
#include "models/limits.hpp"

#include <fmt/format.h>

namespace govsim::models::limits {

using sim::NumberRange;

NumberRange non_negative_up_to(double max) {
    return NumberRange::non_negative().up_to(max, hint);
}

NumberRange positive_up_to(double max) {
    return NumberRange::positive().up_to(max, hint);
}

NumberRange days() {
    return non_negative_up_to(max_days);
}

NumberRange interval_days() {
    NumberRange r = NumberRange::between(min_interval_days, max_days);
    r.description = fmt::format("an interval in days in [{}, {}]", min_interval_days, max_days);
    r.hint = hint;
    return r;
}

NumberRange multiplier() {
    return non_negative_up_to(max_multiplier);
}

NumberRange server_multiplier() {
    return non_negative_up_to(max_server_multiplier);
}

NumberRange staff_per_1000() {
    return positive_up_to(max_staff_per_1000);
}

NumberRange effect() {
    NumberRange r = NumberRange::between(-max_effect, max_effect);
    r.hint = hint;
    return r;
}

NumberRange weight() {
    return non_negative_up_to(max_effect);
}

NumberRange households_per_unit_range() {
    NumberRange r = NumberRange::between(1, max_households_per_group);
    r.description = fmt::format("a number in [1, {}]", max_households_per_group);
    r.hint = hint;
    return r;
}

NumberRange money() {
    return non_negative_up_to(max_money_per_unit_month);
}

} // namespace govsim::models::limits
