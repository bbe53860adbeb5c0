#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""cycles.py — which of gonet's source files call each other in a loop.

Reads the object files of a build (nm: the symbols each defines and uses),
draws an arrow A -> B when A uses a symbol that B defines, and prints every
strongly connected set of two or more files. Exact for calls and data
references (the linker's view), blind to macros and inline functions in
headers, which is what we want: a cycle here is a cycle of real calls.

usage: contrib/cycles.py [BUILD_DIR]      (default: .)
       contrib/cycles.py --edges [BUILD_DIR]   also list every arrow
Exit status: 0 when no cycle, 1 when there is one.
"""
import os
import subprocess
import sys

PARTS = ("src", "dht", "tunnel")


def objects(build):
    for part in PARTS:
        for root, _, files in os.walk(os.path.join(build, part)):
            for f in files:
                if f.endswith(".o"):
                    yield os.path.join(root, f)


def symbols(obj):
    out = subprocess.run(["nm", "-P", obj], check=True, capture_output=True, text=True).stdout
    defined, used = set(), set()
    for line in out.splitlines():
        fields = line.split()
        if len(fields) < 2:
            continue
        name, kind = fields[0], fields[1]
        if kind == "U":
            used.add(name)
        elif kind in "TDBRGSCV":
            defined.add(name)
    return defined, used


def name_of(build, obj):
    rel = os.path.relpath(obj, build)
    base = os.path.basename(rel)
    # automake prefixes per-target objects ("libgonet_a-session.o"): drop it
    if "-" in base:
        base = base.split("-", 1)[1]
    return os.path.join(os.path.dirname(rel), base[:-2] + ".c")


def tarjan(graph):
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def main(argv):
    edges_too = "--edges" in argv
    argv = [a for a in argv if a != "--edges"]
    build = argv[0] if argv else "."
    defs, uses = {}, {}
    for obj in objects(build):
        name = name_of(build, obj)
        d, u = symbols(obj)
        defs[name], uses[name] = d, u
    owner = {}
    for name, d in defs.items():
        for sym in d:
            owner.setdefault(sym, name)
    graph = {name: set() for name in defs}
    for name, u in uses.items():
        for sym in u:
            o = owner.get(sym)
            if o is not None and o != name:
                graph[name].add(o)
    narrows = sum(len(v) for v in graph.values())
    cycles = [c for c in tarjan(graph) if len(c) > 1]
    print("%d files, %d arrows, %d cycle%s" % (len(graph), narrows, len(cycles),
                                               "" if len(cycles) == 1 else "s"))
    for i, c in enumerate(cycles, 1):
        print("cycle %d (%d files): %s" % (i, len(c), " ".join(c)))
    if edges_too:
        for a in sorted(graph):
            for b in sorted(graph[a]):
                print("%s -> %s" % (a, b))
    return 1 if cycles else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
