"""A plain PyTorch training loop on scikit-learn's digits (1,797 8×8 images, shipped with
scikit-learn: nothing is downloaded), watched by the pipeline.

    python -m lyap_client.examples.digits --out events.jsonl          # then: lyap replay --input events.jsonl
    python -m lyap_client.examples.digits --brokers 127.0.0.1:9092    # live: lyap process, lyap control

Exit codes: 0 done, 1 runtime failure, 2 bad usage or settings (one line on stderr).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from typing import List, NoReturn, Optional, Sequence

from ..errors import LyapClientError
from ..events import check_run_id
from ..jsonlog import configure_json_logging, log_line


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return value


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {text!r}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}")
    return value


class _Parser(argparse.ArgumentParser):
    """Usage errors as one line, then the hint, exit 2 (as ``lyap`` does)."""

    def error(self, message: str) -> "NoReturn":  # type: ignore[override]
        self.exit(2, f"error: {message} (run with --help for usage)\n")


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = _Parser(
        prog="python -m lyap_client.examples.digits",
        description="Train an MLP on scikit-learn's digits with SGD, probing with exact Hessian-vector products, "
        "and emit v1 events to Kafka (--brokers) and/or a JSON-lines file (--out).",
    )
    parser.add_argument("--brokers", help="publish to Kafka, host:port[,…] (KAFKA_* settings as lyap's; docs/kafka.md)")
    parser.add_argument("--out", help="write every event as JSON lines (replayable by lyap replay); - for stdout")
    parser.add_argument("--run-id", help="run id (default: digits-mlp-s<seed>-<time>)")
    parser.add_argument("--topic-prefix", default="lyap.", help="topic prefix (default lyap.)")
    parser.add_argument("--steps", type=_positive_int, default=300, help="training steps (default 300)")
    parser.add_argument("--batch", type=_positive_int, default=64, help="minibatch size (default 64)")
    parser.add_argument("--lr", type=_positive_float, default=0.1, help="learning rate (default 0.1)")
    parser.add_argument("--momentum", type=float, default=0.0, help="heavy-ball momentum (default 0)")
    parser.add_argument("--hidden", type=_positive_int, default=64, help="hidden units (default 64)")
    parser.add_argument("--activation", choices=["relu", "tanh"], default="tanh", help="hidden activation (default tanh)")
    parser.add_argument("--seed", type=_non_negative_int, default=1, help="random seed (default 1)")
    parser.add_argument("--probe-every", type=_non_negative_int, default=10, help="probe every n steps; 0 turns it off (default 10)")
    parser.add_argument("--k-lyapunov", type=_non_negative_int, default=1, help="Lyapunov subspace size, 0-8 (default 1)")
    parser.add_argument("--k-sharpness", type=_non_negative_int, default=1, help="sharpness subspace size, 0-8 (default 1)")
    parser.add_argument("--min-curvature", action="store_true", help="also track the most negative curvature h_min")
    parser.add_argument("--float64-probe", action="store_true", help="probe on a float64 copy of the model")
    parser.add_argument("--accept-unsigned-commands", action="store_true",
                        help="apply unsigned lr-commands when neither LYAP_CONTROL_KEY nor LYAP_CONTROL_KEYS is set (warns)")
    parser.add_argument("--lr-min", type=_positive_float, default=1e-6, help="lower bound for commanded rates (default 1e-6)")
    parser.add_argument("--lr-max", type=_positive_float, default=10.0, help="upper bound for commanded rates (default 10)")
    parser.add_argument("--threads", type=_positive_int, help="torch CPU threads (default: torch's; 1 on a shared machine)")
    parser.add_argument("--step-delay-ms", type=float, default=0.0, help="sleep this long after each step (to watch a run live)")
    args = parser.parse_args(argv)
    if args.brokers is None and args.out is None:
        parser.error("nothing to emit to: give --brokers and/or --out")
    if not 0 <= args.momentum < 1:
        parser.error(f"--momentum must be in [0, 1), got {args.momentum}")
    return args


def load_digits_tensors():  # type: ignore[no-untyped-def]
    """The digits as float32 features in [0, 1] and int64 labels."""
    import numpy as np
    import torch
    from sklearn.datasets import load_digits

    data = load_digits()
    x = torch.from_numpy((data.data / 16.0).astype(np.float32))
    y = torch.from_numpy(data.target.astype(np.int64))
    return x, y


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    logger = configure_json_logging("trainer")
    try:
        return _train(args, logger)
    except LyapClientError as error:
        print(f"lyap-client: {error}", file=sys.stderr)
        return 2 if error.code == "LYAP_E_CONFIG" else 1
    except ValueError as error:
        print(f"lyap-client: {error} (LYAP_E_CONFIG)", file=sys.stderr)
        return 2


def _train(args: argparse.Namespace, logger: logging.Logger) -> int:
    import torch
    import torch.nn.functional as F

    from .. import Emitter, JsonLinesEmitter, Monitor, ProbeSettings, TeeEmitter
    from ..intake import LrBounds

    if args.threads is not None:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    x, y = load_digits_tensors()
    model = torch.nn.Sequential(
        torch.nn.Linear(64, args.hidden),
        torch.nn.Tanh() if args.activation == "tanh" else torch.nn.ReLU(),
        torch.nn.Linear(args.hidden, 10),
    )
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum)
    run_id = check_run_id(args.run_id or f"digits-mlp-s{args.seed}-{int(time.time())}")
    probe = ProbeSettings(every=args.probe_every, k_lyapunov=args.k_lyapunov, k_sharpness=args.k_sharpness,
                          min_curvature=args.min_curvature, dtype=torch.float64 if args.float64_probe else None)
    problems = probe.problems()
    if problems:
        raise ValueError(f"probe settings: {'; '.join(problems)}")
    emitters: List[Emitter] = []
    commands = None
    if args.out is not None:
        emitters.append(JsonLinesEmitter(args.out))
    if args.brokers is not None:
        from ..kafka import KafkaCommands, KafkaEmitter, kafka_config_from_env

        config = kafka_config_from_env(brokers=args.brokers)
        kafka = KafkaEmitter(config, topic_prefix=args.topic_prefix)
        emitters.append(kafka)
        commands = KafkaCommands(config, run_id, topic_prefix=args.topic_prefix, accept_unsigned=args.accept_unsigned_commands,
                                 bounds=LrBounds(args.lr_min, args.lr_max), dead_letters=kafka)
    emitter = emitters[0] if len(emitters) == 1 else TeeEmitter(*emitters)
    generator = torch.Generator().manual_seed(args.seed + 1)
    order = torch.randperm(len(x), generator=generator)
    at = 0
    started = time.time()
    with Monitor(model, optimizer, run_id=run_id, emitter=emitter, batch_size=args.batch, dataset="sklearn-digits",
                 model_name=f"mlp-64-{args.hidden}-10-{args.activation}", probe=probe, commands=commands, seed=args.seed) as monitor:
        log_line(logger, "training", runId=run_id, steps=args.steps, lr=args.lr, samples=len(x), params=monitor.n_params)
        for _ in range(args.steps):
            if at + args.batch > len(x):  # an epoch is a permutation cut into full batches
                order = torch.randperm(len(x), generator=generator)
                at = 0
            index = order[at:at + args.batch]
            at += args.batch
            xb, yb = x[index], y[index]
            monitor.step(lambda: F.cross_entropy(model(xb), yb))
            if monitor.diverged:
                break
            if args.step_delay_ms > 0:
                time.sleep(args.step_delay_ms / 1000)
    with torch.no_grad():
        accuracy = float((model(x).argmax(1) == y).float().mean())
    fields = {"runId": run_id, "status": monitor.status, "lastStep": monitor.last_step, "finalLoss": monitor.last_loss,
              "trainAccuracy": round(accuracy, 4), "lr": monitor.lr, "seconds": round(time.time() - started, 2)}
    if commands is not None:
        fields["commands"] = commands.stats.as_dict()
    log_line(logger, "done", **fields)
    return 0


if __name__ == "__main__":
    sys.exit(main())
