"""Figures of designed experiments: the per-run table of a sweep (on synthetic copies of the small
run), and /sensitivity and /robustness as govsim writes them (on the small designed runs of the
fixtures: a Sobol and a Morris design, parameter draws of two models). Each figure must draw the
table's values and be skipped, with a reason, when the table is absent."""
import functools
import os
import unittest
import warnings

import h5py
import numpy as np

from common import DESIGN_DRAWS, DESIGN_MORRIS, DESIGN_SOBOL, DESIGNS, SMALL, TempFolder, copy_with
from govsim_results import figures, load
from govsim_results import design_figures
from govsim_results import labels

MODELS = ["baseline", "lishui", "denghu"]


def structured(rows, fields):
    """A numpy structured array from dict rows: str fields as fixed-length UTF-8 bytes."""
    dtype = []
    for name, kind in fields:
        if kind == "S":
            width = max(len(str(r[name]).encode()) for r in rows)
            dtype.append((name, f"S{width}"))
        else:
            dtype.append((name, kind))
    out = np.empty(len(rows), dtype=dtype)
    for i, r in enumerate(rows):
        out[i] = tuple(str(r[n]).encode() if k == "S" else r[n] for n, k in fields)
    return out


def sweep_table(values_per_model=(0.1, 0.2, 0.3), replicates=3):
    rows = []
    for m, model in enumerate(MODELS):
        for value in values_per_model:
            for rep in range(replicates):
                rows.append({"town": "lishui", "model": model, "replicate": rep,
                             "escalation.escalate_base": value,
                             "households.fee_threshold_mean": 0.33,
                             "complaints_per_year": 500 * value + 10 * m + rep,
                             "share_resolved_within_30_days": 0.3 + 0.01 * m})
    return structured(rows, [("town", "S"), ("model", "S"), ("replicate", "u4"),
                             ("escalation.escalate_base", "f8"),
                             ("households.fee_threshold_mean", "f8"),
                             ("complaints_per_year", "f8"), ("share_resolved_within_30_days", "f8")])


FOLDER = TempFolder()


def setUpModule():
    FOLDER.__enter__()


def tearDownModule():
    FOLDER.__exit__(None, None, None)


@functools.lru_cache(maxsize=None)
def fixture():
    """A copy of the small run with a per-run table of design parameters added; loaded once."""
    path = copy_with(SMALL, FOLDER.path, "future.h5",
                     attrs={"policy_start_date": "2015-03-01"},
                     tables={"run_metrics": sweep_table()})
    with h5py.File(path, "r+") as f:
        f["run_metrics"].attrs["design_parameters"] = "escalation.escalate_base households.fee_threshold_mean"
    return load(path)


@functools.lru_cache(maxsize=None)
def designed(path):
    return load(path, skip=["daily"])


def drawn(function, results, lang="en"):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return function(results, lang)


def points(ax):
    return [(float(line.get_xdata()[0]), float(line.get_ydata()[0])) for line in ax.get_lines()
            if len(line.get_xdata()) == 1]


class Skipped(unittest.TestCase):
    def test_absent_tables_are_skipped_with_a_reason(self):
        r = load(SMALL)
        for function, words in ((design_figures.sweep_curves, "design parameters"),
                                (design_figures.sensitivity_indices, "/sensitivity"),
                                (design_figures.rank_distributions, "/robustness")):
            with self.assertRaises(figures.Skip) as caught:
                function(r, "en")
            self.assertIn(words, str(caught.exception))
            with self.assertRaises(figures.Skip):
                function(r, "zh")

    def test_each_design_has_the_table_of_its_kind(self):
        with self.assertRaises(figures.Skip):
            design_figures.rank_distributions(designed(DESIGN_SOBOL))
        with self.assertRaises(figures.Skip):
            design_figures.sensitivity_indices(designed(DESIGN_DRAWS))


