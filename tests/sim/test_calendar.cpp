// The simulation clock (sim/calendar.hpp).
#include "sim/calendar.hpp"

#include <catch2/catch.hpp>
#include <cmath>

using namespace govsim::sim;

TEST_CASE("a day's last time is the largest double below the next day", "[sim][calendar]") {
    // Every day of a thousand years: the library's answer, inside the day, in the day's year.
    int wrong = 0;
    for (int d = 0; d <= 1000 * days_per_year; ++d) {
        const double last = last_time_of_day(d);
        if (last != std::nextafter(d + 1.0, static_cast<double>(d)) || !(last < d + 1.0) ||
            !(last >= static_cast<double>(d)) || year_of(last) != d / days_per_year)
            ++wrong;
    }
    CHECK(wrong == 0);
    CHECK(last_time_of_day(0) == std::nextafter(1.0, 0.0));
    CHECK(last_time_of_day(2147483646) == std::nextafter(2147483647.0, 2147483646.0));
}
