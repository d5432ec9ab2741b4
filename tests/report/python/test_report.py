"""The HTML report at the unit level: sections, tables with the file's numbers, caveats that
apply, and a page that holds nothing from outside. (tests/report/check_page.py opens the page
made by `govsim report` in a browser.)"""
import functools
import re
import unittest

from common import NO_BASELINE, SINGLE, SMALL, TempFolder, copy_with
from govsim_results import load, report


FAST = ("comparison",)  # only the forest plot: the figures have tests of their own


@functools.lru_cache(maxsize=None)
def page(path, lang="en"):
    return report.build(load(path), lang, figure_names=FAST)


class Report(unittest.TestCase):
    def test_sections_in_order(self):
        for path in (SMALL, NO_BASELINE, SINGLE):
            html = page(path)
            found = re.findall(r'<section id="([a-z]+)">', html)
            self.assertEqual(found, list(report.SECTIONS), path)

    def test_provenance(self):
        r = load(SMALL)
        html = page(SMALL)
        self.assertIn(r.attrs["command_line"], html)
        self.assertIn("tests/report/data/small-comparison.toml", html)
        self.assertIn("scenarios/models/denghu.toml", html)  # scenario files listed
        self.assertIn(f"<td>{r.attrs['seed']}</td>", html)
        self.assertIn("2014–2015", html)

    def test_comparison_tables_hold_the_files_numbers(self):
        r = load(SMALL)
        html = page(SMALL)
        row = r.comparison[(r.comparison["model"] == "denghu")
                           & (r.comparison["metric"] == "complaints_per_year")].iloc[0]
        self.assertIn(report._cell(row["difference"], row["difference_lower"],
                                   row["difference_upper"], 1.0, signed=True), html)
        self.assertIn("paired difference from baseline", html)
        # A clear difference (interval excluding zero) is in bold, and only those.
        table = re.search(r'<table class="data diff">.*?</table>', html, re.S).group(0)
        body = re.search(r"<tbody>(.*)</tbody>", table, re.S).group(1)
        rows = re.findall(r"<tr><th>([^<]+)</th>(.*?)</tr>", body, re.S)
        self.assertEqual([name for name, _ in rows], ["Lishui model", "Denghu model"])
        for (name, cells), model in zip(rows, ["lishui", "denghu"]):
            marked = [c == "clear" for c in re.findall(r'<td class="([a-z]*)">', cells)]
            expected = []
            for metric in r.orders["metric"]:
                row = r.comparison[(r.comparison["model"] == model)
                                   & (r.comparison["metric"] == metric)].iloc[0]
                expected.append(bool(row["difference_lower"] > 0 or row["difference_upper"] < 0))
            self.assertEqual(marked, expected, model)
        self.assertTrue(any("clear" in c for _, c in rows))  # the small run has clear ones

    def test_no_baseline_and_single_scenario(self):
        self.assertIn("paired difference from Shenzhen model", page(NO_BASELINE))
        html = page(SINGLE)
        self.assertIn("single model", html)
        self.assertIn("Not drawn: forest plot of differences", html)
        self.assertNotIn("paired difference from", html)

    def test_caveats_that_apply(self):
        html = page(SMALL)
        for words in ("83 in 2014 and 131 in 2015", "<b>Calibrated</b>", "<b>Assumptions</b>",
                      "replicate", "no policy start date"):
            self.assertIn(words, html)
        self.assertNotIn("<b>Other towns</b>", html)  # Lishui only
        r = load(SMALL)
        totals = r.summary.groupby("model", observed=True)[["abandoned", "disputes"]].sum()
        shares = 100 * totals["abandoned"] / totals["disputes"]
        self.assertIn(f"{shares.min():.0f}–{shares.max():.0f}% of disputes", html)
        self.assertIn("<b>Other towns</b>: Dali", page(NO_BASELINE))
        with TempFolder() as folder:
            path = copy_with(SMALL, folder, "policy.h5", attrs={"policy_start_day": 400})
            html = report.build(load(path), "en", figure_names=())
        self.assertNotIn("no policy start date", html)

    def test_chinese(self):
        html = page(SMALL, "zh")
        self.assertIn('<html lang="zh-CN">', html)
        for words in ("运行内容", "治理模式比较", "图表", "数字的依据与局限", "里水模式", "登湖模式"):
            self.assertIn(words, html)

    def test_self_contained(self):
        html = page(SMALL)
        self.assertIsNone(re.search(r"""(src|href)\\s*=\\s*["']?(https?:)?//""", html))
        self.assertNotIn("<link", html)
        self.assertEqual(len(re.findall(r'<img src="data:image/png;base64,', html)), 1)

    def test_figures_drawn_in_parallel_are_the_same(self):
        from govsim_results import figures

        r = load(NO_BASELINE)
        serial = figures.render_all(r, "en", ("monthly", "cost"), svg=True, jobs=1)
        parallel = figures.render_all(r, "en", ("monthly", "cost"), svg=True, jobs=2)
        self.assertEqual([f.key for f in serial[0]], ["monthly-lishui", "monthly-dali"])
        self.assertEqual([name for name, _ in serial[1]], ["cost"])
        self.assertEqual(serial, parallel)  # same figures, same order, same bytes

    def test_written_atomically(self):
        with TempFolder() as folder:
            target = f"{folder}/r.html"
            report.write(load(SINGLE), target, figure_names=FAST)
            with open(target, encoding="utf-8") as f:
                self.assertTrue(f.read().startswith("<!DOCTYPE html>"))
            import os
            self.assertEqual(os.listdir(folder), ["r.html"])


if __name__ == "__main__":
    unittest.main()