class Sweep(unittest.TestCase):
    def test_curves_are_means_over_replicates(self):
        r = fixture()
        [fig] = drawn(design_figures.sweep_curves, r)
        self.assertEqual(fig.key, "sweep-lishui")
        axes = fig.figure.axes
        # Only the varied parameter gets a column; metrics by row.
        self.assertEqual(len(axes), 2)
        self.assertEqual(axes[1].get_xlabel(), "escalation.escalate_base")
        lines = [line for line in axes[0].get_lines() if len(line.get_xdata()) == 3]
        self.assertEqual(len(lines), 3)
        for m, line in enumerate(lines):  # mean over replicates 0, 1, 2 adds 1
            np.testing.assert_allclose(line.get_xdata(), [0.1, 0.2, 0.3])
            np.testing.assert_allclose(line.get_ydata(), 500 * np.array([0.1, 0.2, 0.3]) + 10 * m + 1)

    def test_a_sampled_design_is_binned(self):
        values = np.linspace(0.05, 0.5, 24)
        with TempFolder() as folder:
            path = copy_with(SMALL, folder, "lhs.h5",
                             tables={"run_metrics": sweep_table(values, replicates=1)})
            [fig] = drawn(design_figures.sweep_curves, load(path))
        line = [ln for ln in fig.figure.axes[0].get_lines() if len(ln.get_xdata()) > 1][0]
        self.assertEqual(len(line.get_xdata()), design_figures.MAX_LEVELS)
        self.assertIn("bins", fig.caption)


def interval_bars(ax):
    """The horizontal interval bars of a panel: (y, lower, upper)."""
    return sorted((float(ln.get_ydata()[0]), min(ln.get_xdata()), max(ln.get_xdata()))
                  for ln in ax.get_lines()
                  if len(ln.get_xdata()) == 2 and ln.get_ydata()[0] == ln.get_ydata()[1])


class SensitivityLong(unittest.TestCase):
    def test_wide_rows_become_one_row_per_kind_of_index(self):
        import pandas as pd

        nan = float("nan")
        wide = pd.DataFrame({
            "town": ["t", "t", "t"], "model": ["m", "m", "m"], "metric": ["a", "a", "b"],
            "parameter": ["p", "q", "p"], "method": ["sobol", "sobol", "morris"],
            "first_order": [0.2, nan, nan], "first_order_lower": [0.1, nan, nan],
            "first_order_upper": [0.3, nan, nan], "total_order": [0.5, 0.0, nan],
            "total_order_lower": [0.4, nan, nan], "total_order_upper": [0.6, nan, nan],
            "mu": [nan, nan, -2.0], "mu_star": [nan, nan, 3.0], "mu_star_lower": [nan, nan, 2.5],
            "mu_star_upper": [nan, nan, 3.5], "sigma": [nan, nan, 1.0]})
        long = design_figures.sensitivity_long(wide)
        got = sorted((r.metric, r.parameter, r.index, r.estimate,
                      None if np.isnan(r.lower) else r.lower) for r in long.itertuples())
        # The estimate NaN (first order of q) is left out; sigma has no interval.
        self.assertEqual(got, [("a", "p", "first_order", 0.2, 0.1), ("a", "p", "total_order", 0.5, 0.4),
                               ("a", "q", "total_order", 0.0, None),
                               ("b", "p", "mu_star", 3.0, 2.5), ("b", "p", "sigma", 1.0, None)])


