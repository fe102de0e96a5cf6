#!/usr/bin/env python3
"""`logsleuth compare` on the labeled pairs of `gen-samples compare`, for
seeds FROM..=TO: one line per pair (its truth and what ranked first), then
how many planted changes ranked first and how many healthy pairs showed
no change. Driven by `benches/accuracy.sh compare FROM TO`."""

import glob
import json
import os
import re
import shutil
import subprocess
import sys


def main():
    bin_dir, first, last = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    ls, gen = os.path.join(bin_dir, "logsleuth"), os.path.join(bin_dir, "gen-samples")
    hit = planted = clean = healthy = 0
    for seed in range(first, last + 1):
        root = os.path.join("target", f"compare-{seed}")
        shutil.rmtree(root, ignore_errors=True)
        subprocess.run([gen, "compare", root, str(seed)], check=True)
        for case in sorted(glob.glob(os.path.join(root, "*", ""))):
            truth = dict(re.findall(r'(\w+) = "(.*)"', open(os.path.join(case, "truth.toml")).read()))
            cmd = [ls, "compare", "--quiet", "--format", "json", *sorted(glob.glob(os.path.join(case, "incident", "*"))),
                   "--baseline", *sorted(glob.glob(os.path.join(case, "baseline", "*")))]
            changes = json.loads(subprocess.run(cmd, check=True, capture_output=True).stdout)["changes"]
            top = changes[0] if changes else None
            if truth["kind"] == "none":
                ok = not changes
                healthy += 1
                clean += ok
            else:
                ok = bool(top) and top["kind"] == truth["kind"] and top["scope"]["name"] == truth["scope"] \
                    and truth["what"] in top["what"]
                planted += 1
                hit += ok
            said = f"{top['kind']} {top['scope']['name']}: {top['what']}" if top else "no change"
            name = os.path.basename(os.path.dirname(case))
            print(f"{'ok  ' if ok else 'MISS'} seed {seed} {name:36} {said}")
    print(f"compare seeds {first}-{last}: planted changes ranked first {hit}/{planted}, "
          f"healthy pairs with no change {clean}/{healthy}")


if __name__ == "__main__":
    main()
