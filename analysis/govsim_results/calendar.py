"""The model's calendar (docs/results.md, "Conventions"; sim/calendar.hpp).

Day d counts days since 1 January of the start year (the first reported year; the warm-up before
it has negative days); years have 365 days and months their usual lengths, with no 29 February.
Month m counts months since January of the start year (negative in the warm-up).
"""
import numpy as np
import pandas as pd

DAYS_PER_YEAR = 365
MONTH_LENGTHS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
# First day of each month within a 365-day year.
_MONTH_STARTS = np.concatenate(([0], np.cumsum(MONTH_LENGTHS)[:-1]))


def day_dates(days, start_year):
    """Calendar dates (datetime64) of model days `days` (ints, days since 1 Jan of start_year).

    The model has no leap days: day 59 of every year is 1 March, so in a leap year the dates
    skip 29 February.
    """
    days = np.asarray(days, dtype=np.int64)
    year = start_year + days // DAYS_PER_YEAR  # floor division: warm-up days fall in earlier years
    day_of_year = days % DAYS_PER_YEAR
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    # From day 59 (1 March) on, a leap year's real calendar is one day ahead of the model's.
    offset = day_of_year + (leap & (day_of_year >= _MONTH_STARTS[2]))
    first_of_year = (year - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    return (first_of_year + offset.astype("timedelta64[D]")).astype("datetime64[ns]")


def month_dates(months, start_year):
    """First calendar day (datetime64) of model months `months` (months since Jan of start_year)."""
    months = np.asarray(months, dtype=np.int64)
    month_index = (start_year - 1970) * 12 + months
    return month_index.astype("datetime64[M]").astype("datetime64[ns]")


def date_of_day(day, start_year):
    """One model day as a pandas Timestamp."""
    return pd.Timestamp(day_dates([day], start_year)[0])
