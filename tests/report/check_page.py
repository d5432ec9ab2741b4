"""End-to-end test of `govsim report`: builds the report of a small run, opens it in headless
Chromium and checks what a reader would see.

- The page is self-contained: every image is an embedded PNG that decodes, and nothing is loaded
  from elsewhere (no http(s) or protocol-relative URL, no external script, style sheet or font).
- Every section (provenance, comparison, figures, caveats; robustness when the file has
  /robustness) and every expected figure is there.
- In the browser (`--dump-dom` after load) every image decoded (naturalWidth > 0), none is
  broken, and no script error was raised.
- A screenshot has the requested size and is not blank.
- With --figures, each figure is also written as PNG and SVG.

usage: check_page.py GOVSIM RESULTS.h5 OUT_DIR LANG [--figures] FIGURE_KEY...
Exit status 0 when every check passes; each failure is printed.
"""
import base64
import os
import re
import shutil
import struct
import subprocess
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.image as mpimg  # noqa: E402
import numpy as np  # noqa: E402

SECTIONS = ("provenance", "comparison", "figures", "caveats")
SCREEN = (1280, 2400)


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def browser_args(profile):
    args = [chromium(), "--headless", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
            "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--virtual-time-budget=15000"]
    if os.geteuid() == 0:
        args.append("--no-sandbox")  # Chromium refuses to run as root with its sandbox
    return args


def png_size(data: bytes):
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", data[16:24])


def main():
    govsim, results, out, lang, *keys = sys.argv[1:]
    with_files = "--figures" in keys
    keys = [k for k in keys if k != "--figures"]
    failures = []

    def check(condition, message):
        if not condition:
            failures.append(message)

    os.makedirs(out, exist_ok=True)
    page = os.path.join(out, f"report-{lang}.html")
    figures_dir = os.path.join(out, f"figures-{lang}")
    shutil.rmtree(figures_dir, ignore_errors=True)
    command = [govsim, "report", results, "-o", page, "--lang", lang]
    if with_files:
        command += ["--figures", figures_dir]
    run = subprocess.run(command, capture_output=True, text=True)
    if run.returncode != 0:
        print(f"govsim report failed ({run.returncode}):\n{run.stdout}{run.stderr}")
        return 1

    with open(page, encoding="utf-8") as f:
        html = f.read()
    # Self-contained: no reference to anything outside the page.
    check(not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html, re.I),
          "the page references an outside URL")
    check(not re.search(r"<link\b", html, re.I), "the page links a style sheet or font")
    check(not re.search(r"<script\b[^>]*\bsrc\s*=", html, re.I), "the page loads a script")
    check(not re.search(r"@import|url\((?!['\"]?data:)", html, re.I), "the style loads a resource")
    check(f'<html lang="{"zh-CN" if lang == "zh" else "en"}"' in html, "page language")
    sections = SECTIONS
    with h5py.File(results, "r") as f:
        if "robustness" in f:  # parameter draws of several models: their section too
            sections = SECTIONS[:2] + ("robustness",) + SECTIONS[2:]
    for section in sections:
        check(re.search(rf'<section id="{section}"><h2>[^<]+</h2>', html) is not None,
              f"section {section} missing")
    figures = re.findall(r'<figure id="fig-([^"]+)"><h3>[^<]+</h3><img src="([^"]*)" alt="[^"]+">'
                         r"<figcaption>[^<]+</figcaption>", html)
    check([k for k, _ in figures] == keys, f"figures {[k for k, _ in figures]}, expected {keys}")
    check(len(re.findall(r"<img\b", html)) == len(figures), "an image outside a figure")
    for key, src in figures:
        prefix = "data:image/png;base64,"
        if not src.startswith(prefix):
            failures.append(f"figure {key}: not an embedded PNG")
            continue
        size = png_size(base64.b64decode(src[len(prefix):]))
        check(size is not None and size[0] > 300 and size[1] > 200,
              f"figure {key}: embedded image is not a PNG of a figure ({size})")
    if lang == "zh":
        check("治理模式比较" in html and "数字的依据与局限" in html, "Chinese section titles")
        check("What was run" not in html, "English text in the Chinese page")
    else:
        check("Comparison of governance models" in html, "English section titles")

    # Each figure as PNG and SVG.
    for key in keys if with_files else []:
        for ext in ("png", "svg"):
            path = os.path.join(figures_dir, f"{key}.{ext}")
            check(os.path.isfile(path) and os.path.getsize(path) > 1000, f"--figures: {path}")

    # In the browser.
    browser = chromium()
    if browser is None:
        failures.append("chromium not found (Debian package chromium, scripts/install-deps.sh)")
    else:
        profile = os.path.join(out, f"chromium-profile-{lang}")
        url = "file://" + os.path.abspath(page)
        env = dict(os.environ, HOME=out)
        dom = subprocess.run(browser_args(profile) + ["--dump-dom", url], capture_output=True,
                             text=True, timeout=120, env=env)
        check(dom.returncode == 0, f"chromium --dump-dom exited {dom.returncode}: {dom.stderr[-2000:]}")
        root = re.search(r"<html[^>]*>", dom.stdout)
        root = root.group(0) if root else ""
        loaded = re.search(r'data-images-loaded="(\d+)"', root)
        broken = re.search(r'data-images-broken="(\d+)"', root)
        check(loaded is not None and int(loaded.group(1)) == len(keys),
              f"images decoded in the browser: {loaded.group(1) if loaded else 'page did not load'}"
              f" of {len(keys)}")
        check(broken is not None and int(broken.group(1)) == 0, "broken images in the browser")
        check("data-script-errors" not in root, "a script error in the browser")
        for section in sections:
            check(f'<section id="{section}">' in dom.stdout, f"section {section} not in the DOM")

        shot = os.path.join(out, f"screenshot-{lang}.png")
        if os.path.exists(shot):
            os.unlink(shot)
        subprocess.run(browser_args(profile) + [f"--window-size={SCREEN[0]},{SCREEN[1]}",
                                                f"--screenshot={shot}", url],
                       capture_output=True, text=True, timeout=120, env=env)
        if not os.path.isfile(shot):
            failures.append("chromium wrote no screenshot")
        else:
            image = mpimg.imread(shot)[..., :3]
            check(image.shape[:2] == (SCREEN[1], SCREEN[0]), f"screenshot size {image.shape}")
            ink = np.mean(np.any(image < 0.9, axis=2))  # share of pixels that are not near-white
            colours = len(np.unique((image * 255).astype(np.uint8).reshape(-1, 3), axis=0))
            check(ink > 0.03, f"screenshot nearly blank ({ink:.1%} of pixels drawn)")
            check(colours > 200, f"screenshot has only {colours} colours")
            print(f"screenshot {shot}: {ink:.1%} of pixels drawn, {colours} colours")

    for failure in failures:
        print("FAIL:", failure)
    print(f"{len(keys)} figures, {len(sections)} sections checked in {page}: "
          f"{'ok' if not failures else f'{len(failures)} failure(s)'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
