"""Figure functions on small results files: what each draws is the file's data (points and
intervals at the file's values), axes are labelled with units, figures the file has no data
for are skipped with a reason, and the Chinese labels render with a CJK font."""
import functools
import io
import os
import unittest
import warnings

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from common import NO_BASELINE, SINGLE, SMALL, TempFolder, copy_with  # noqa: E402
from govsim_results import figures, labels, load  # noqa: E402
from govsim_results.stats import mean_interval  # noqa: E402


@functools.lru_cache(maxsize=None)
def draw(path, lang="en", names=None):
    """The figures of results file `path` (only `names` if given), drawn once per test run
    (tests only read them)."""
    r = load(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph or any other warning fails the test
        drawn, skipped = figures.draw_all(r, lang, names)
    return r, {f.key: f for f in drawn}, dict(skipped)


FUTURE = {"ranks", "sweep", "sensitivity"}  # tests in test_design_figures.py
DIFFERENCES = {"comparison", "relative", "cost", "equity"}  # need a model besides the baseline


def visible_axes(fig):
    return [ax for ax in fig.figure.axes if ax.get_visible()]


def interval_segments(ax):
    """Horizontal interval bars of a forest panel: (y, x0, x1) of each two-point line."""
    out = []
    for line in ax.get_lines():
        x, y = line.get_xdata(), line.get_ydata()
        if len(x) == 2 and y[0] == y[1] and x[0] != x[1]:
            out.append((float(y[0]), float(min(x)), float(max(x))))
    return out


class DrawAll(unittest.TestCase):
    def test_experiment_with_baseline(self):
        r, drawn, skipped = draw(SMALL)
        self.assertEqual(list(drawn), ["comparison", "comparison-relative", "cost", "yearly",
                                       "equity-lishui", "monthly-lishui", "daily-lishui"])
        # Only the figures of tables the results format does not have yet are skipped.
        self.assertEqual(set(skipped), FUTURE)

    def test_experiment_without_baseline(self):
        r, drawn, skipped = draw(NO_BASELINE)
        self.assertEqual(set(drawn), {"comparison", "comparison-relative", "cost", "yearly",
                                      "equity-lishui", "equity-dali", "monthly-lishui",
                                      "monthly-dali", "daily-lishui", "daily-dali"})
        # Differences are from each town's first model, and the caption says which.
        for key in ("comparison", "comparison-relative", "cost", "equity-dali"):
            self.assertIn("Shenzhen", drawn[key].caption, key)

    def test_single_scenario(self):
        r, drawn, skipped = draw(SINGLE)
        self.assertEqual(set(drawn), {"yearly", "monthly-lishui", "daily-lishui"})
        self.assertEqual(set(skipped), FUTURE | DIFFERENCES)
        for name in ("comparison", "relative", "equity"):
            self.assertIn("single model", skipped[name])
        self.assertIn("besides its baseline", skipped["cost"])

    def test_missing_tables_are_skipped_with_a_reason(self):
        r = load(SMALL, tables=["runs", "summary"])
        with plt.rc_context(figures.style("en")):
            _, skipped = figures.draw_all(r, "en")
        self.assertIn("/comparison", dict(skipped)["comparison"])
        self.assertIn("/cost_effectiveness", dict(skipped)["cost"])
        self.assertIn("/equity_comparison", dict(skipped)["equity"])
        self.assertIn("/monthly", dict(skipped)["monthly"])
        self.assertIn("/daily", dict(skipped)["daily"])

    def test_every_axis_is_labelled(self):
        for path in (SMALL, NO_BASELINE, SINGLE):
            _, drawn, _ = draw(path)
            for key, fig in drawn.items():
                for ax in visible_axes(fig):
                    # An axis sharing its y scale with its row's first shows no tick labels.
                    row = ax.get_shared_y_axes().get_siblings(ax)
                    self.assertTrue(any(a.get_ylabel() or any(t.get_text() for t in a.get_yticklabels())
                                        for a in row), f"{key}: y axis")
                    column = ax.get_shared_x_axes().get_siblings(ax)
                    self.assertTrue(any(a.get_xlabel() or any(t.get_text() for t in a.get_xticklabels())
                                        for a in column), f"{key}: x axis")
                    # What is drawn: a panel title, or its column's (yearly: metrics by column).
                    self.assertTrue(any(a.get_title() for a in column) or ax.get_ylabel(),
                                    f"{key}: what is drawn")


class Forest(unittest.TestCase):
    def check(self, key, columns, unit_of):
        r, drawn, _ = draw(SMALL)
        axes = visible_axes(drawn[key])
        table = r.evaluation()
        self.assertTrue((table["year"] == 0).all())
        metrics = r.orders["metric"]
        self.assertEqual(len(axes), len(metrics))
        for ax, metric in zip(axes, metrics):
            scale, unit = unit_of(metric)
            self.assertIn("difference from the baseline", ax.get_xlabel())
            self.assertIn(unit, ax.get_xlabel())
            rows = table[(table["metric"] == metric) & (table["model"].astype(str) != "baseline")]
            expected = sorted((scale * lo, scale * hi) for lo, hi in
                              zip(rows[columns[1]], rows[columns[2]]) if np.isfinite(lo))
            found = sorted((x0, x1) for _, x0, x1 in interval_segments(ax))
            self.assertEqual(len(found), len(expected), metric)
            np.testing.assert_allclose(found, expected, rtol=1e-12)
            drawn_points = sorted(float(line.get_xdata()[0]) for line in ax.get_lines()
                                  if len(line.get_xdata()) == 1)
            np.testing.assert_allclose(drawn_points, sorted(scale * rows[columns[0]]), rtol=1e-12)
        labels_shown = [t.get_text() for t in axes[0].get_yticklabels()]
        self.assertEqual(labels_shown, ["Lishui · Lishui model", "Lishui · Denghu model"])
        self.assertIn("evaluation period 2016", drawn[key].title)

    def test_absolute_differences_are_the_evaluation_periods(self):
        def unit_of(metric):
            _, unit, scale = labels.metric(metric, "en")
            return scale, "percentage points" if scale == 100 else unit
        self.check("comparison", ("difference", "difference_lower", "difference_upper"), unit_of)

    def test_relative_changes_are_the_comparisons(self):
        self.check("comparison-relative", ("relative", "relative_lower", "relative_upper"),
                   lambda metric: (100.0, "% of the baseline's mean"))

    def test_one_replicate_draws_points_without_intervals(self):
        with TempFolder() as folder:
            with h5py.File(SMALL, "r") as f:
                raw = f["comparison"][()]
            for column in ("difference_lower", "difference_upper", "lower", "upper",
                           "relative_lower", "relative_upper"):
                raw[column] = np.nan
            path = copy_with(SMALL, folder, "nan.h5", tables={"comparison": raw})
            _, drawn, _ = draw(path, names=("comparison", "relative"))
        for key in ("comparison", "comparison-relative"):
            for ax in visible_axes(drawn[key]):
                self.assertEqual(interval_segments(ax), [])
                points = [line for line in ax.get_lines() if len(line.get_xdata()) == 1]
                self.assertEqual(len(points), 2)


class Costs(unittest.TestCase):
    def test_points_and_intervals_are_the_cost_effectiveness_table(self):
        r, drawn, _ = draw(SMALL)
        axes = visible_axes(drawn["cost"])
        table = r.cost_effectiveness
        self.assertEqual(len(axes), 2)
        for ax, outcome in zip(axes, ("extra_resolved", "complaints_avoided")):
            self.assertIn("million yuan per year", ax.get_xlabel())
            pts = sorted((float(line.get_xdata()[0]), float(line.get_ydata()[0]))
                         for line in ax.get_lines() if len(line.get_xdata()) == 1)
            expected = sorted(zip(1e-6 * table["extra_cost"], table[outcome]))
            np.testing.assert_allclose(pts, expected, rtol=1e-12)
            bars = [(list(line.get_xdata()), list(line.get_ydata())) for line in ax.get_lines()
                    if len(line.get_xdata()) == 2 and line.get_xdata()[0] == line.get_xdata()[1]
                    and line.get_ydata()[0] != line.get_ydata()[1]
                    and line.get_color() != "#333333"]  # not the zero line
            np.testing.assert_allclose(sorted(min(y) for _, y in bars),
                                       sorted(table[outcome + "_lower"]), rtol=1e-12)


class Equity(unittest.TestCase):
    def test_differences_by_group_are_the_equity_comparisons(self):
        r, drawn, _ = draw(SMALL)
        fig = drawn["equity-lishui"]
        table = r.equity_comparison
        table = table[table["model"].astype(str) != table["baseline"].astype(str)]
        dimensions = list(dict.fromkeys(table["dimension"].astype(str)))
        metrics = [m for m in r.orders["metric"] if m in set(table["metric"].astype(str))]
        axes = visible_axes(fig)
        self.assertEqual(len(axes), len(dimensions) * len(metrics))
        self.assertEqual([ax.get_title() for ax in axes[:len(dimensions)]],
                         [labels.name(d, "en") for d in dimensions])
        for i, ax in enumerate(axes):
            metric, dimension = metrics[i // len(dimensions)], dimensions[i % len(dimensions)]
            scale = labels.metric(metric, "en")[2]
            rows = table[(table["metric"].astype(str) == metric)
                         & (table["dimension"].astype(str) == dimension)]
            pts = sorted(float(line.get_ydata()[0]) for line in ax.get_lines()
                         if len(line.get_xdata()) == 1)
            np.testing.assert_allclose(pts, sorted(scale * rows["difference"]), rtol=1e-12)
        bottom = axes[-len(dimensions)]
        groups = list(dict.fromkeys(table[table["dimension"].astype(str) == dimensions[0]]["group"].astype(str)))
        self.assertEqual([t.get_text() for t in bottom.get_xticklabels()],
                         [labels.name(g, "en") for g in groups])


class TimeSeries(unittest.TestCase):
    @staticmethod
    def yearly_marks(ax):
        """Means (points of the error-bar lines) and error-bar lengths of a yearly panel."""
        means = sorted(y for line in ax.get_lines() for y in line.get_ydata()
                       if line.get_marker() not in ("", "None", "_") and len(line.get_xdata()) > 1)
        segments = [seg for coll in ax.collections if hasattr(coll, "get_segments")
                    for seg in coll.get_segments()]
        return means, sorted(abs(s[1][1] - s[0][1]) for s in segments)

    def test_yearly_points_are_the_comparisons_rows_by_year(self):
        r, drawn, _ = draw(SMALL)
        axes = visible_axes(drawn["yearly"])
        self.assertEqual(len(axes), len(figures.YEARLY_COMPARISON_METRICS))  # one town
        by_year = r.comparison_by_year()
        self.assertEqual(sorted(by_year["year"].unique()), [2014, 2015, 2016])  # no warm-up
        for ax, metric in zip(axes, figures.YEARLY_COMPARISON_METRICS):
            label, _, scale = labels.metric(metric, "en")
            self.assertIn(label, ax.get_title())
            rows = by_year[by_year["metric"] == metric]
            means, heights = self.yearly_marks(ax)
            np.testing.assert_allclose(means, sorted(scale * rows["mean"]), rtol=1e-12)
            np.testing.assert_allclose(heights, sorted(scale * (rows["upper"] - rows["lower"])),
                                       rtol=1e-9)
        self.assertEqual([t.get_text() for t in axes[0].get_xticklabels()],
                         ["2014", "2015", "2016"])

    def test_yearly_from_summary_without_rows_by_year(self):
        r = load(SMALL, tables=["runs", "summary"])  # as a format 2 file: no /comparison years
        with plt.rc_context(figures.style("en")):
            [fig] = figures.yearly_outcomes(r, "en")
        complaints = visible_axes(fig)[0]
        self.assertIn("complaints", complaints.get_title())
        stats = mean_interval(r.summary, ["model", "year"], "complaints")
        means, heights = self.yearly_marks(complaints)
        np.testing.assert_allclose(means, sorted(stats["mean"]))
        np.testing.assert_allclose(heights, sorted(stats["upper"] - stats["lower"]), rtol=1e-9)

    def test_monthly_bands_cover_each_models_interval(self):
        r, drawn, _ = draw(SMALL)
        fig = drawn["monthly-lishui"]
        axes = visible_axes(fig)
        self.assertEqual(len(axes), len(figures.MONTHLY_COLUMNS))
        satisfaction = axes[0]
        self.assertEqual(satisfaction.get_title(), "satisfaction with service")
        series = [line for line in satisfaction.get_lines() if len(line.get_xdata()) > 2]
        self.assertEqual(len(series), 3)  # one line per model (and the policy start)
        self.assertEqual(len(satisfaction.collections), 3)  # one band per model
        reported = r.reported("monthly")
        self.assertGreater(len(r.monthly), len(reported))  # the warm-up is left out
        self.assertEqual(reported["date"].min(), pd.Timestamp("2014-01-01"))
        stats = mean_interval(reported, ["model", "date"], "mean_satisfaction")
        for line, model in zip(series, r.models):
            np.testing.assert_allclose(line.get_ydata(), stats[stats["model"] == model]["mean"])

    def test_one_replicate_has_no_bands_or_error_bars(self):
        _, drawn, _ = draw(SINGLE)
        for ax in visible_axes(drawn["monthly-lishui"]):
            self.assertEqual(len(ax.collections), 0)
        for ax in visible_axes(drawn["yearly"]):
            self.assertEqual(len(ax.collections), 0)

    def test_daily_backlog_and_staffed_levels(self):
        r, drawn, _ = draw(SMALL)
        axes = visible_axes(drawn["daily-lishui"])
        long = r.daily_by_level(warmup=False)
        staffed = [lv for lv in r.levels if (long.loc[long["level"] == lv, "servers"] > 0).any()]
        self.assertEqual(len(axes), 1 + len(staffed))
        self.assertEqual([ax.get_title() for ax in axes[1:]],
                         [labels.name(lv, "en") for lv in staffed])
        backlog = axes[0]
        stats = mean_interval(r.reported("daily"), ["model", "date"], "open")
        np.testing.assert_allclose(backlog.get_lines()[0].get_ydata(),
                                   stats[stats["model"] == "baseline"]["mean"])

    def test_policy_start_is_marked_when_the_file_has_one(self):
        def marked(ax):
            return any(len(set(line.get_xdata())) == 1 and line.get_linestyle() == "--"
                       for line in ax.get_lines())

        # The small run's scenario sets [model] policy_start; the other run sets none.
        r, drawn, _ = draw(SMALL)
        self.assertEqual(figures.policy_start(r), pd.Timestamp("2015-03-01"))
        for key in ("monthly-lishui", "daily-lishui", "yearly"):
            self.assertTrue(all(marked(ax) for ax in visible_axes(drawn[key])), key)
        r, drawn, _ = draw(NO_BASELINE)
        self.assertIsNone(figures.policy_start(r))
        self.assertFalse(any(marked(ax) for ax in visible_axes(drawn["monthly-lishui"])))
        # A root attribute, where a file has one, is taken first.
        with TempFolder() as folder:
            path = copy_with(NO_BASELINE, folder, "policy.h5", attrs={"policy_start_day": 100})
            r, drawn, _ = draw(path, names=("yearly", "monthly"))
        self.assertEqual(figures.policy_start(r), pd.Timestamp("2015-04-11"))
        for key in ("monthly-lishui", "yearly"):
            self.assertTrue(all(marked(ax) for ax in visible_axes(drawn[key])), key)


class Chinese(unittest.TestCase):
    def test_labels_in_chinese_with_a_cjk_font(self):
        self.assertIsNotNone(figures.cjk_font(), "no CJK font: install fonts-noto-cjk")
        r, drawn, skipped = draw(SMALL, "zh")  # warnings (missing glyphs) are errors here
        self.assertEqual(list(drawn), ["comparison", "comparison-relative", "cost", "yearly",
                                       "equity-lishui", "monthly-lishui", "daily-lishui"])
        axes = visible_axes(drawn["monthly-lishui"])
        self.assertEqual(axes[0].get_title(), "服务满意度")
        self.assertIn("里水", drawn["monthly-lishui"].title)
        with plt.rc_context(figures.style("zh")):
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                for fig in drawn.values():
                    fig.figure.savefig(io.BytesIO(), format="png")


class Saving(unittest.TestCase):
    def test_png_and_svg(self):
        _, drawn, _ = draw(SINGLE)
        with TempFolder() as folder:
            paths = figures.save(drawn["yearly"], folder)
            self.assertEqual([os.path.basename(p) for p in paths], ["yearly.png", "yearly.svg"])
            with open(paths[0], "rb") as f:
                self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")
            with open(paths[1], encoding="utf-8") as f:
                svg = f.read()
            self.assertIn("<svg", svg)
            self.assertIn("complaints", svg)  # text kept as text (svg.fonttype none)


if __name__ == "__main__":
    unittest.main()
