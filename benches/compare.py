#!/usr/bin/env python3
"""Whole-process comparison of logsleuth against the tools users would
otherwise reach for, all measured in the same run on the same generated
files. Driven by benches/compare.sh, which builds the binaries first.

Every command runs once per round, for RUNS rounds: a slow stretch of a
shared machine is spread over all the commands instead of landing on the
rows that happened to run during it, so the ratios between rows are
steadier. The table shows the median wall time, the throughput, the peak
resident set (VmHWM, mapped input included) and the peak anonymous memory
(RssAnon, sampled every 5 ms: the heap, not the mapped input). Baselines
that are missing are skipped with a message. The performance targets are
checked at the end, as ratios between rows.
"""

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from datetime import date

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "bench-data")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def size_of(path):
    """Bytes of a file, of every file in a folder, or of a list of them."""
    if isinstance(path, list):
        return sum(size_of(p) for p in path)
    if os.path.isdir(path):
        return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)
    return os.path.getsize(path)


def files_of(path):
    if os.path.isdir(path):
        return sorted(os.path.join(d, f) for d, _, fs in os.walk(path) for f in fs)
    return [path]


def proc_status(pid):
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmHWM", "RssAnon"):
                    out[k] = int(v.split()[0])
    except OSError:
        pass
    return out


def run_once(cmd):
    """Wall seconds, peak RSS KiB, peak RssAnon KiB, exit code."""
    start = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    hwm = anon = 0
    while p.poll() is None:
        s = proc_status(p.pid)
        hwm = max(hwm, s.get("VmHWM", 0))
        anon = max(anon, s.get("RssAnon", 0))
        time.sleep(0.005)
    wall = time.perf_counter() - start
    return wall, hwm, anon, p.returncode


class Row:
    def __init__(self, group, name, size, wall, hwm, anon):
        self.group, self.name, self.size = group, name, size
        self.wall, self.hwm, self.anon = wall, hwm, anon

    @property
    def mbps(self):
        return self.size / self.wall / 1e6 if self.wall > 0 else 0.0


class Job:
    """One command to measure, and what its runs measured so far."""

    def __init__(self, group, name, cmd, path, runs, ok_codes=(0,)):
        self.group, self.name, self.cmd, self.path = group, name, cmd, path
        self.runs, self.ok_codes = runs, ok_codes
        self.walls, self.hwm, self.anon, self.failed = [], 0, 0, False


def run_rounds(jobs, rounds):
    """Run every job once per round (a job with fewer runs sits out the
    later rounds) and return a Row per job that did not fail, in job order."""
    for k in range(rounds):
        log(f"round {k + 1} of {rounds}")
        for j in jobs:
            if j.failed or k >= j.runs:
                continue
            wall, h, a, rc = run_once(j.cmd)
            if rc not in j.ok_codes:
                log(f"skipping {j.name}: it failed (exit {rc}): {' '.join(j.cmd)}")
                j.failed = True
                continue
            j.walls.append(wall)
            j.hwm, j.anon = max(j.hwm, h), max(j.anon, a)
            size = size_of(j.path)
            log(f"  {j.group:6} {j.name:28} {wall:8.2f} s {size / wall / 1e6:8.0f} MB/s")
    return [
        Row(j.group, j.name, size_of(j.path), statistics.median(j.walls), j.hwm, j.anon)
        for j in jobs
        if not j.failed and j.walls
    ]


def generate(gen, kind, mib, seed=0):
    ext = {"jsonl": ".jsonl", "mixed": ".jsonl", "es": ".json", "har": ".har", "folder": ""}[kind]
    suffix = f"-seed{seed}" if seed else ""
    path = os.path.join(DATA, f"bench-{kind}-{mib}MiB{suffix}{ext}")
    if not os.path.exists(path) or size_of(path) == 0:
        log(f"generating {path} ...")
        subprocess.run([gen, f"bench-{kind}", path, str(mib), str(seed)], check=True)
    # Warm the page cache: the figures are for a warm cache.
    for name in files_of(path):
        with open(name, "rb") as f:
            while f.read(1 << 24):
                pass
    return path


def duckdb_python():
    venv = os.path.join(DATA, "venv")
    py = os.path.join(venv, "bin", "python")
    if os.path.exists(py) and subprocess.run([py, "-c", "import duckdb"], capture_output=True).returncode == 0:
        return py
    log(f"installing duckdb into {venv} (once) ...")
    ok = (
        subprocess.run([sys.executable, "-m", "venv", venv], capture_output=True).returncode == 0
        and subprocess.run(
            [os.path.join(venv, "bin", "pip"), "install", "-q", "--disable-pip-version-check", "duckdb"],
            capture_output=True,
        ).returncode
        == 0
    )
    return py if ok else None


