#!/usr/bin/python3
"""Fault injection for `govsim run` (issue #11): the machine crashes, the disk fills, files rot,
a second user starts the same job. Every trial must end with the results file an uninterrupted
run writes (every dataset byte-identical, the time field /runs.wall_seconds excepted) or a clean
refusal — never a wrong file, a crash, a hang or a lost finished run.

Trials (each kind --trials times, with random times, sizes and victims from --seed):
  kill       SIGKILL at 1-3 random moments, then the same command until it completes
  checkpoint a checkpoint that cannot be written (a directory in its place) while other runs go
             on: exit 2 naming the run; the others are saved; the rerun completes
  corrupt    saved runs flipped, truncated, emptied, swapped or taken from another experiment:
             warned about, run again
  concurrent two or three invocations on the same output at once: one runs, the others refuse
  disk-full  a file-size limit at a random size (RLIMIT_FSIZE, as a full disk): exit 0 or 2,
             never a signal; the rerun completes

Usage (Debian's python3, which has h5py):
  /usr/bin/python3 scripts/fault_injection.py [--trials N] [--seed S] [--binary build/govsim]
It prints one line per kind and a total, and exits 1 if any trial failed.
"""
import argparse
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import h5py
from numpy.lib.recfunctions import repack_fields

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIME_FIELDS = {"wall_seconds"}


def experiment_text(replicates):
    s = os.path.join(ROOT, "scenarios")
    return f"""include = ["{s}/parameters/nanhai.toml"]
[experiment]
towns = ["{s}/towns/lishui.toml", "{s}/towns/dali.toml"]
models = ["{s}/models/baseline.toml", "{s}/models/denghu.toml"]
[run]
name = "fault-injection"
start_year = 2014
years = 1
replicates = {replicates}
seed = 11
[town]
residents_at_full_occupancy = 24000
communities = 4
"""


def same_results(a, b):
    """None if every dataset is byte-identical (time fields excepted), else what differs."""
    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        if set(fa.keys()) != set(fb.keys()):
            return f"datasets {sorted(fa.keys())} vs {sorted(fb.keys())}"
        for name in fa.keys():
            da, db = fa[name][()], fb[name][()]
            if da.dtype != db.dtype or da.shape != db.shape:
                return f"/{name}: type or shape differs"
            fields = [f for f in da.dtype.names if f not in TIME_FIELDS]
            if repack_fields(da[fields]).tobytes() != repack_fields(db[fields]).tobytes():
                return f"/{name}: contents differ"
    return None


