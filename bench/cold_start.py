"""Cold start: how long importing each function's handler takes, against `import boto3` in the same run.

    PYTHONPATH=layers/common/python:. .venv/bin/python bench/cold_start.py [--rounds 5] [--only NAME ...]

Lambda's init imports the handler file once per container; that import is what this measures, in a
fresh interpreter per sample, with the environment the stack gives every function (table names, queue
URL, Powertools settings, the Lambda variables Powertools reads). The stack turns on active tracing, so
"tracing on" is the deployed case; "tracing off" (POWERTOOLS_TRACE_DISABLED=true, as locally and in
tests) is measured beside it. Each round times every import once, interleaved with the reference, and
the table shows the median of the rounds: for the ratio, the median of each sample divided by the
reference timed just before it, which holds up while the machine's load drifts.

Every module is imported from bytecode, as from a layer built with .pyc files and the runtime's own
boto3: a private PYTHONPYCACHEPREFIX is filled by one unmeasured round first. The interpreter is the
one running this script (the .venv's, Python 3.11 on the development machines; Lambda runs 3.13), so
the absolute milliseconds are this machine's; the ratio to `import boto3` is the figure to compare.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TypedDict

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from infra.functions import METRICS_NAMESPACE, SERVICE_NAME  # noqa: E402
from infra.queues import QUEUES  # noqa: E402
from infra.routes import FUNCTIONS_DIR, HANDLER, HANDLER_FILE, LAYER_DIR, deployed_functions  # noqa: E402
from infra.tables import TABLES  # noqa: E402

TARGET_RATIO = 1.25
REFERENCE = "import boto3"
DEFAULT_ROUNDS = 5

# Timed inside the child, so interpreter start-up is left out of both the handler and the reference.
# It prints two figures. "import": the handler file as Lambda's init imports it, plus boto3, which every
# function needs on its first request whether the handler imports it at init or on first use. "wired":
# that plus building the services the handler takes from mpesa_gateway.runtime (its zero-argument
# factories, which construct boto3 resources and import each service's modules but call no AWS), which
# its first request does: the honest first-request figure once the wiring imports lazily.
_IMPORT_HANDLER = """
import importlib.util, sys, time
start = time.perf_counter()
spec = importlib.util.spec_from_file_location("handler", sys.argv[1])
module = importlib.util.module_from_spec(spec)
sys.modules["handler"] = module
spec.loader.exec_module(module)
import boto3
imported = time.perf_counter()
for value in list(vars(module).values()):
    if getattr(value, "__module__", None) == "mpesa_gateway.runtime" and hasattr(value, "cache_info"):
        value()
wired = time.perf_counter()
print(imported - start, wired - start)
"""
_IMPORT_BOTO3 = """
import time
start = time.perf_counter()
import boto3
print(time.perf_counter() - start)
"""


# The floor under every handler: the design card's runtime packages alone (boto3, pydantic with one model,
# Powertools' logger, metrics and REST resolver, requests), nothing of the gateway's. No handler can start
# faster than this, so it shows how far the target is reachable on these packages.
FLOOR = "card packages floor"
_IMPORT_FLOOR = """
import time
start = time.perf_counter()
import boto3, requests
from pydantic import BaseModel
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
class Floor(BaseModel):
    amount: int