def wiretrail_bin():
    found = shutil.which("wiretrail")
    if found:
        return found
    root = os.path.join(DATA, "wiretrail")
    path = os.path.join(root, "bin", "wiretrail")
    if os.path.exists(path):
        return path
    if shutil.which("cargo") is None:
        return None
    log(f"installing wiretrail from crates.io into {root} (once) ...")
    r = subprocess.run(["cargo", "install", "--quiet", "wiretrail", "--root", root], capture_output=True)
    return path if r.returncode == 0 and os.path.exists(path) else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True, help="directory with logsleuth, gen-samples, examples/parse_only")
    ap.add_argument("--jsonl-mib", type=int, default=1024)
    ap.add_argument("--har-mib", type=int, default=500)
    ap.add_argument("--es-mib", type=int, default=512)
    ap.add_argument("--mixed-mib", type=int, default=512)
    ap.add_argument("--folder-mib", type=int, default=512)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--only", default="jsonl,mixed,folder,har,es,compare",
                    help="comma-separated: jsonl, mixed, folder, har, es, compare")
    ap.add_argument("--before", help="a logsleuth binary built from an earlier commit: each input's "
                    "2-thread analyze is measured with it too, in the same rounds, and compared")
    a = ap.parse_args()
    os.makedirs(DATA, exist_ok=True)
    ls = os.path.join(a.bin, "logsleuth")
    gen = os.path.join(a.bin, "gen-samples")
    parse_only = os.path.join(a.bin, "examples", "parse_only")
    only = set(a.only.split(","))
    jobs = []
    R = a.runs

    def measure(group, name, cmd, path, runs, ok_codes=(0,)):
        jobs.append(Job(group, name, cmd, path, runs, ok_codes))

    def analyze(path, threads, binary=ls):
        return [binary, "analyze", "--quiet", "--format", "json", "--threads", str(threads), path]

    if a.before and not os.access(a.before, os.X_OK):
        sys.exit(f"--before {a.before}: not an executable file")

    def measure_analyze(group, path, threads):
        """analyze on `path`, and the earlier build's beside it when given."""
        measure(group, f"logsleuth, {threads} thread{'s' if threads > 1 else ''}", analyze(path, threads), path, R)
        if a.before and threads == 2:
            measure(group, "before, 2 threads", analyze(path, 2, a.before), path, R)

    if "jsonl" in only:
        path = generate(gen, "jsonl", a.jsonl_mib)
        log(f"JSON lines: {path}")
        measure("jsonl", "cat", ["cat", path], path, R)
        measure("jsonl", "wc -l", ["wc", "-l", path], path, R)
        measure("jsonl", "parse-only, 1 thread", [parse_only, path, "1"], path, R)
        measure("jsonl", "parse-only, 2 threads", [parse_only, path, "2"], path, R)
        py = duckdb_python()
        if py:
            sql = (
                "select http.response.status_code as s, count(*) from "
                f"read_json('{path}', format='newline_delimited') group by s"
            )
            measure("jsonl", "duckdb GROUP BY status", [py, "-c", f"import duckdb; duckdb.sql({sql!r}).fetchall()"], path, R)
        else:
            log("skipping duckdb: python3 venv or PyPI is not available")
        for tool, args in (("jaq", ["jaq", "-r", ".http.response.status_code", path]), ("jq", ["jq", "-r", ".http.response.status_code", path])):
            if shutil.which(tool):
                measure("jsonl", f"{tool} status", args, path, 1)
            else:
                log(f"skipping {tool}: not installed")
        measure_analyze("jsonl", path, 1)
        measure_analyze("jsonl", path, 2)

    if "mixed" in only:
        # Five services' layouts in one file: the status is in a
        # different field in each, so DuckDB reads all five.
        path = generate(gen, "mixed", a.mixed_mib)
        log(f"mixed JSON lines: {path}")
        measure("mixed", "cat", ["cat", path], path, R)
        measure("mixed", "parse-only, 2 threads", [parse_only, path, "2"], path, R)
        py = duckdb_python()
        if py:
            status = ", ".join(
                f"try({c})" for c in ("http.response.status_code", "res.statusCode", "status", "http_status",
                                      'attributes."http.response.status_code"')
            )
            sql = (
                f"select coalesce({status}) as s, count(*) from "
                f"read_json('{path}', format='newline_delimited') group by s"
            )
            measure("mixed", "duckdb GROUP BY status", [py, "-c", f"import duckdb; duckdb.sql({sql!r}).fetchall()"], path, R)
        measure_analyze("mixed", path, 1)
        measure_analyze("mixed", path, 2)

    if "folder" in only:
        # One incident's inputs in three formats, the same requests seen
        # from the gateway, the backends and a browser, correlated by
        # trace id: analyze reads the folder.
        path = generate(gen, "folder", a.folder_mib)
        log(f"incident folder: {path}")
        measure("folder", "cat", ["cat", *files_of(path)], path, R)
        measure_analyze("folder", path, 1)
        measure_analyze("folder", path, 2)

    if "har" in only:
        path = generate(gen, "har", a.har_mib)
        log(f"HAR: {path}")
        wt = wiretrail_bin()
        if wt:
            # wiretrail exits 1 when it has findings.
            measure("har", "wiretrail diagnose", [wt, path, "diagnose"], path, R, ok_codes=(0, 1))
        else:
            log("skipping wiretrail: cargo or crates.io is not available")
        measure_analyze("har", path, 2)

    if "es" in only:
        path = generate(gen, "es", a.es_mib)
        log(f"Elasticsearch _search export: {path}")
        measure_analyze("es", path, 2)

    if "compare" in only:
        # Two captures of the same kind of traffic (another seed): compare
        # reads both; analyze of the same two files is its baseline.
        base = generate(gen, "jsonl", a.jsonl_mib)
        inc = generate(gen, "jsonl", a.jsonl_mib, seed=1)
        log(f"compare: {inc} against {base}")
        both = [base, inc]
        measure("compare", "analyze both, 2 threads", [ls, "analyze", "--quiet", "--format", "json", "--threads", "2", base, inc], both, R)
        measure("compare", "compare, 2 threads", [ls, "compare", "--quiet", "--format", "json", "--threads", "2", inc, "--baseline", base], both, R)

    rows = run_rounds(jobs, R)
    mib = lambda kib: kib / 1024
    print(f"logsleuth benchmarks, {date.today().isoformat()}, {os.cpu_count()} cores, {platform.machine()}, "
          f"median of {R} interleaved rounds (jq/jaq: 1 run), page cache warm")
    print()
    print(f"| input | command | median s | MB/s | peak RSS MiB | peak RssAnon MiB | RssAnon / input |")
    print(f"|---|---|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r.group} {r.size / 1e6:.0f} MB | {r.name} | {r.wall:.2f} | {r.mbps:.0f} | "
              f"{mib(r.hwm):.0f} | {mib(r.anon):.0f} | {r.anon * 1024 / r.size:.2f} |")
    print()

    def row(group, name):
        return next((r for r in rows if r.group == group and r.name == name), None)

    checks = []

    def check(label, value, target, higher_is_better=True):
        if value is None:
            checks.append((label, "n/a", target, "SKIPPED"))
            return
        ok = value >= target if higher_is_better else value <= target
        checks.append((label, f"{value:.2f}", ("≥ " if higher_is_better else "≤ ") + f"{target}", "met" if ok else "MISSED"))

    ratio = lambda x, y: (x.mbps / y.mbps) if x and y else None

    def worst(values, higher_is_better=True):
        """The worst of the JSON-lines rows' values, and which row it is."""
        vals = [(v, g) for v, g in values if v is not None]
        if not vals:
            return None, ""
        v, g = (min if higher_is_better else max)(vals)
        return v, g

    groups = [g for g in ("jsonl", "mixed") if row(g, "logsleuth, 2 threads")]

    def judged(label, f, target, higher_is_better=True):
        v, g = worst([(f(g), g) for g in groups], higher_is_better)
        check(f"{label} (worst: {g or 'none'})", v, target, higher_is_better)

    two = lambda g: row(g, "logsleuth, 2 threads")
    judged("1. JSON lines analyze (2 threads) / DuckDB", lambda g: ratio(two(g), row(g, "duckdb GROUP BY status")), 1.0)
    judged("1. JSON lines analyze (2 threads) / parse-only (2 threads)", lambda g: ratio(two(g), row(g, "parse-only, 2 threads")), 0.7)
    judged("2. JSON lines analyze 2 threads / 1 thread", lambda g: ratio(two(g), row(g, "logsleuth, 1 thread")), 1.7)
    judged("3. JSON lines peak RssAnon / input size", lambda g: two(g).anon * 1024 / two(g).size, 0.15, False)
    wt, lh = row("har", "wiretrail diagnose"), row("har", "logsleuth, 2 threads")
    check("4. HAR speed: logsleuth / wiretrail", ratio(lh, wt), 2.5)
    check("4. HAR peak RSS: logsleuth / wiretrail", (lh.hwm / wt.hwm) if lh and wt else None, 0.25, False)
    check("4. ES export / JSON lines throughput (2 threads)", ratio(row("es", "logsleuth, 2 threads"), two("jsonl")), 0.8)
    check("compare / analyze of the same two files (2 threads)",
          ratio(row("compare", "compare, 2 threads"), row("compare", "analyze both, 2 threads")), 0.8)
    folder = two("folder")
    check("folder: analyze 2 threads / 1 thread", ratio(folder, row("folder", "logsleuth, 1 thread")), 1.7)
    check("folder: peak RssAnon / input size", folder.anon * 1024 / folder.size if folder else None, 0.15, False)
    if a.before:
        # A change is not to slow analyze by more than 5% on any input.
        for g in ("jsonl", "mixed", "folder", "har", "es"):
            if two(g):
                check(f"{g}: analyze / the earlier build (2 threads)", ratio(two(g), row(g, "before, 2 threads")), 0.95)
    print("| target | measured | wanted | |")
    print("|---|---:|---:|---|")
    for label, value, target, verdict in checks:
        print(f"| {label} | {value} | {target} | {verdict} |")


if __name__ == "__main__":
    main()
