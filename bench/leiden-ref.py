# Reference timings for bench/leiden.mjs: leidenalg and igraph's community_leiden on the
# same graph (modularity, n_iterations=-1). Reads a binary edge file written by the bench:
# int32 n, int32 m, then m int32 sources, m int32 targets, m float32 weights (each
# undirected edge once). Prints one JSON line per library: seconds and membership.
import array
import json
import random
import sys
import time

import igraph as ig

path, seed = sys.argv[1], int(sys.argv[2])
with open(path, "rb") as f:
    head = array.array("i")
    head.fromfile(f, 2)
    n, m = head
    src = array.array("i")
    src.fromfile(f, m)
    dst = array.array("i")
    dst.fromfile(f, m)
    w = array.array("f")
    w.fromfile(f, m)
g = ig.Graph(n=n, edges=list(zip(src, dst)))
weights = list(w)
del src, dst, w

try:
    import leidenalg

    t0 = time.perf_counter()
    p = leidenalg.find_partition(g, leidenalg.ModularityVertexPartition, weights=weights, n_iterations=-1, seed=seed)
    print(json.dumps({"lib": "leidenalg", "seconds": time.perf_counter() - t0, "membership": p.membership}), flush=True)
except ImportError:
    pass

random.seed(seed)  # igraph draws from Python's generator
t0 = time.perf_counter()
p = g.community_leiden(objective_function="modularity", weights=weights, n_iterations=-1)
print(json.dumps({"lib": "igraph", "seconds": time.perf_counter() - t0, "membership": p.membership}), flush=True)
