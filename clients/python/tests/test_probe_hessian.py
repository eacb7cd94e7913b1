"""The exact-HVP probe against torch.autograd.functional.hessian on a tiny model."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from lyap_client import MemoryEmitter, Monitor, ProbeSettings, TangentProbe
from lyap_client.hvp import HessianProducts, probe_graph
from lyap_client.probe import ProbeContext

from tiny import dense_truth, tiny_problem


def rel(a: float, b: float) -> float:
    return abs(a - b) / abs(b)


def probe_once(model, x, y, settings: ProbeSettings, lr: float = 0.1, dtype=None):  # type: ignore[no-untyped-def]
    emitter = MemoryEmitter()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    monitor = Monitor(model, optimizer, run_id="dense", emitter=emitter, batch_size=len(x), probe=settings)
    monitor.step(lambda: F.cross_entropy(model(x), y))
    return emitter.events[1]["probe"], monitor


def test_lambda_max_h_min_and_batch_sharpness_agree_with_the_dense_hessian_to_1e_6_in_float64() -> None:
    model, x, y = tiny_problem()
    theta, hessian, gradient = dense_truth(model, x, y)
    eigenvalues = torch.linalg.eigvalsh(hessian)
    lambda_max, lambda_min = float(eigenvalues[-1]), float(eigenvalues[0])
    batch_sharpness = float(gradient @ hessian @ gradient / (gradient @ gradient))
    assert lambda_min < 0 < lambda_max
    probe, _ = probe_once(model, x, y, ProbeSettings(every=1, k_lyapunov=0, min_curvature=True, converge_iterations=40,
                                                     sharpness_tolerance=1e-9))
    print(f"λ_max {probe['sharpness']['rayleigh'][0][0]} vs {lambda_max}; h_min {probe['minCurvature']['value']} vs {lambda_min}; "
          f"BS {probe['batchSharpness']} vs {batch_sharpness}; {probe['hvps']} products")
    assert rel(probe["sharpness"]["rayleigh"][0][0], lambda_max) < 1e-6
    assert rel(probe["minCurvature"]["value"], lambda_min) < 1e-6
    assert rel(probe["batchSharpness"], batch_sharpness) < 1e-6
    assert probe["sharpness"]["residual"] < 1e-6
    assert "eps" not in probe


def test_the_default_rounds_read_lambda_max_within_the_tolerance_they_stop_at() -> None:
    model, x, y = tiny_problem()
    _, hessian, _ = dense_truth(model, x, y)
    lambda_max = float(torch.linalg.eigvalsh(hessian)[-1])
    probe, _ = probe_once(model, x, y, ProbeSettings(every=1, k_lyapunov=0))
    # A Ritz value's error is of the order of its residual squared over the gap (Kato–Temple).
    assert probe["sharpness"]["residual"] <= 1e-3
    assert rel(probe["sharpness"]["rayleigh"][0][0], lambda_max) < 1e-4


def test_a_two_vector_sharpness_subspace_reads_the_top_two_eigenvalues() -> None:
    model, x, y = tiny_problem()
    _, hessian, _ = dense_truth(model, x, y)
    top = torch.linalg.eigvalsh(hessian)[-2:].flip(0)
    probe, _ = probe_once(model, x, y, ProbeSettings(every=1, k_lyapunov=0, k_sharpness=2, converge_iterations=40,
                                                     sharpness_tolerance=1e-9))
    ritz = torch.linalg.eigvalsh(torch.tensor(probe["sharpness"]["rayleigh"], dtype=torch.float64)).flip(0)
    assert torch.allclose(ritz, top, rtol=1e-6)


def test_the_lyapunov_step_is_gram_and_rayleigh_of_the_dense_jacobian() -> None:
    model, x, y = tiny_problem()
    theta, hessian, _ = dense_truth(model, x, y)
    lr = 0.3
    settings = ProbeSettings(every=1, k_lyapunov=2, k_sharpness=0, batch_sharpness=False, lyapunov_burst=1, lyapunov_every=1)
    probe = TangentProbe(theta.numel(), settings, seed=7)
    v = torch.stack(probe.lyapunov_vectors, dim=1)
    loss, products = probe_graph(model, lambda: F.cross_entropy(model(x), y), list(model.named_parameters()), torch.float64)
    measured = probe.measure(ProbeContext(products, products.gradient, lr), 0)
    jv = v - lr * hessian @ v
    assert torch.allclose(torch.tensor(measured["lyapunov"]["gram"], dtype=torch.float64), jv.T @ jv, rtol=1e-12, atol=1e-14)
    assert torch.allclose(torch.tensor(measured["lyapunov"]["rayleigh"], dtype=torch.float64), v.T @ hessian @ v, rtol=1e-12, atol=1e-14)
    assert measured["hvps"] == 2 and measured["lyapunov"]["eta"] == lr
    # V ← QR(JV): the next step starts from an orthonormal basis of JV's span.
    q = torch.stack(probe.lyapunov_vectors, dim=1)
    assert torch.allclose(q.T @ q, torch.eye(2, dtype=torch.float64), atol=1e-12)
    assert torch.allclose(q @ (q.T @ jv), jv, atol=1e-12)


def test_a_float64_probe_of_a_float32_model_reads_the_float64_hessian_of_its_parameters() -> None:
    model32, x32, y = tiny_problem(torch.float32)
    _, hessian, gradient = dense_truth(model32, x32, y)
    lambda_max = float(torch.linalg.eigvalsh(hessian)[-1])
    batch_sharpness = float(gradient @ hessian @ gradient / (gradient @ gradient))
    before = [p.detach().clone() for p in model32.parameters()]
    settings = ProbeSettings(every=1, k_lyapunov=0, converge_iterations=40, sharpness_tolerance=1e-9, dtype=torch.float64)
    emitter = MemoryEmitter()
    monitor = Monitor(model32, torch.optim.SGD(model32.parameters(), lr=0.0), run_id="f64", emitter=emitter, batch_size=20, probe=settings)
    monitor.step(lambda: F.cross_entropy(model32(x32), y))
    probe = emitter.events[1]["probe"]
    assert rel(probe["sharpness"]["rayleigh"][0][0], lambda_max) < 1e-6
    assert rel(probe["batchSharpness"], batch_sharpness) < 1e-6
    assert all(torch.equal(a, b.detach()) and b.dtype == torch.float32 for a, b in zip(before, model32.parameters()))
    # The model's own dtype: float32 products, exact to float32's rounding.
    emitter32 = MemoryEmitter()
    monitor32 = Monitor(model32, torch.optim.SGD(model32.parameters(), lr=0.0), run_id="f32", emitter=emitter32, batch_size=20,
                        probe=ProbeSettings(every=1, k_lyapunov=0, converge_iterations=40))
    monitor32.step(lambda: F.cross_entropy(model32(x32), y))
    assert rel(emitter32.events[1]["probe"]["sharpness"]["rayleigh"][0][0], lambda_max) < 1e-4


def test_products_are_exact_hessian_vector_products() -> None:
    model, x, y = tiny_problem()
    _, hessian, gradient = dense_truth(model, x, y)
    params = list(model.parameters())
    loss = F.cross_entropy(model(x), y)
    grads = torch.autograd.grad(loss, params, create_graph=True)
    products = HessianProducts(params, grads)
    v = torch.randn(hessian.shape[0], dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    (hv,) = products([v])
    assert torch.allclose(hv, hessian @ v, rtol=1e-12, atol=1e-13)
    assert torch.allclose(products.gradient, gradient, rtol=1e-14)
    assert products.count == 1


def test_the_probe_counts_its_products_as_the_typescript_probe_does() -> None:
    model, x, y = tiny_problem()
    probe, _ = probe_once(model, x, y, ProbeSettings(every=1, k_lyapunov=1, min_curvature=True, lyapunov_every=1, lyapunov_burst=1))
    iterations = probe["sharpness"].get("iterations", 1)
    # k_L + (k_S + 1 for g) + 1 for u, then at most two residuals per further round.
    assert 4 <= probe["hvps"] <= 4 + 2 * (iterations - 1)
    assert math.isfinite(probe["lyapunov"]["gram"][0][0])


def test_a_probe_needs_no_more_directions_than_parameters() -> None:
    with pytest.raises(ValueError, match="exceed"):
        TangentProbe(3, ProbeSettings(k_sharpness=4), seed=1)
    with pytest.raises(ValueError, match="keeps none"):
        model, x, y = tiny_problem()
        Monitor(model, torch.optim.SGD(model.parameters(), lr=0.1), run_id="x", emitter=MemoryEmitter(), batch_size=1,
                probe=ProbeSettings(lyapunov_burst=2, lyapunov_discard=2))