class Sensitivity(unittest.TestCase):
    def check_panels(self, path, kinds, scaled):
        r = designed(path)
        [fig] = drawn(design_figures.sensitivity_indices, r)
        self.assertEqual(fig.key, "sensitivity-lishui-baseline")
        table = r.tables["sensitivity"]
        parameters = list(dict.fromkeys(table["parameter"]))
        axes = [ax for ax in fig.figure.axes if ax.get_visible()]
        # The headline metrics first, each panel titled with its label.
        titles = [ax.get_title() for ax in axes]
        self.assertEqual(titles[:3], ["complaints", "resolved", "abandoned by the household"])
        self.assertEqual(len(axes), 6)
        low, high = design_figures.SOBOL_RANGE
        for ax in axes:
            metric = next(m for m in r.orders["metric"] if labels.metric(m, "en")[0] == ax.get_title())
            scale = labels.metric(metric, "en")[2] if scaled else 1.0
            rows = table[table["metric"] == metric]
            expected, bars = [], []
            for _, row in rows.iterrows():
                j = parameters.index(row["parameter"])
                for k, (kind, lower, upper) in enumerate(kinds):
                    x = scale * row[kind]
                    if not np.isfinite(x):
                        continue
                    y = -j + (-0.12 if k == 0 else 0.12)
                    cut = (lambda v: min(max(v, low), high)) if not scaled else (lambda v: v)
                    expected.append((cut(x), y))
                    if lower and np.isfinite(row[lower]) and np.isfinite(row[upper]):
                        bars.append((y, cut(scale * row[lower]), cut(scale * row[upper])))
            np.testing.assert_allclose(sorted(points(ax)), sorted(expected))
            np.testing.assert_allclose(interval_bars(ax), sorted(bars))
        self.assertEqual([t.get_text() for t in axes[0].get_yticklabels()], parameters)
        return fig

    def test_sobol_first_and_total_order_with_their_intervals(self):
        fig = self.check_panels(DESIGN_SOBOL, (("first_order", "first_order_lower", "first_order_upper"),
                                               ("total_order", "total_order_lower", "total_order_upper")),
                                scaled=False)
        self.assertEqual(fig.figure.axes[0].get_xlim(), design_figures.SOBOL_RANGE)
        self.assertIn("Sobol", fig.title)

    def test_morris_mu_star_with_its_interval_and_sigma(self):
        fig = self.check_panels(DESIGN_MORRIS, (("mu_star", "mu_star_lower", "mu_star_upper"),
                                                ("sigma", None, None)), scaled=True)
        self.assertIn("Morris", fig.title)

    def test_an_estimate_beyond_the_range_is_cut_with_a_hollow_marker(self):
        r = designed(DESIGN_SOBOL)
        table = r.tables["sensitivity"].copy()
        table["first_order"] = 1.7
        table["first_order_lower"] = -0.5
        table["first_order_upper"] = 3.0
        r2 = type(r)(r.path, r.attrs, dict(r.tables, sensitivity=table), r.start_year, r.orders)
        [fig] = drawn(design_figures.sensitivity_indices, r2)
        ax = fig.figure.axes[0]
        low, high = design_figures.SOBOL_RANGE
        hollow = [ln for ln in ax.get_lines() if len(ln.get_xdata()) == 1
                  and ln.get_markerfacecolor() == "white"]
        self.assertEqual(len(hollow), 2)  # the two parameters' first-order estimates
        self.assertTrue(all(ln.get_xdata()[0] == high for ln in hollow))
        self.assertIn((low, high), [(lo, hi) for _, lo, hi in interval_bars(ax)])


class Ranks(unittest.TestCase):
    def test_bars_are_the_rank_probabilities(self):
        r = designed(DESIGN_DRAWS)
        table = r.tables["robustness"]
        [fig] = drawn(design_figures.rank_distributions, r)
        self.assertEqual(fig.key, "ranks-lishui")
        self.assertIn(f"{int(table['draws'].max())} parameter draws", fig.caption)
        axes = [ax for ax in fig.figure.axes if ax.get_visible()]
        self.assertEqual(axes[0].get_title(), "complaints (lower is better)")
        self.assertEqual(axes[1].get_title(), "resolved (higher is better)")
        for ax in axes:
            metric = next(m for m in r.orders["metric"]
                          if ax.get_title().startswith(labels.metric(m, "en")[0] + " ("))
            for y, model in enumerate(["baseline", "lishui"]):
                row = table[(table["metric"] == metric) & (table["model"] == model)].iloc[0]
                widths = [p.get_width() for p in ax.patches if abs(p.get_y() + 0.35 + y) < 1e-9]
                np.testing.assert_allclose(widths, [100 * row["rank_1"], 100 * row["rank_2"]])
            self.assertEqual(ax.get_xlim(), (0.0, 100.0))


class Everything(unittest.TestCase):
    def test_draw_all_draws_the_design_figures_and_marks_the_policy_start(self):
        r = fixture()
        for lang in ("en", "zh"):
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                drawn_figures, skipped = figures.draw_all(r, lang, ("sweep",))
            self.assertEqual(skipped, [])
            self.assertEqual([f.key for f in drawn_figures], ["sweep-lishui"])
        self.assertEqual(str(figures.policy_start(r).date()), "2015-03-01")
        self.assertTrue(os.path.exists(r.path))

    def test_designed_runs_in_both_languages(self):
        expected = {DESIGN_SOBOL: ["sweep-lishui", "sensitivity-lishui-baseline"],
                    DESIGN_MORRIS: ["sweep-lishui", "sensitivity-lishui-baseline"],
                    DESIGN_DRAWS: ["ranks-lishui", "sweep-lishui"]}
        for path in DESIGNS:
            for lang in ("en", "zh"):
                with warnings.catch_warnings():
                    warnings.simplefilter("error")
                    drawn_figures, _ = figures.draw_all(designed(path), lang,
                                                        ("ranks", "sweep", "sensitivity"))
                self.assertEqual([f.key for f in drawn_figures], expected[path], (path, lang))


if __name__ == "__main__":
    unittest.main()
