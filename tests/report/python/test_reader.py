"""The reader: every table as a DataFrame with str text, ordered categories and calendar dates,
the same numbers as the file, and clear errors for files that are not results."""
import math
import os
import unittest

import h5py
import numpy as np
import pandas as pd

from common import ALL, NO_BASELINE, SINGLE, SMALL, TempFolder, copy_with
from govsim_results import ResultsError, load
from govsim_results import calendar
from govsim_results.stats import mean_interval, t975

DOCUMENTED_LEVELS = ["self_governance", "firm", "owners_committee", "residents_committee",
                     "department", "coordination"]
DOCUMENTED_CATEGORIES = ["parking", "property_service", "owners_rights", "neighbour",
                         "construction", "sanitation"]


def raw_table(path, name):
    with h5py.File(path, "r") as f:
        return f[name][()]


class Calendar(unittest.TestCase):
    def test_days_follow_the_365_day_calendar(self):
        dates = pd.DatetimeIndex(calendar.day_dates([0, 30, 31, 58, 59, 364, 365, 729], 2014))
        expected = ["2014-01-01", "2014-01-31", "2014-02-01", "2014-02-28", "2014-03-01",
                    "2014-12-31", "2015-01-01", "2015-12-31"]
        self.assertEqual([d.strftime("%Y-%m-%d") for d in dates], expected)

    def test_leap_years_skip_29_february(self):
        # 2016 is a leap year; the model has no 29 February, so day 59 of 2016 is 1 March and
        # the year still ends on day 364 = 31 December.
        dates = pd.DatetimeIndex(calendar.day_dates([730 + 58, 730 + 59, 730 + 364, 1095], 2014))
        self.assertEqual([d.strftime("%Y-%m-%d") for d in dates],
                         ["2016-02-28", "2016-03-01", "2016-12-31", "2017-01-01"])
        self.assertEqual(calendar.date_of_day(59, 2000), pd.Timestamp("2000-03-01"))

    def test_every_model_day_has_its_own_date(self):
        days = np.arange(0, 365 * 8)
        dates = pd.DatetimeIndex(calendar.day_dates(days, 2013))
        self.assertTrue(dates.is_monotonic_increasing and dates.is_unique)
        self.assertFalse(((dates.month == 2) & (dates.day == 29)).any())

    def test_months(self):
        dates = pd.DatetimeIndex(calendar.month_dates([0, 1, 11, 12, 25], 2014))
        self.assertEqual([d.strftime("%Y-%m-%d") for d in dates],
                         ["2014-01-01", "2014-02-01", "2014-12-01", "2015-01-01", "2016-02-01"])

    def test_warm_up_days_and_months_fall_before_the_start_year(self):
        days = pd.DatetimeIndex(calendar.day_dates([-365, -306, -1, 0], 2014))
        self.assertEqual([d.strftime("%Y-%m-%d") for d in days],
                         ["2013-01-01", "2013-03-01", "2013-12-31", "2014-01-01"])
        months = pd.DatetimeIndex(calendar.month_dates([-12, -1, 0], 2014))
        self.assertEqual([d.strftime("%Y-%m-%d") for d in months],
                         ["2013-01-01", "2013-12-01", "2014-01-01"])


class Statistics(unittest.TestCase):
    def test_t_quantiles_match_published_tables(self):
        # 0.975 quantiles of Student's t (e.g. Abramowitz & Stegun table 26.10).
        for df, value in [(1, 12.706205), (2, 4.302653), (3, 3.182446), (4, 2.776445),
                          (9, 2.262157), (10, 2.228139), (19, 2.093024), (30, 2.042272),
                          (120, 1.979930)]:
            self.assertAlmostEqual(t975(df), value, delta=1e-5, msg=f"df={df}")
        self.assertTrue(math.isnan(t975(0)))

    def test_mean_interval(self):
        frame = pd.DataFrame({"g": ["a", "a", "a", "b"], "v": [1.0, 2.0, 3.0, 5.0]})
        out = mean_interval(frame, ["g"], "v").set_index("g")
        half = 4.302653 * 1.0 / math.sqrt(3)
        self.assertAlmostEqual(out.loc["a", "mean"], 2.0)
        self.assertAlmostEqual(out.loc["a", "upper"] - 2.0, half, places=5)
        self.assertAlmostEqual(2.0 - out.loc["a", "lower"], half, places=5)
        self.assertTrue(math.isnan(out.loc["b", "lower"]))  # one value: no interval


