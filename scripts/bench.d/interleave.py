#!/usr/bin/env python3
"""Whole-process timings, interleaved: every round runs each command once, in a shuffled
order, so load on a shared machine drifts over all of them alike, and ratios come from the
same run. Used by the scripts in scripts/bench.d.

Usage: interleave.py SPEC   (a file, or - for stdin); $BENCH_ROUNDS rounds (default 300)

SPEC, one item a line, fields separated by tabs; # starts a comment:
  NAME  COMMAND  [stdin=FILE]  [K=V ...]   a command (shell words, run without a shell, with
                                           this environment plus K=V; stdin FILE or /dev/null;
                                           stdout and stderr to /dev/null; it must exit 0)
  clean  DIR                               removed before every run (not timed)
  ratio  A  B  [LIMIT]                     A / B, medians; LIMIT: the target A / B <= LIMIT
  added  A  B  BASE  [LIMIT]               (A - BASE) / (B - BASE): what A and B add to BASE

A run is timed from posix_spawn to wait4. Printed per command: the median and the fastest
wall time, the median CPU time (user + system, children included) and page faults.
Ratios are printed for wall time (the target: ratio of the medians), per round (the median
of each round's ratio or difference, which load drifting between rounds does not bias) and
CPU time (steadier under load).
"""
import os
import random
import shlex
import shutil
import statistics
import sys
import time

rounds = int(os.environ.get("BENCH_ROUNDS", "300"))
cmds, reports, cleans = [], [], []
spec = sys.stdin if sys.argv[1] == "-" else open(sys.argv[1])
for line in spec:
    line = line.rstrip("\n")
    if not line.strip() or line.lstrip().startswith("#"):
        continue
    f = line.split("\t")
    if f[0] in ("ratio", "added"):
        reports.append(f)
    elif f[0] == "clean":
        cleans.append(f[1])
    else:
        env, stdin = dict(os.environ), None
        for kv in f[2:]:
            k, v = kv.split("=", 1)
            if k == "stdin":
                stdin = v
            else:
                env[k] = v
        cmds.append((f[0], stdin, env, shlex.split(f[1])))

null = os.open(os.devnull, os.O_RDWR)


def run(name, stdin, env, argv):
    for d in cleans:
        shutil.rmtree(d, ignore_errors=True)
    fd = os.open(stdin, os.O_RDONLY) if stdin else null
    acts = [(os.POSIX_SPAWN_DUP2, fd, 0), (os.POSIX_SPAWN_DUP2, null, 1), (os.POSIX_SPAWN_DUP2, null, 2)]
    t = time.perf_counter_ns()
    pid = os.posix_spawnp(argv[0], argv, env, file_actions=acts)
    _, status, ru = os.wait4(pid, 0)
    t = time.perf_counter_ns() - t
    if fd != null:
        os.close(fd)
    if status != 0:
        sys.exit(f"interleave: {name}: {shlex.join(argv)}: exit status {os.waitstatus_to_exitcode(status)}")
    return t / 1e6, (ru.ru_utime + ru.ru_stime) * 1e3, ru.ru_minflt


wall = {c[0]: [] for c in cmds}
cpu = {c[0]: [] for c in cmds}
faults = {c[0]: [] for c in cmds}
rng = random.Random(1)
for r in range(10 + rounds):  # the first 10 rounds warm caches and are not counted
    order = list(cmds)
    rng.shuffle(order)
    for name, stdin, env, argv in order:
        w, c, f = run(name, stdin, env, argv)
        if r >= 10:
            wall[name].append(w)
            cpu[name].append(c)
            faults[name].append(f)

med = {n: statistics.median(v) for n, v in wall.items()}
cmed = {n: statistics.median(v) for n, v in cpu.items()}
width = max(len(n) for n in med)
print(f"  {rounds} rounds, interleaved; wall: median (fastest); cpu: median; page faults: median")
for n in wall:
    print(f"  {n:<{width}}  {med[n]:6.2f} ms ({min(wall[n]):5.2f})  cpu {cmed[n]:5.2f} ms  faults {statistics.median(faults[n]):4.0f}")


def verdict(value, limit):
    if not limit:
        return ""
    return f"  target <= {limit}: {'met' if value <= float(limit) else 'missed'}"


for r in reports:
    if r[0] == "ratio":
        a, b, limit = r[1], r[2], (r[3] if len(r) > 3 else "")
        w = med[a] / med[b]
        paired = statistics.median(x / y for x, y in zip(wall[a], wall[b]))
        print(f"  ratio {a} / {b}: {w:.2f} (per round {paired:.2f}, cpu {cmed[a] / cmed[b]:.2f}){verdict(w, limit)}")
    else:
        a, b, base, limit = r[1], r[2], r[3], (r[4] if len(r) > 4 else "")
        da, db = med[a] - med[base], med[b] - med[base]
        pa = statistics.median(x - z for x, z in zip(wall[a], wall[base]))
        pb = statistics.median(y - z for y, z in zip(wall[b], wall[base]))
        ca, cb = cmed[a] - cmed[base], cmed[b] - cmed[base]
        print(f"  added over {base}: {a} {da:.2f} ms, {b} {db:.2f} ms; ratio {da / db:.2f} (per round {pa / pb:.2f}, cpu {ca / cb:.2f}){verdict(da / db, limit)}")
