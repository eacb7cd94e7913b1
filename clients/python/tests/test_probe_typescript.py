"""The Python probe (exact float64 products) and the TypeScript trainer's probe (float32 forward
finite differences) on the same model, parameters and minibatch: within 1 %.

scripts/python-probe-fixture.ts runs TangentProbe on the dense-Hessian tests' 49-8-10 tanh MLP
and writes θ, the minibatch and its readings; the same network is rebuilt here in torch.
"""

from __future__ import annotations

import json
import subprocess

import torch
import torch.nn.functional as F

from lyap_client import MemoryEmitter, Monitor, ProbeSettings

from conftest import REPO, node_binary, require
from tiny import dense_truth


def typescript_fixture(tmp_path):  # type: ignore[no-untyped-def]
    node = node_binary()
    require(node is not None and (REPO / "node_modules" / "tsx").exists(), "node and the repository's node_modules are needed")
    out = tmp_path / "fixture.json"
    done = subprocess.run([node, "--import", "tsx", "scripts/python-probe-fixture.ts", "--out", str(out)], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(out.read_text())


def torch_mlp(fixture) -> torch.nn.Module:  # type: ignore[no-untyped-def]
    """createMlp's layout in torch: per layer a row-major [in, out] kernel (Linear's weight transposed), then the bias."""
    widths = fixture["model"]["widths"]
    assert fixture["model"]["activation"] == "tanh" and fixture["model"]["loss"] == "cross-entropy"
    layers = []
    theta = torch.tensor(fixture["theta"], dtype=torch.float32)
    for block in fixture["model"]["layout"]:
        assert block["offset"] + block["size"] <= theta.numel()
    at = 0
    for i, (n_in, n_out) in enumerate(zip(widths, widths[1:])):
        linear = torch.nn.Linear(n_in, n_out)
        with torch.no_grad():
            linear.weight.copy_(theta[at:at + n_in * n_out].reshape(n_in, n_out).T)
            at += n_in * n_out
            linear.bias.copy_(theta[at:at + n_out])
            at += n_out
        layers.append(linear)
        if i < len(widths) - 2:
            layers.append(torch.nn.Tanh())
    assert at == theta.numel()
    return torch.nn.Sequential(*layers)


def test_the_python_and_typescript_probes_agree_within_one_percent(tmp_path) -> None:  # type: ignore[no-untyped-def]
    fixture = typescript_fixture(tmp_path)
    model = torch_mlp(fixture)
    x = torch.tensor(fixture["x"], dtype=torch.float32).reshape(len(fixture["labels"]), -1)
    y = torch.tensor(fixture["labels"])
    settings = ProbeSettings(every=1, k_lyapunov=0, k_sharpness=1, min_curvature=True,
                             converge_iterations=fixture["convergeIterations"], dtype=torch.float64)
    emitter = MemoryEmitter()
    monitor = Monitor(model, torch.optim.SGD(model.parameters(), lr=fixture["lr"]), run_id="cross", emitter=emitter,
                      batch_size=len(y), probe=settings)
    monitor.step(lambda: F.cross_entropy(model(x), y))
    python = emitter.events[1]["probe"]
    ts = fixture["typescript"]
    pairs = {
        "lambda_max": (python["sharpness"]["rayleigh"][0][0], ts["lambdaMax"]),
        "h_min": (python["minCurvature"]["value"], ts["hMin"]),
        "batch_sharpness": (python["batchSharpness"], ts["batchSharpness"]),
    }
    # The dense float64 Hessian of the same parameters, to say which side is closer.
    model64 = torch_mlp(fixture).to(torch.float64)
    _, hessian, gradient = dense_truth(model64, x.to(torch.float64), y)
    eigenvalues = torch.linalg.eigvalsh(hessian)
    dense = {"lambda_max": float(eigenvalues[-1]), "h_min": float(eigenvalues[0]),
             "batch_sharpness": float(gradient @ hessian @ gradient / (gradient @ gradient))}
    for name, (py, typescript) in pairs.items():
        print(f"{name}: python {py:.9g}, typescript {typescript:.9g} ({abs(py - typescript) / abs(py):.2e} apart), "
              f"dense {dense[name]:.9g} (python {abs(py - dense[name]) / abs(dense[name]):.1e}, "
              f"typescript {abs(typescript - dense[name]) / abs(dense[name]):.1e} off)")
        assert abs(py - typescript) / abs(py) < 0.01, name