class Reader(unittest.TestCase):
    def test_every_table_is_read_with_the_files_numbers(self):
        for path in ALL:
            r = load(path)
            with h5py.File(path, "r") as f:
                self.assertEqual(set(r.tables), {k for k in f if f[k].dtype.names})
            for name, frame in r.tables.items():
                raw = raw_table(path, name)
                self.assertEqual(len(frame), len(raw), name)
                for column in raw.dtype.names:
                    if raw.dtype[column].kind in "iuf" and not h5py.check_enum_dtype(
                            raw.dtype[column]):
                        np.testing.assert_array_equal(frame[column].to_numpy(), raw[column],
                                                      err_msg=f"{path}:{name}.{column}")

    def test_text_columns_are_str(self):
        for path in ALL:
            r = load(path)
            for name, frame in r.tables.items():
                for column in frame.columns:
                    values = frame[column]
                    if isinstance(values.dtype, pd.CategoricalDtype):
                        values = pd.Series(values.cat.categories)
                    if values.dtype == object:
                        self.assertTrue(all(isinstance(v, str) for v in values),
                                        f"{path}:{name}.{column} holds non-str values")

    def test_variable_length_strings_read_as_fixed_length_ones(self):
        original = raw_table(SMALL, "comparison")
        fields = []
        for column in original.dtype.names:
            kind = original.dtype[column]
            fields.append((column, h5py.string_dtype("utf-8") if kind.kind == "S" else kind))
        vlen = np.empty(len(original), dtype=np.dtype(fields))
        for column in original.dtype.names:
            values = original[column]
            vlen[column] = ([v.decode("utf-8") for v in values] if values.dtype.kind == "S"
                            else values)
        with TempFolder() as folder:
            path = copy_with(SMALL, folder, "vlen.h5", tables={"comparison": vlen})
            with h5py.File(path, "r") as f:
                self.assertIsNotNone(h5py.check_string_dtype(f["comparison"].dtype["town"]))
            changed, reference = load(path).comparison, load(SMALL).comparison
        pd.testing.assert_frame_equal(changed, reference)

    def test_orders_are_the_models(self):
        r = load(SMALL)
        # The experiment's order (tests/report/data/small-comparison.toml), not the alphabet's.
        self.assertEqual(r.models, ["baseline", "lishui", "denghu"])
        self.assertEqual(r.levels, DOCUMENTED_LEVELS)
        self.assertEqual(r.orders["category"], DOCUMENTED_CATEGORIES)
        for name, column in [("comparison", "model"), ("monthly", "model"), ("runs", "town"),
                             ("summary_by_category", "category"), ("comparison", "metric")]:
            dtype = r.tables[name][column].dtype
            self.assertIsInstance(dtype, pd.CategoricalDtype, f"{name}.{column}")
            self.assertTrue(dtype.ordered)
        self.assertEqual(list(r.comparison["model"].cat.categories), r.models)
        by_model = r.summary.sort_values("model")["model"].astype(str).unique().tolist()
        self.assertEqual(by_model, r.models)  # sorting follows the model order
        self.assertEqual(load(NO_BASELINE).models, ["shenzhen", "lishui"])
        self.assertEqual(load(NO_BASELINE).towns, ["lishui", "dali"])

    def test_dispute_records_take_the_vocabularies(self):
        r = load(SINGLE)
        disputes = r.disputes
        self.assertGreater(len(disputes), 0)
        self.assertEqual(list(disputes["last_level"].cat.categories[:6]), DOCUMENTED_LEVELS)
        self.assertEqual(list(disputes["outcome"].cat.categories), ["open", "resolved", "abandoned"])
        self.assertEqual(list(disputes["category"].cat.categories), DOCUMENTED_CATEGORIES)

    def test_dispute_records_name_their_codes_and_runs(self):
        # Format 5: categorical columns are HDF5 enumerations, the run is its /runs index; the
        # reader gives the enumerations' names and the run's scenario, town, model, replicate.
        r = load(SINGLE)
        disputes = r.disputes
        with h5py.File(SINGLE, "r") as f:
            self.assertEqual(f.attrs["format_version"], 5)
            raw = f["disputes"][()]
            runs = f["runs"][()]
            for column in ("category", "channel", "outcome", "last_level", "party", "housing",
                           "tenure"):
                names = h5py.check_enum_dtype(f["disputes"].dtype[column])
                self.assertIsNotNone(names, column)
                by_code = {code: name for name, code in names.items()}
                self.assertEqual([str(v) for v in disputes[column]],
                                 [by_code[c] for c in raw[column]], column)
        np.testing.assert_array_equal(disputes["run"].to_numpy(), raw["run"])
        index = {int(i): k for k, i in enumerate(runs["index"])}
        for key in ("scenario", "town", "model", "replicate"):
            want = [runs[key][index[int(i)]] for i in raw["run"]]
            want = [w.decode("utf-8") if isinstance(w, bytes) else w for w in want]
            self.assertEqual([v if isinstance(v, str) else int(v) for v in
                              disputes[key].astype(object)], want, key)
        self.assertEqual(list(disputes.columns[:5]),
                         ["scenario", "town", "model", "replicate", "run"])

    def test_dates_of_days_and_months(self):
        for path, start in [(SMALL, 2014), (NO_BASELINE, 2015), (SINGLE, 2014)]:
            r = load(path)
            self.assertEqual(r.start_year, start)
            daily, monthly = r.daily, r.monthly
            expected = pd.DatetimeIndex(calendar.day_dates(daily["day"], start))
            self.assertTrue((pd.DatetimeIndex(daily["date"]) == expected).all())
            self.assertEqual(pd.Timestamp(daily.loc[daily["day"] == 0, "date"].iloc[0]),
                             pd.Timestamp(f"{start}-01-01"))
            months = pd.DatetimeIndex(monthly["date"])
            self.assertTrue((months.day == 1).all())
            self.assertTrue(((months.year - start) * 12 + months.month - 1 == monthly["month"]).all())
            # The summary's years are the years of the reported (not warm-up) daily dates.
            reported = daily[daily["day"] >= 0]
            self.assertEqual(sorted(r.summary["year"].unique()),
                             sorted(pd.DatetimeIndex(reported["date"]).year.unique()))

    def test_start_year_from_an_attribute_wins(self):
        with TempFolder() as folder:
            path = copy_with(SMALL, folder, "start.h5", attrs={"start_year": 2020})
            r = load(path)
        self.assertEqual(r.start_year, 2020)
        first_reported = r.daily.loc[r.daily["day"] == 0, "date"].iloc[0]
        self.assertEqual(pd.Timestamp(first_reported), pd.Timestamp("2020-01-01"))

    def test_daily_by_level_keeps_the_work(self):
        r = load(SMALL)
        long = r.daily_by_level()
        self.assertEqual(len(long), len(r.daily) * len(r.levels))
        for level in r.levels:
            part = long[long["level"] == level]
            self.assertAlmostEqual(part["busy_server_days"].sum(),
                                   r.daily["busy_server_days_" + level].sum())
            staffed = part["servers"] > 0
            self.assertTrue(part.loc[~staffed, "utilisation"].isna().all())
            np.testing.assert_allclose(part.loc[staffed, "utilisation"],
                                       part.loc[staffed, "busy_server_days"] / part.loc[staffed, "servers"])

    def test_evaluation_rows_and_rows_by_year(self):
        # Format 3: year 0 is the evaluation period (the whole years after the policy start,
        # 2016 in the small run); the other rows are single reported years, no warm-up year.
        r = load(SMALL)
        raw = raw_table(SMALL, "comparison")
        evaluation, by_year = r.evaluation(), r.comparison_by_year()
        self.assertEqual(len(evaluation), int((raw["year"] == 0).sum()))
        self.assertEqual(len(evaluation) + len(by_year), len(raw))
        self.assertTrue((evaluation["first_year"] == 2016).all())
        self.assertEqual(r.evaluation_period(), (2016, 2016))
        self.assertEqual(sorted(by_year["year"].unique()), [2014, 2015, 2016])
        np.testing.assert_array_equal(evaluation["mean"], raw["mean"][raw["year"] == 0])
        self.assertEqual(load(SINGLE).evaluation_period(), (2014, 2015))  # no policy start
        # A comparison without years (formats 1 and 2) is its own evaluation.
        old = load(SMALL, tables=["comparison"])
        old.tables["comparison"] = old.comparison.drop(columns=["year"])
        self.assertEqual(len(old.evaluation()), len(raw))
        self.assertIsNone(old.comparison_by_year())

    def test_policy_start_and_warm_up(self):
        self.assertEqual(load(SMALL).policy_starts(), [pd.Timestamp("2015-03-01")])
        self.assertEqual(load(NO_BASELINE).policy_starts(), [])
        r = load(SMALL, tables=["monthly", "daily"])
        self.assertEqual(r.attrs["warmup_years"], 1)
        for name in ("monthly", "daily"):
            table, reported = r.tables[name], r.reported(name)
            self.assertEqual(len(reported), int((table["warmup"] == 0).sum()))
            self.assertGreater(len(table), len(reported))
            self.assertEqual(reported["date"].min(), pd.Timestamp("2014-01-01"))
        self.assertEqual(r.daily_by_level(warmup=False)["day"].min(), 0)
        self.assertLess(r.daily_by_level()["day"].min(), 0)

    def test_selected_tables(self):
        r = load(SINGLE, tables=["summary", "monthly"])
        self.assertEqual(set(r.tables), {"summary", "monthly"})
        self.assertIsNone(r.disputes)
        r = load(SINGLE, skip=["disputes"])
        self.assertIsNone(r.disputes)
        self.assertIn("daily", r.tables)

    def test_provenance_attributes_are_python_values(self):
        r = load(SMALL)
        self.assertEqual(r.attrs["format"], "govsim-results")
        self.assertIsInstance(r.attrs["seed"], int)
        self.assertIsInstance(r.attrs["scenario_text"], str)
        self.assertEqual(r.attrs["replicates"], 3)

    def test_not_a_results_file(self):
        with TempFolder() as folder:
            text = os.path.join(folder, "notes.txt")
            with open(text, "w") as out:
                out.write("not HDF5\n")
            other = os.path.join(folder, "other.h5")
            with h5py.File(other, "w") as f:
                f["x"] = [1, 2, 3]
            for path, words in [(os.path.join(folder, "missing.h5"), "no such file"),
                                (text, "not an HDF5 file"),
                                (other, "not a govsim results file")]:
                with self.assertRaises(ResultsError) as caught:
                    load(path)
                self.assertIn(path, str(caught.exception))
                self.assertIn(words, str(caught.exception))
            self.assertEqual(len(load(other, check_format=False).tables), 0)


if __name__ == "__main__":
    unittest.main()