class Trials:
    def __init__(self, binary, folder, rng):
        self.binary, self.folder, self.rng = binary, folder, rng
        self.scenario = os.path.join(folder, "experiment.toml")
        with open(self.scenario, "w") as f:
            f.write(experiment_text(6))
        self.out = os.path.join(folder, "out.h5")
        self.partial = self.out + ".partial"
        self.reference = os.path.join(folder, "reference.h5")
        start = time.monotonic()
        r = self.run(["-o", self.reference])
        self.duration = time.monotonic() - start
        if r.returncode != 0:
            sys.exit(f"the reference run failed: {r.stderr}")
        self.failures = []
        # What the faults hit, for the report: kills of a running process, checkpoints made
        # unwritable, checkpoints damaged, invocations refused, writes cut short.
        self.hits = {"kill": 0, "checkpoint": 0, "corrupt": 0, "concurrent": 0, "disk-full": 0}

    def command(self, extra):
        return [self.binary, "run", self.scenario, "-q", "--disputes"] + extra

    def run(self, extra, limit_bytes=None):
        def preexec():
            if limit_bytes is not None:
                signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
                resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))
        return subprocess.run(self.command(extra), capture_output=True, text=True,
                              cwd=self.folder, timeout=600, preexec_fn=preexec)

    def start(self, extra=None):
        return subprocess.Popen(self.command(["-o", self.out] + (extra or [])), cwd=self.folder,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def fail(self, kind, what):
        self.failures.append(f"{kind}: {what}")
        return False

    def clean(self):
        for name in os.listdir(self.folder):
            if name.startswith("out.") or name.startswith("other."):
                path = os.path.join(self.folder, name)
                shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)

    def finish(self, kind, max_attempts=3):
        """Runs the same command until it completes; checks the file and the leftovers."""
        for _ in range(max_attempts):
            r = self.run(["-o", self.out])
            if r.returncode == 0:
                break
            if r.returncode != 2:
                return self.fail(kind, f"rerun exited {r.returncode}: {r.stderr.strip()}")
        else:
            return self.fail(kind, f"no rerun completed: {r.stderr.strip()}")
        diff = same_results(self.reference, self.out)
        if diff:
            return self.fail(kind, f"the completed file differs from the reference: {diff}")
        left = [n for n in os.listdir(self.folder) if ".tmp-" in n or n.endswith(".partial")]
        if left:
            return self.fail(kind, f"left behind: {left}")
        return True

    def wait_for_saved_runs(self, process, at_least=1, timeout=60):
        end = time.monotonic() + timeout
        while time.monotonic() < end and process.poll() is None:
            if os.path.isdir(self.partial) and len(self.saved()) >= at_least:
                return True
            time.sleep(0.002)
        return False

    def saved(self):
        try:
            return sorted(n for n in os.listdir(self.partial)
                          if n.startswith("run-") and n.endswith(".bin"))
        except FileNotFoundError:
            return []

    # ---- the kinds of trial ----------------------------------------------------------------

    def kill(self):
        self.clean()
        for _ in range(self.rng.randint(1, 3)):
            p = self.start()
            time.sleep(self.rng.uniform(0, 1.1 * self.duration))
            p.send_signal(signal.SIGKILL)
            p.communicate()
            self.hits["kill"] += p.returncode == -signal.SIGKILL
        return self.finish("kill")

    def checkpoint(self):
        self.clean()
        p = self.start(["--threads", "2"])
        if not self.wait_for_saved_runs(p, 1):
            p.communicate()
            return self.finish("checkpoint")  # it finished first: nothing to inject into
        done = {int(n[4:10]) for n in self.saved()}
        victim = self.rng.choice([i for i in range(24) if i not in done])
        try:
            os.mkdir(os.path.join(self.partial, f"run-{victim:06d}.bin"))
            injected = True
        except (FileExistsError, FileNotFoundError):  # saved meanwhile, or all done
            injected = False
        _, err = p.communicate()
        self.hits["checkpoint"] += injected
        if not injected:
            if p.returncode != 0:
                return self.fail("checkpoint", f"exit {p.returncode}: {err.strip()}")
        elif p.returncode != 2 or f"run {victim} " not in err or err.count("\n") != 1:
            return self.fail("checkpoint", f"exit {p.returncode}: {err.strip()}")
        # The others in flight were saved whole (the rerun checks them); the victim was not.
        shutil.rmtree(os.path.join(self.partial, f"run-{victim:06d}.bin"), ignore_errors=True)
        if f"run-{victim:06d}.bin" in self.saved():
            return self.fail("checkpoint", "the failed run was saved")
        return self.finish("checkpoint")

    def corrupt(self):
        self.clean()
        # Saved runs of this experiment and of another one (another seed), both interrupted.
        for extra in ([], ["--seed", "12"]):
            out = self.out if not extra else os.path.join(self.folder, "other.h5")
            p = subprocess.Popen(self.command(["-o", out] + extra), cwd=self.folder,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            store = out + ".partial"
            end = time.monotonic() + 60
            while p.poll() is None and time.monotonic() < end:
                if os.path.isdir(store) and len([n for n in os.listdir(store)
                                                 if n.endswith(".bin")]) >= 4:
                    break
                time.sleep(0.002)
            p.send_signal(signal.SIGKILL)
            p.communicate()
        saved = self.saved()
        if not saved:
            return self.finish("corrupt")
        damage = 0
        for name in self.rng.sample(saved, self.rng.randint(1, len(saved))):
            path = os.path.join(self.partial, name)
            data = bytearray(open(path, "rb").read())
            how = self.rng.choice(["flip", "truncate", "empty", "swap", "foreign", "garbage"])
            if how == "flip" and data:
                at = self.rng.randrange(len(data))
                data[at] ^= 1 << self.rng.randrange(8)
            elif how == "truncate":
                data = data[: self.rng.randrange(len(data))]
            elif how == "empty":
                data = bytearray()
            elif how == "swap":
                other = self.rng.choice(saved)
                data = bytearray(open(os.path.join(self.partial, other), "rb").read())
                if other == name:
                    continue
            elif how == "foreign":
                foreign = os.path.join(self.folder, "other.h5.partial", name)
                if not os.path.exists(foreign):
                    continue
                data = bytearray(open(foreign, "rb").read())
            else:
                data = bytearray(self.rng.randbytes(self.rng.randrange(1, 5000)))
            open(path, "wb").write(bytes(data))
            damage += 1
        self.hits["corrupt"] += damage
        r = self.run(["-o", self.out])
        if r.returncode != 0:
            return self.fail("corrupt", f"exit {r.returncode}: {r.stderr.strip()}")
        # Every kind of damage above is detectable: a silent reuse would be a finding.
        warnings = r.stderr.count("is damaged and will be run again")
        if warnings != damage:
            return self.fail("corrupt", f"{damage} damaged checkpoints, {warnings} warnings")
        diff = same_results(self.reference, self.out)
        if diff:
            return self.fail("corrupt", f"the completed file differs: {diff}")
        return True

    def concurrent(self):
        self.clean()
        n = self.rng.randint(2, 3)
        processes = [self.start() for _ in range(n)]
        results = [p.communicate() + (p.returncode,) for p in processes]
        codes = sorted(r[2] for r in results)
        self.hits["concurrent"] += codes.count(2)
        if codes.count(0) < 1 or any(c not in (0, 2) for c in codes):
            return self.fail("concurrent", f"exit statuses {codes}")
        for out, err, code in results:
            if code == 2 and "being written by another process" not in err:
                return self.fail("concurrent", f"refusal without the lock message: {err.strip()}")
        diff = same_results(self.reference, self.out)
        if diff:
            return self.fail("concurrent", f"the file differs: {diff}")
        return True

    def disk_full(self):
        self.clean()
        size = int(os.path.getsize(self.reference) * self.rng.uniform(0.02, 1.2))
        r = self.run(["-o", self.out], limit_bytes=max(size, 1))
        self.hits["disk-full"] += r.returncode == 2
        if r.returncode not in (0, 2):
            return self.fail("disk-full", f"limit {size} B: exit {r.returncode}: {r.stderr}")
        if r.returncode == 2 and (r.stderr.count("\n") != 1 or "File too large" not in r.stderr):
            return self.fail("disk-full", f"limit {size} B: message {r.stderr.strip()}")
        return self.finish("disk-full")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=20, help="trials of each kind")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--binary", default=os.path.join(ROOT, "build", "govsim"))
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="govsim-faults-") as folder:
        t = Trials(os.path.abspath(args.binary), folder, rng)
        print(f"fault injection: an experiment of 24 runs, {t.duration:.2f} s uninterrupted; "
              f"{args.trials} trials of each kind (seed {args.seed})")
        total = passed = 0
        for kind, trial in [("kill", t.kill), ("checkpoint", t.checkpoint),
                            ("corrupt", t.corrupt), ("concurrent", t.concurrent),
                            ("disk-full", t.disk_full)]:
            ok = sum(1 for _ in range(args.trials) if trial())
            hit = {"kill": "kills of a running process", "checkpoint": "checkpoints made unwritable",
                   "corrupt": "checkpoints damaged", "concurrent": "invocations refused",
                   "disk-full": "writes cut short"}[kind]
            print(f"  {kind:<11} {ok}/{args.trials} passed ({t.hits[kind]} {hit})")
            total += args.trials
            passed += ok
        print(f"fault injection: {passed}/{total} trials passed")
        for f in t.failures:
            print("  FAILED " + f)
    sys.exit(0 if passed == total else 1)


if __name__ == "__main__":
    main()
