"""The HTML report at the unit level: sections, tables with the file's numbers, caveats that
apply, and a page that holds nothing from outside. (tests/report/check_page.py opens the page
made by `govsim report` in a browser.)"""
import functools
import re
import unittest

from common import DESIGN_DRAWS, DESIGN_SOBOL, NO_BASELINE, SINGLE, SMALL, TempFolder, copy_with
from govsim_results import labels, load, report


FAST = ("comparison",)  # only the forest plot: the figures have tests of their own


@functools.lru_cache(maxsize=None)
def page(path, lang="en"):
    return report.build(load(path), lang, figure_names=FAST)


class Report(unittest.TestCase):
    def test_sections_in_order(self):
        without = [s for s in report.SECTIONS if s != "robustness"]
        for path in (SMALL, NO_BASELINE, SINGLE, DESIGN_SOBOL):
            html = page(path)
            found = re.findall(r'<section id="([a-z]+)">', html)
            self.assertEqual(found, without, path)
        # Parameter draws of several models add the robustness section.
        found = re.findall(r'<section id="([a-z]+)">', page(DESIGN_DRAWS))
        self.assertEqual(found, list(report.SECTIONS))

    def test_robustness_table_holds_the_files_numbers(self):
        r = load(DESIGN_DRAWS)
        table = r.tables["robustness"]
        for lang in ("en", "zh"):
            html = page(DESIGN_DRAWS, lang)
            robust = re.search(r'<table class="data robust">.*?</table>', html, re.S).group(0)
            head = re.search(r"<thead>.*?</thead>", robust, re.S).group(0)
            # The headline metrics, in the planner's order.
            order = [head.index(labels.metric(m, lang)[0]) for m in
                     ("complaints_per_year", "resolved_share", "abandoned_share",
                      "burden_per_1000_households_per_year", "public_cost_per_year")]
            self.assertEqual(order, sorted(order))
            body = re.search(r"<tbody>.*?</tbody>", robust, re.S).group(0)
            rows = dict(re.findall(r"<tr><th>([^<]+)</th>(.*?)</tr>", body, re.S))
            self.assertEqual(list(rows), [labels.name(m, lang, "model") for m in ("baseline", "lishui")])
            cells = re.findall(r'<td[^>]*><span class="p">([^<]+)</span><br>'
                               r'<span class="regret">[^<]* ([^<]+)</span></td>',
                               rows[labels.name("lishui", lang, "model")])
            for (share, regret), metric in zip(cells, ("complaints_per_year", "resolved_share")):
                row = table[(table["model"] == "lishui") & (table["metric"] == metric)].iloc[0]
                self.assertEqual(share, f"{100 * row['p_beats_baseline']:.0f}%")
                self.assertEqual(regret, report._number(row["expected_regret"],
                                                        labels.metric(metric, lang)[2]))
            # The baseline does not beat itself: no share, but its regret.
            baseline_cells = re.findall(r'<span class="p">([^<]+)</span>',
                                        rows[labels.name("baseline", lang, "model")])
            self.assertEqual(set(baseline_cells), {"—"})

    def test_a_design_without_comparison(self):
        for lang in ("en", "zh"):
            html = report.build(load(DESIGN_SOBOL), lang)  # every figure: none may fail
            comparison = re.search(r'<section id="comparison">.*?</section>', html, re.S).group(0)
            self.assertIn("/comparison", comparison)
            self.assertIn("sobol", comparison)
            self.assertIn('id="fig-sensitivity-lishui-baseline"', html)
            # The figures a design cannot have share one note saying why.
            notes = re.findall(r'<p class="note">([^<]*)</p>', html)
            self.assertEqual(sum("/equity_comparison" in n for n in notes), 1)
            self.assertFalse(any("format 3" in n or "格式 3" in n for n in notes))
        self.assertIn("sobol: 16 points, 2 parameters, seed 3", page(DESIGN_SOBOL))
        # Its yearly, monthly and daily figures average over the design's points: the captions
        # and the caveats say so.
        html = report.build(load(DESIGN_SOBOL), "en", figure_names=("yearly", "monthly", "daily"))
        self.assertIn("<b>A designed experiment</b> (sobol, 16 points)", html)
        captions = re.findall(r"<figcaption>(.*?)</figcaption>", html, re.S)
        drawn = [c for c in captions if "every run of every design point" in c]
        self.assertGreaterEqual(len(drawn), 3, captions)

    def test_provenance(self):
        r = load(SMALL)
        html = page(SMALL)
        self.assertIn(r.attrs["command_line"], html)
        self.assertIn("tests/report/data/small-comparison.toml", html)
        self.assertIn("scenarios/models/denghu.toml", html)  # scenario files listed
        self.assertIn(f"<td>{r.attrs['seed']}</td>", html)
        self.assertIn("2014–2016", html)  # reported years: the warm-up is not among them

    def test_comparison_tables_hold_the_files_numbers(self):
        r = load(SMALL)
        html = page(SMALL)
        evaluation = r.evaluation()  # the tables are the evaluation period's (year 0) rows
        row = evaluation[(evaluation["model"] == "denghu")
                         & (evaluation["metric"] == "complaints_per_year")].iloc[0]
        self.assertIn(report._cell(row["difference"], row["difference_lower"],
                                   row["difference_upper"], 1.0, signed=True)
                      + report._relative_cell(row), html)
        self.assertIn("paired difference from baseline over the evaluation period 2016", html)
        # Government cases and the resolved and abandoned shares stand beside complaints.
        head = re.search(r'<table class="data diff">.*?</thead>', html, re.S).group(0)
        order = [head.index(w) for w in ("complaints", "government cases", "resolved",
                                         "abandoned by the household")]
        self.assertEqual(order, sorted(order))
        # A clear difference (interval excluding zero) is in bold, and only those.
        table = re.search(r'<table class="data diff">.*?</table>', html, re.S).group(0)
        body = re.search(r"<tbody>(.*)</tbody>", table, re.S).group(1)
        rows = re.findall(r"<tr><th>([^<]+)</th>(.*?)</tr>", body, re.S)
        self.assertEqual([name for name, _ in rows], ["Lishui model", "Denghu model"])
        for (name, cells), model in zip(rows, ["lishui", "denghu"]):
            marked = [c == "clear" for c in re.findall(r'<td class="([a-z]*)">', cells)]
            expected = []
            for metric in r.orders["metric"]:
                row = evaluation[(evaluation["model"] == model)
                                 & (evaluation["metric"] == metric)].iloc[0]
                expected.append(bool(row["difference_lower"] > 0 or row["difference_upper"] < 0))
            self.assertEqual(marked, expected, model)
        self.assertTrue(any("clear" in c for _, c in rows))  # the small run has clear ones

    def test_time_to_effect_and_costs(self):
        r = load(SMALL)
        html = page(SMALL)
        table = re.search(r'<table class="data effect">.*?</table>', html, re.S).group(0)
        self.assertIn("policy start: 2015-03-01", table)
        body = re.search(r"<tbody>(.*)</tbody>", table, re.S).group(1)
        evaluation = r.evaluation()
        for name, model in (("Lishui model", "lishui"), ("Denghu model", "denghu")):
            cells = re.search(rf"<tr><th>{name}</th>(.*?)</tr>", body, re.S).group(1)
            shown = re.findall(r"<td>([^<]*)</td>", cells)
            rows = evaluation[evaluation["model"] == model].set_index("metric")
            expected = [str(int(rows.loc[m, "first_significant_year"]))
                        if rows.loc[m, "first_significant_year"] > 0 else "—"
                        for m in r.orders["metric"]]
            self.assertEqual(shown, expected, model)
        costs = re.search(r'<table class="data costs">.*?</table>', html, re.S).group(0)
        row = r.cost_effectiveness[r.cost_effectiveness["model"] == "denghu"].iloc[0]
        self.assertIn(report._cell(row["extra_cost"], row["extra_cost_lower"],
                                   row["extra_cost_upper"], 1.0, signed=True), costs)
        self.assertIn(report._cell(row["cost_per_extra_resolved"],
                                   row["cost_per_extra_resolved_lower"],
                                   row["cost_per_extra_resolved_upper"], 1.0), costs)
        self.assertIn("scenarios/parameters/nanhai.toml", costs)

    def test_no_baseline_and_single_scenario(self):
        self.assertIn("paired difference from Shenzhen model", page(NO_BASELINE))
        html = page(SINGLE)
        self.assertIn("single model", html)
        self.assertIn("Not drawn: forest plot of differences", html)
        self.assertNotIn("paired difference from", html)

    def test_caveats_that_apply(self):
        html = page(SMALL)
        for words in ("83 in 2014 and 131 in 2015", "<b>Calibrated</b>", "<b>Assumptions</b>",
                      "replicate", "seven patterns", "<b>Costs are assumptions</b>",
                      "[costs]", "<b>The unresolved burden</b>", "<b>History, then policy</b>",
                      "policy start (2015-03-01)", "evaluation period 2016", "<b>Warm-up</b>: 1"):
            self.assertIn(words, html)
        self.assertNotIn("<b>No policy start</b>", html)
        self.assertNotIn("<b>Start-up</b>", html)
        self.assertNotIn("<b>Other towns</b>", html)  # Lishui only
        self.assertNotIn("<b>A designed experiment</b>", html)
        self.assertNotIn("every run of every design point", html)
        r = load(SMALL)
        totals = r.summary.groupby("model", observed=True)[["abandoned", "disputes"]].sum()
        shares = 100 * totals["abandoned"] / totals["disputes"]
        self.assertIn(f"{shares.min():.0f}–{shares.max():.0f}% of disputes", html)
        self.assertIn("<b>Other towns</b>: Dali", page(NO_BASELINE))
        self.assertIn("<b>No policy start</b>", page(NO_BASELINE))
        with TempFolder() as folder:
            path = copy_with(SINGLE, folder, "no-warmup.h5", attrs={"warmup_years": 0})
            html = report.build(load(path), "en", figure_names=())
        self.assertIn("<b>Start-up</b>", html)
        self.assertNotIn("<b>Warm-up</b>", html)

    def test_a_format_2_file_still_makes_a_report(self):
        # Format 2: one comparison row per town, model and metric over the whole run, without
        # years, relative changes, time to effect, costs or equity.
        import h5py
        import numpy.lib.recfunctions as rf

        with h5py.File(SMALL, "r") as f:
            raw = f["comparison"][()]
        old = rf.drop_fields(raw[raw["year"] == 0],
                             ["year", "first_year", "last_year", "relative", "relative_lower",
                              "relative_upper", "first_significant_year"], usemask=False)
        with TempFolder() as folder:
            path = copy_with(SMALL, folder, "format2.h5", attrs={"format_version": 2},
                             tables={"comparison": old})
            with h5py.File(path, "r+") as f:
                for name in ("cost_effectiveness", "equity_comparison", "equity"):
                    del f[name]
            r = load(path)
            html = report.build(r, "en", figure_names=("comparison", "relative", "cost", "yearly"))
        self.assertIn("paired difference from baseline over the whole run", html)
        self.assertNotIn('class="data effect"', html)
        self.assertNotIn('class="data costs"', html)
        for name in ("forest plot of relative changes", "cost against outcome"):
            self.assertIn(f"Not drawn: {name}", html)
        self.assertIn('id="fig-yearly"', html)  # from /summary

    def test_chinese(self):
        html = page(SMALL, "zh")
        self.assertIn('<html lang="zh-CN">', html)
        for words in ("运行内容", "治理模式比较", "图表", "数字的依据与局限", "里水模式", "登湖模式",
                      "见效时间", "评估期 2016 年", "成本是假设值", "政府受理案件"):
            self.assertIn(words, html)

    def test_self_contained(self):
        html = page(SMALL)
        self.assertIsNone(re.search(r"""(src|href)\\s*=\\s*["']?(https?:)?//""", html))
        self.assertNotIn("<link", html)
        self.assertEqual(len(re.findall(r'<img src="data:image/png;base64,', html)), 1)

    def test_figures_drawn_in_parallel_are_the_same(self):
        from govsim_results import figures

        r = load(NO_BASELINE)
        names = ("monthly", "equity", "ranks")
        serial = figures.render_all(r, "en", names, svg=True, jobs=1)
        parallel = figures.render_all(r, "en", names, svg=True, jobs=2)
        self.assertEqual([f.key for f in serial[0]],
                         ["equity-lishui", "equity-dali", "monthly-lishui", "monthly-dali"])
        self.assertEqual([name for name, _ in serial[1]], ["ranks"])
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
