"""The probe's overhead on a torch MLP on the CPU, against a plain step.

    python -m lyap_client.bench [--steps 150 --rounds 4 --threads 1 --json]

An MLP 784-128-10 (ReLU, 101,770 parameters: the TypeScript trainer bench's model) on synthetic
784-dimensional inputs labelled by a random teacher, batch 64, SGD at η = 0.1, the product's
default probe (k_L = k_S = 1, batch sharpness, up to 5 Rayleigh–Ritz rounds, Lyapunov bursts of 4
steps every 8 probes), exact products in float32. Each configuration runs ``steps`` steps per
round, the configurations in a rotating order for ``rounds`` rounds in one process; "vs plain" is
the median over rounds of each round's ratio to that round's plain loop (zero_grad, loss,
backward, step, without the Monitor); "off" is the Monitor with the probe off (the events'
statistics alone); "steady" leaves out the first probe's converging rounds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from typing import Any, Dict, List, Optional

import torch
import torch.nn.functional as F

from .emitters import MemoryEmitter
from .monitor import Monitor
from .probe import ProbeSettings

#: (name, probe every); None: a plain torch loop without the Monitor, the baseline.
CONFIGS = [("plain loop", None), ("off", 0), ("every 1", 1), ("every 10", 10), ("every 100", 100)]


def _plain(steps: int, data: Any, seed: int) -> Dict[str, float]:
    x_all, y_all = data
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    generator = torch.Generator().manual_seed(seed + 1)
    started = time.perf_counter()
    for _ in range(steps):
        index = torch.randint(0, len(x_all), (64,), generator=generator)
        optimizer.zero_grad(set_to_none=True)
        F.cross_entropy(model(x_all[index]), y_all[index]).backward()
        optimizer.step()
    ms = 1000 * (time.perf_counter() - started) / steps
    return {"ms_per_step": ms, "steady_ms_per_step": ms, "step_ms": float("nan"), "probe_ms": float("nan"), "products_per_step": 0.0}


def _run(every: Optional[int], steps: int, data: Any, seed: int) -> Dict[str, float]:
    if every is None:
        return _plain(steps, data, seed)
    x_all, y_all = data
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    emitter = MemoryEmitter()
    monitor = Monitor(model, optimizer, run_id="bench", emitter=emitter, batch_size=64, probe=ProbeSettings(every=every))
    generator = torch.Generator().manual_seed(seed + 1)
    started = time.perf_counter()
    for _ in range(steps):
        index = torch.randint(0, len(x_all), (64,), generator=generator)
        x, y = x_all[index], y_all[index]
        monitor.step(lambda: F.cross_entropy(model(x), y))
    elapsed = time.perf_counter() - started
    monitor.close()
    gradients = [e for e in emitter.events if e["type"] == "gradient"]
    probes = [e for e in gradients if "probe" in e]
    return {
        "ms_per_step": 1000 * elapsed / steps,
        "step_ms": statistics.median(e["stepMs"] for e in gradients),
        "probe_ms": statistics.median(e["probeMs"] for e in probes) if probes else float("nan"),
        "products_per_step": sum(e["probe"]["hvps"] for e in probes) / steps,
        # Without the first probe's converging rounds (20 instead of 5).
        "steady_ms_per_step": 1000 * elapsed / steps - (probes[0]["probeMs"] - statistics.median(e["probeMs"] for e in probes)) / steps if probes else 1000 * elapsed / steps,
    }


def bench(steps: int = 150, rounds: int = 4, threads: Optional[int] = 1, seed: int = 1) -> Dict[str, Any]:
    if threads is not None:
        torch.set_num_threads(threads)
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(4096, 784, generator=generator)
    teacher = torch.randn(784, 10, generator=generator)
    data = (x, (x @ teacher).argmax(1))
    results: Dict[str, List[Dict[str, float]]] = {name: [] for name, _ in CONFIGS}
    _run(1, 5, data, seed)  # warm-up: allocator, autograd, the first probe's code paths
    for r in range(rounds):
        order = CONFIGS[r % len(CONFIGS):] + CONFIGS[:r % len(CONFIGS)]
        for name, every in order:
            results[name].append(_run(every, steps, data, seed + r))
    rows = []
    for name, every in CONFIGS:
        runs = results[name]
        ratios = [run["ms_per_step"] / plain["ms_per_step"] for run, plain in zip(runs, results["plain loop"])]
        steady = [run["steady_ms_per_step"] / plain["ms_per_step"] for run, plain in zip(runs, results["plain loop"])]
        rows.append({
            "probe": name,
            "ms/step": round(statistics.median(r["ms_per_step"] for r in runs), 3),
            "vs plain": round(statistics.median(ratios), 3),
            "vs plain, steady": round(statistics.median(steady), 3),
            "stepMs (median)": "-" if every is None else round(statistics.median(r["step_ms"] for r in runs), 3),
            "probeMs (median)": "-" if not every else round(statistics.median(r["probe_ms"] for r in runs), 3),
            "products/step": round(statistics.median(r["products_per_step"] for r in runs), 3),
        })
    return {
        "suite": "python-probe",
        "params": {"steps": steps, "rounds": rounds, "threads": torch.get_num_threads(), "torch": torch.__version__},
        "rows": rows,
        "notes": [
            f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), MLP 784-128-10 relu (101,770 parameters), batch 64, "
            f"{steps} steps x {rounds} rounds per configuration, exact float32 products, the default probe",
        ],
    }


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lyap_client.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1; 0: torch's default)")
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object")
    args = parser.parse_args(argv)
    result = bench(args.steps, args.rounds, args.threads or None)
    if args.json:
        print(json.dumps(result))
        return 0
    columns = list(result["rows"][0])
    widths = [max(len(c), *(len(str(r[c])) for r in result["rows"])) for c in columns]
    print(" | ".join(c.ljust(w) for c, w in zip(columns, widths)))
    print("-|-".join("-" * w for w in widths))
    for row in result["rows"]:
        print(" | ".join(str(row[c]).ljust(w) for c, w in zip(columns, widths)))
    for note in result["notes"]:
        print(f"- {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
