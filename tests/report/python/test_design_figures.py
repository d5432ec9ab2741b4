"""Figures of the tables the results format does not have yet (per-run design table,
sensitivity, ranks), on synthetic files of the layout docs/report.md documents:
copies of the small run with such tables added. Each figure must draw the table's values and be
skipped, with a reason, when the table is absent."""
import functools
import os
import unittest
import warnings

import h5py
import numpy as np

from common import SMALL, TempFolder, copy_with
from govsim_results import figures, load
from govsim_results import design_figures as design

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


def sensitivity_table():
    rows = []
    for metric in ("complaints_per_year", "mean_resolution_days"):
        for p, parameter in enumerate(("escalation.escalate_base", "households.fee_threshold_mean",
                                       "firms.cost_per_unit_month")):
            for index, base in (("S1", 0.1), ("ST", 0.2)):
                estimate = base + 0.1 * p
                rows.append({"metric": metric, "parameter": parameter, "index": index,
                             "estimate": estimate, "lower": estimate - 0.05,
                             "upper": estimate + 0.04})
    return structured(rows, [("metric", "S"), ("parameter", "S"), ("index", "S"),
                             ("estimate", "f8"), ("lower", "f8"), ("upper", "f8")])


def ranks_table():
    probabilities = {"baseline": [0.0, 0.2, 0.8], "lishui": [0.3, 0.5, 0.2],
                     "denghu": [0.7, 0.3, 0.0]}
    rows = [{"town": "lishui", "model": model, "metric": metric, "rank": k + 1, "probability": p}
            for metric in ("complaints_per_year", "share_resolved_within_30_days")
            for model, ps in probabilities.items() for k, p in enumerate(ps)]
    return structured(rows, [("town", "S"), ("model", "S"), ("metric", "S"), ("rank", "u4"),
                             ("probability", "f8")]), probabilities


FOLDER = TempFolder()


def setUpModule():
    FOLDER.__enter__()


def tearDownModule():
    FOLDER.__exit__(None, None, None)


@functools.lru_cache(maxsize=None)
def fixture():
    """A copy of the small run with every future table added; loaded once."""
    ranks, _ = ranks_table()
    path = copy_with(SMALL, FOLDER.path, "future.h5",
                     attrs={"policy_start_date": "2015-03-01"},
                     tables={"run_metrics": sweep_table(), "sensitivity": sensitivity_table(),
                             "ranks": ranks})
    with h5py.File(path, "r+") as f:
        f["run_metrics"].attrs["design_parameters"] = "escalation.escalate_base households.fee_threshold_mean"
    return load(path)


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
        for function, words in ((design.sweep_curves, "design parameters"),
                                (design.sensitivity_indices, "/sensitivity"),
                                (design.rank_distributions, "/ranks")):
            with self.assertRaises(figures.Skip) as caught:
                function(r, "en")
            self.assertIn(words, str(caught.exception))
            with self.assertRaises(figures.Skip):
                function(r, "zh")


class Sweep(unittest.TestCase):
    def test_curves_are_means_over_replicates(self):
        r = fixture()
        [fig] = drawn(design.sweep_curves, r)
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
            [fig] = drawn(design.sweep_curves, load(path))
        line = [ln for ln in fig.figure.axes[0].get_lines() if len(ln.get_xdata()) > 1][0]
        self.assertEqual(len(line.get_xdata()), design.MAX_LEVELS)
        self.assertIn("bins", fig.caption)


class Sensitivity(unittest.TestCase):
    def test_indices_and_intervals_are_the_tables(self):
        r = fixture()
        [fig] = drawn(design.sensitivity_indices, r)
        table = r.tables["sensitivity"]
        axes = [ax for ax in fig.figure.axes if ax.get_visible()]
        self.assertEqual(len(axes), 2)
        for ax, metric in zip(axes, ("complaints_per_year", "mean_resolution_days")):
            rows = table[table["metric"].astype(str) == metric]
            self.assertEqual(sorted(x for x, _ in points(ax)), sorted(rows["estimate"]))
            bars = sorted((min(ln.get_xdata()), max(ln.get_xdata())) for ln in ax.get_lines()
                          if len(ln.get_xdata()) == 2 and ln.get_ydata()[0] == ln.get_ydata()[1])
            np.testing.assert_allclose(bars, sorted(zip(rows["lower"], rows["upper"])))
        self.assertEqual([t.get_text() for t in axes[0].get_yticklabels()],
                         ["escalation.escalate_base", "households.fee_threshold_mean",
                          "firms.cost_per_unit_month"])


class Ranks(unittest.TestCase):
    def test_bars_are_the_rank_probabilities(self):
        r = fixture()
        _, probabilities = ranks_table()
        [fig] = drawn(design.rank_distributions, r)
        ax = fig.figure.axes[0]
        for y, model in enumerate(MODELS):
            widths = [p.get_width() for p in ax.patches if abs(p.get_y() + 0.35 + y) < 1e-9]
            np.testing.assert_allclose(widths, 100 * np.array(probabilities[model]))
        self.assertEqual(ax.get_xlim(), (0.0, 100.0))


class Everything(unittest.TestCase):
    def test_draw_all_draws_every_figure_and_marks_the_policy_start(self):
        r = fixture()
        for lang in ("en", "zh"):
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                drawn_figures, skipped = figures.draw_all(r, lang, ("ranks", "sweep", "sensitivity"))
            self.assertEqual(skipped, [])
            self.assertEqual([f.key for f in drawn_figures],
                             ["ranks-lishui", "sweep-lishui", "sensitivity"])
        self.assertEqual(str(figures.policy_start(r).date()), "2015-03-01")
        self.assertTrue(os.path.exists(r.path))


if __name__ == "__main__":
    unittest.main()
