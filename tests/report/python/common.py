"""Paths shared by the report tests: the results files made by make_fixtures.py (CTest fixture
report_data) in $GOVSIM_TEST_DATA, and helpers to make variants of them."""
import os
import shutil
import tempfile

import h5py

DATA = os.environ.get("GOVSIM_TEST_DATA")
if not DATA or not os.path.isdir(DATA):
    raise RuntimeError("GOVSIM_TEST_DATA must name the folder of make_fixtures.py's results "
                       "(run the tests through ctest)")

SMALL = os.path.join(DATA, "small.h5")
NO_BASELINE = os.path.join(DATA, "no-baseline.h5")
SINGLE = os.path.join(DATA, "single.h5")
ALL = (SMALL, NO_BASELINE, SINGLE)
# Designed experiments (no /comparison): /sensitivity of a Sobol and of a Morris design, and
# /robustness of parameter draws of two models.
DESIGN_SOBOL = os.path.join(DATA, "design-sobol.h5")
DESIGN_MORRIS = os.path.join(DATA, "design-morris.h5")
DESIGN_DRAWS = os.path.join(DATA, "design-draws.h5")
DESIGNS = (DESIGN_SOBOL, DESIGN_MORRIS, DESIGN_DRAWS)


class TempFolder:
    """A temporary folder removed at the end of a `with` block."""

    def __enter__(self):
        self.path = tempfile.mkdtemp(prefix="govsim-report-test-")
        return self.path

    def __exit__(self, *exc):
        shutil.rmtree(self.path, ignore_errors=True)


def copy_with(source, folder, name, attrs=None, tables=None):
    """A copy of results file `source` in `folder` with root attributes `attrs` set and tables
    `tables` ({name: numpy structured array}) replaced or added."""
    target = os.path.join(folder, name)
    shutil.copyfile(source, target)
    with h5py.File(target, "r+") as f:
        for key, value in (attrs or {}).items():
            f.attrs[key] = value
        for key, value in (tables or {}).items():
            if key in f:
                del f[key]
            f.create_dataset(key, data=value)
    return target
