"""`make bench`: every benchmark of the gateway, one summary table, and bench/results.json.

Each figure is printed beside its reference from the same run (a ratio) or its target, since absolute
times depend on the machine and its load. Each module also runs alone (`python bench/<name>.py`) and
prints its own detail, which this prints too.
"""

from __future__ import annotations

import functools
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import aws_calls, cold_start, layer_size, sms_parser, token_economy, warm_overhead

RESULTS = Path(__file__).resolve().parent / "results.json"


def _printed_by_run(_: Any) -> str:
    return ""


# (name, run, detail printer): each run returns a JSON-ready dict (cold_start and layer_size print
# their own detail as they go).
BENCHMARKS: tuple[tuple[str, Callable[[], Any], Callable[[Any], str]], ...] = (
    ("cold_start", functools.partial(cold_start.run, rounds=3), _printed_by_run),
    ("layer_size", layer_size.run, _printed_by_run),
    ("aws_calls", aws_calls.run, aws_calls.table),
    ("warm_overhead", warm_overhead.run, warm_overhead.table),
    ("token_economy", token_economy.run, token_economy.table),
    ("sms_parser", sms_parser.run, sms_parser.report),
)


def summary(results: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(figure, measured, beside it: reference or target, verdict) rows."""
    cold = results["cold_start"]
    ratios = {name: row["tracing_on_import_ratio"] for name, row in cold["functions"].items()}
    slowest = max(ratios, key=ratios.__getitem__)
    within = sum(ratio <= cold["target_ratio"] for ratio in ratios.values())
    rows = [
        (
            "cold start: slowest handler import (tracing on)",
            f"{slowest} x{ratios[slowest]}",
            f"import boto3 ({cold['reference_ms']['tracing_on']:.0f} ms); target x{cold['target_ratio']}",
            f"{within} of {len(ratios)} within",
        ),
        (
            "cold start: the card's packages alone (floor)",
            f"x{cold['floor_ratio']['tracing_on']}",
            "import boto3; no handler can start faster",
            _verdict(cold["floor_ratio"]["tracing_on"] <= cold["target_ratio"]),
        ),
    ]
    layer = results["layer_size"]
    rows.append(
        (
            "layer unzipped, without boto3/botocore (MB)",
            f"{layer['unzipped_mb']} ({layer['bytecode_mb']} bytecode)",
            f"target <= {layer['target_unzipped_mb']}",
            _verdict(layer["within_target"]),
        )
    )
    rows.append(
        (
            "layer: the card's packages alone (floor, MB)",
            str(layer["card_packages_mb"]),
            "cryptography, pydantic, Powertools, requests with their dependencies",
            _verdict(layer["card_packages_mb"] <= layer["target_unzipped_mb"]),
        )
    )
    stk = results["aws_calls"]["flows"]["stk"]
    targets = results["aws_calls"]["stk_targets"]
    for label, key in (
        ("STK payment: DynamoDB writes", "dynamodb_writes"),
        ("STK payment: DynamoDB reads", "dynamodb_reads"),
        ("STK payment: Secrets Manager calls", "secrets_manager_calls"),
        ("STK payment: Daraja calls", "daraja_calls"),
    ):
        rows.append((label, str(stk[key]), f"target <= {targets[key]}", _verdict(stk[key] <= targets[key])))
    rows.append(("STK payment: USD per 1,000 (list prices)", f"{stk['usd_per_1000']:.4f}", "-", "-"))
    cached = results["aws_calls"]["flows"]["stk_authorizer_cached"]
    rows.append(
        (
            "STK payment, authorizer cached 60 s: reads",
            str(cached["dynamodb_reads"]),
            f"target <= {targets['dynamodb_reads']}; opt-in: revocation waits up to 60 s",
            _verdict(cached["dynamodb_reads"] <= targets["dynamodb_reads"]),
        )
    )
    warm = results["warm_overhead"]
    handler = warm["request_payment_handler"]
    rows.append(
        (
            "requestPayment handler p50 / p99 (ms)",
            f"{handler['p50_ms']:.1f} / {handler['p99_ms']:.1f}",
            f"bare Daraja call x{warm['ratio_p50']} / x{warm['ratio_p99']}",
            "-",
        )
    )
    tokens = results["token_economy"]
    ours, theirs = tokens["gateway"], tokens["mpesakit"]
    rows.append(
        (
            "OAuth calls, 8 containers x 250 pushes",
            str(ours["oauth_calls"]),
            f"mpesakit {theirs['oauth_calls']}; target 1",
            _verdict(ours["oauth_calls"] == 1),
        )
    )
    rows.append(
        (
            "pushes failed by an invalid token",
            str(ours["failed_invalid_token"] + ours["refused_invalid_token"]),
            f"mpesakit {theirs['failed_invalid_token']}; target 0",
            _verdict(ours["failed_invalid_token"] + ours["refused_invalid_token"] == 0),
        )
    )
    sms = results["sms_parser"]
    rows.append(
        (
            "SMS parser, messages/s on one core",
            f"{sms['messages_per_second']:,}",
            f"x{sms['ratio_to_re_match']} a bare re.match; target >= 20,000",
            _verdict(sms["messages_per_second"] >= sms["required_per_second"]),
        )
    )
    return rows


def _verdict(met: bool) -> str:
    return "meets" if met else "MISSES"


def in_own_process(name: str) -> dict[str, Any]:
    """One benchmark in a fresh interpreter: each starts its own local services (moto keeps its state
    per process), and none inherits another's warm caches."""
    with tempfile.TemporaryDirectory(prefix="bench-") as workdir:
        figures = Path(workdir) / "figures.json"
        subprocess.run([sys.executable, "-m", "bench.all", "--one", name, str(figures)], check=True)
        loaded: dict[str, Any] = json.loads(figures.read_text())
        return loaded


def main() -> None:
    if sys.argv[1:2] == ["--one"]:
        name, out = sys.argv[2], Path(sys.argv[3])
        run = next(run for known, run, _ in BENCHMARKS if known == name)
        out.write_text(json.dumps(run(), default=str))
        return
    results: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {sys.version.split()[0]}",
    }
    for name, _, detail in BENCHMARKS:
        started = time.monotonic()
        results[name] = in_own_process(name)
        print(f"\n== {name} ({time.monotonic() - started:.0f} s)\n{detail(results[name])}", flush=True)
    rows = summary(results)
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    print("\n== summary")
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwritten: {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS}")


if __name__ == "__main__":
    main()