print(time.perf_counter() - start)
"""

_QUEUE_URL_BASE = "https://sqs.eu-west-1.amazonaws.com/123456789012/"
MODES = ("tracing_on", "tracing_off")
PHASES = ("import", "wired")
COLUMNS = [(mode, phase) for mode in MODES for phase in PHASES]


class ColdStart(TypedDict):
    python: str
    rounds: int
    target_ratio: float
    reference: str
    reference_ms: dict[str, float]  # by mode
    floor_ms: dict[str, float]  # by mode: the card's packages alone (FLOOR)
    floor_ratio: dict[str, float]  # by mode, against the reference
    functions: dict[str, dict[str, float]]  # by function: "<mode>_<phase>_ms" and "..._ratio"
    within_target: dict[str, bool]  # by "<mode>_<phase>"


def lambda_environment(function_name: str, *, tracing: bool, pycache: str) -> dict[str, str]:
    """What a function's process sees at init: the stack's variables (placeholder values of the same
    kind) and the ones Lambda itself sets that the gateway or Powertools read."""
    environment = {
        **{table.env_var: f"mpesa-gateway-{table.env_var.lower()}" for table in TABLES},
        **{
            queue.env_var: f"https://sqs.eu-west-1.amazonaws.com/123456789012/{queue.env_var}"
            for queue in QUEUES
        },
        "APP_SECRET_PREFIX": "mpesa-gateway/apps/",
        "SIGNING_KEY_SECRET": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:signing-key",
        "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
        "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
        "POWERTOOLS_LOG_LEVEL": "INFO",
        "POWERTOOLS_TRACER_CAPTURE_RESPONSE": "false",
        "AWS_REGION": "eu-west-1",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_LAMBDA_FUNCTION_NAME": function_name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        # The X-Ray SDK takes its Lambda path (no sampling rules fetched, no daemon) only when this is set.
        "LAMBDA_TASK_ROOT": str(FUNCTIONS_DIR / function_name),
        "_HANDLER": HANDLER,
        # Placeholders: nothing is signed or sent during an import.
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "PYTHONPATH": os.pathsep.join((str(LAYER_DIR / "python"), str(ROOT))),
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPYCACHEPREFIX": pycache,
    }
    if tracing:
        # What Lambda adds for active tracing.
        environment["AWS_XRAY_CONTEXT_MISSING"] = "LOG_ERROR"
        environment["AWS_XRAY_DAEMON_ADDRESS"] = "169.254.79.129:2000"
    else:
        environment["POWERTOOLS_TRACE_DISABLED"] = "true"
    return environment


def _time_child(code: str, argv: Sequence[str], environment: Mapping[str, str]) -> list[float]:
    """The seconds the child printed (it times itself)."""
    completed = subprocess.run(
        [sys.executable, "-c", code, *argv],
        env=dict(environment),
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"import failed ({' '.join(argv) or REFERENCE}):\n{completed.stderr[-2000:]}")
    return [float(figure) for figure in completed.stdout.strip().splitlines()[-1].split()]


def measure(rounds: int, names: Sequence[str] | None = None) -> ColdStart:
    functions = [function for function in deployed_functions() if not names or function.name in names]
    samples: dict[tuple[str, str], list[float]] = {}
    ratios: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="cold-start-pyc-") as pycache:

        def run_round(record: bool) -> None:
            for tracing in (True, False):
                mode = "tracing_on" if tracing else "tracing_off"
                for function in functions:
                    reference_env = lambda_environment("reference", tracing=tracing, pycache=pycache)
                    environment = lambda_environment(function.name, tracing=tracing, pycache=pycache)
                    # The reference beside each handler, so load swings hit both alike.
                    (reference,) = _time_child(_IMPORT_BOTO3, [], reference_env)
                    handler_file = str(function.source_dir / HANDLER_FILE)
                    imported, wired = _time_child(_IMPORT_HANDLER, [handler_file], environment)
                    (floor,) = _time_child(_IMPORT_FLOOR, [], reference_env)
                    if record:
                        samples.setdefault((REFERENCE, mode), []).append(reference)
                        samples.setdefault((FLOOR, mode), []).append(floor)
                        ratios.setdefault((FLOOR, mode), []).append(floor / reference)
                        for phase, seconds in (("import", imported), ("wired", wired)):
                            samples.setdefault((function.name, f"{mode}_{phase}"), []).append(seconds)
                            # Each sample against the reference timed just before it: load drifts.
                            ratios.setdefault((function.name, f"{mode}_{phase}"), []).append(
                                seconds / reference
                            )

        run_round(record=False)  # fills the bytecode cache
        for _ in range(rounds):
            run_round(record=True)

    def median_ms(name: str, column: str) -> float:
        return round(statistics.median(samples[(name, column)]) * 1000, 1)

    figures: dict[str, dict[str, float]] = {}
    for function in functions:
        row: dict[str, float] = {}
        for mode, phase in COLUMNS:
            milliseconds = median_ms(function.name, f"{mode}_{phase}")
            row[f"{mode}_{phase}_ms"] = milliseconds
            row[f"{mode}_{phase}_ratio"] = round(
                statistics.median(ratios[(function.name, f"{mode}_{phase}")]), 2
            )
        figures[function.name] = row
    return {
        "python": platform.python_version(),
        "rounds": rounds,
        "target_ratio": TARGET_RATIO,
        "reference": REFERENCE,
        "reference_ms": {mode: median_ms(REFERENCE, mode) for mode in MODES},
        "floor_ms": {mode: median_ms(FLOOR, mode) for mode in MODES},
        "floor_ratio": {mode: round(statistics.median(ratios[(FLOOR, mode)]), 2) for mode in MODES},
        "functions": figures,
        "within_target": {
            f"{mode}_{phase}": all(row[f"{mode}_{phase}_ratio"] <= TARGET_RATIO for row in figures.values())
            for mode, phase in COLUMNS
        },
    }


def print_table(results: ColdStart) -> None:
    reference = results["reference_ms"]
    print(
        f"Cold start vs `{REFERENCE}` in the same run: median of {results['rounds']} rounds, Python "
        f"{results['python']}, target <= {TARGET_RATIO}x. import = Lambda's init (+ boto3); wired = "
        "import + the runtime services the handler uses, as its first request builds them."
    )
    titles = [f"{mode.removeprefix('tracing_')} {phase}" for mode, phase in COLUMNS]
    header = f"{'tracing:':<22}" + "".join(f"{title:>16}" for title in titles)
    print(header)
    print("-" * len(header))
    cells = [f"{reference[mode]:>9.0f} {1:>5.2f}" for mode, _ in COLUMNS]
    print(f"{REFERENCE:<22}" + "".join(f"{cell:>16}" for cell in cells))
    cells = [f"{results['floor_ms'][mode]:>9.0f} {results['floor_ratio'][mode]:>5.2f}" for mode, _ in COLUMNS]
    print(f"{FLOOR:<22}" + "".join(f"{cell:>16}" for cell in cells))
    for name, row in results["functions"].items():
        cells = [f"{row[f'{column}_ms']:>9.0f} {row[f'{column}_ratio']:>5.2f}" for column in _column_keys()]
        print(f"{name:<22}" + "".join(f"{cell:>16}" for cell in cells))
    verdicts = ", ".join(
        f"{key.replace('_', ' ')} {'yes' if within else 'NO'}"
        for key, within in results["within_target"].items()
    )
    print(f"every function <= {TARGET_RATIO}x: {verdicts}")


def _column_keys() -> list[str]:
    return [f"{mode}_{phase}" for mode, phase in COLUMNS]


def run(rounds: int = DEFAULT_ROUNDS, names: Sequence[str] | None = None) -> ColdStart:
    """The figures (printed as a table too) for `make bench` to gather into bench/results.json."""
    results = measure(rounds, names)
    print_table(results)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=DEFAULT_ROUNDS)
    parser.add_argument("--only", nargs="*", help="function names (default: every deployed function)")
    options = parser.parse_args(argv)
    run(options.rounds, options.only)
    return 0


if __name__ == "__main__":
    sys.exit(main())
