#pragma once
// The simulation clock. Time is measured in days since 1 January of the start year, as a
// double: day d covers [d, d+1), and events inside a day carry their fractional time.
// Years have 365 days and months the usual lengths (no leap days), so that every run of
// the same length has the same calendar.
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>

namespace govsim::sim {

inline constexpr int days_per_year = 365;
inline constexpr std::array<int, 12> month_lengths{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

/// Year index (0-based from the start year) of a time in days.
[[nodiscard]] constexpr int year_of(double t) {
    return static_cast<int>(t) / days_per_year;
}

/// The last representable time of day d >= 0, the largest double below d + 1: what
/// std::nextafter(d + 1.0, d) gives, without the library call (the next double below a positive
/// normal one has the bit pattern one less). An event drawn for day d is never later.
[[nodiscard]] inline double last_time_of_day(int d) {
    return std::bit_cast<double>(std::bit_cast<std::uint64_t>(static_cast<double>(d) + 1.0) - 1U);
}

/// True when day d is the last day of a calendar month.
[[nodiscard]] constexpr bool is_month_end(int d) {
    int in_year = d % days_per_year;
    for (int len : month_lengths) {
        if (in_year < len)
            return in_year == len - 1;
        in_year -= len;
    }
    return false;
}

/// A calendar date (no leap days: 29 February does not exist in the model's calendar).
struct Date {
    int year = 0;
    int month = 1; ///< 1-12
    int day = 1;   ///< 1 to the month's length

    [[nodiscard]] constexpr bool valid() const {
        return month >= 1 && month <= 12 && day >= 1 &&
               day <= month_lengths[static_cast<std::size_t>(month - 1)];
    }
    bool operator==(const Date&) const = default;
};

/// The day (0-based) of a date, counted from 1 January of `first_year` (negative before it).
[[nodiscard]] constexpr int day_of(const Date& date, int first_year) {
    int d = (date.year - first_year) * days_per_year;
    for (int m = 1; m < date.month; ++m)
        d += month_lengths[static_cast<std::size_t>(m - 1)];
    return d + date.day - 1;
}

} // namespace govsim::sim
