"""Throughput of mpesa_gateway.sms.parse_sms on one core, against references measured in the same run.

    PYTHONPATH=layers/common/python .venv/bin/python bench/sms_parser.py [--parses 100000] [--rounds 5]

The corpus is the unit tests' message table (every transaction shape plus the refusals), cycled
until --parses messages have been read. Absolute rates swing with the machine and its load, so the
script also times, over the same messages in the same run, a bare precompiled `re.match` of a
receipt header and a `str.split` of each message: "parse costs N x a bare regex match" is the figure
to compare between machines. Exits 1 if the rate is below the 20,000 messages/second requirement.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from mpesa_gateway.sms import NotATransaction, parse_sms

REQUIRED_PER_SECOND = 20_000
ROOT = Path(__file__).resolve().parent.parent


def load_corpus() -> tuple[list[str], int]:
    """(messages, how many of them are transactions) from the unit tests' table."""
    sys.path.insert(0, str(ROOT))
    table = importlib.import_module("tests.unit.sms_messages")
    transactions = [case.text for case in table.TRANSACTIONS]
    refusals = [text for _, text, _ in table.NOT_TRANSACTIONS]
    return transactions + refusals, len(transactions)


def pin_to_one_core() -> str:
    # One interpreter thread uses one core anyway; pinning stops the scheduler moving it mid-run.
    if hasattr(os, "sched_setaffinity"):
        core = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})
        return f"pinned to CPU {core}"
    return "not pinned (no sched_setaffinity here)"


def parse_or_refuse(text: str) -> object:
    try:
        return parse_sms(text)
    except NotATransaction as refused:
        return refused


def best_seconds(work: Callable[[str], object], stream: Sequence[str], rounds: int) -> float:
    """Fastest of `rounds` passes over `stream`: the least disturbed by other load on the machine."""
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for text in stream:
            work(text)
        best = min(best, time.perf_counter() - started)
    return best


def run(parses: int = 100_000, rounds: int = 5) -> dict[str, Any]:
    corpus, transaction_count = load_corpus()
    stream = [corpus[i % len(corpus)] for i in range(parses)]
    header = re.compile(r"(?P<receipt>[A-Z0-9]{9,10})\s*(?i:confirmed)")
    pinning = pin_to_one_core()

    # Warm-up: the first pass pays for imports, the regex cache and CPU frequency ramp-up.
    best_seconds(parse_or_refuse, stream[: len(corpus) * 20], 1)

    parse_s = best_seconds(parse_or_refuse, stream, rounds)
    match_s = best_seconds(header.match, stream, rounds)
    split_s = best_seconds(str.split, stream, rounds)
    return {
        "corpus_messages": len(corpus),
        "corpus_transactions": transaction_count,
        "parses": parses,
        "rounds": rounds,
        "pinning": pinning,
        "messages_per_second": round(parses / parse_s),
        "re_match_per_second": round(parses / match_s),
        "str_split_per_second": round(parses / split_s),
        "ratio_to_re_match": round(parse_s / match_s, 2),
        "ratio_to_str_split": round(parse_s / split_s, 2),
        "required_per_second": REQUIRED_PER_SECOND,
    }


def report(figures: dict[str, Any]) -> str:
    parses = figures["parses"]
    rate = figures["messages_per_second"]
    verdict = "meets" if rate >= REQUIRED_PER_SECOND else "FAILS"
    return "\n".join(
        [
            f"corpus: {figures['corpus_messages']} messages ({figures['corpus_transactions']} transactions, "
            f"{figures['corpus_messages'] - figures['corpus_transactions']} refusals), {parses:,} parses, "
            f"best of {figures['rounds']}, {figures['pinning']}, Python {sys.version.split()[0]}",
            f"parse_sms:          {rate:>12,} messages/s  {1e6 / rate:7.2f} us/message",
            f"bare re.match:      {figures['re_match_per_second']:>12,} messages/s",
            f"str.split:          {figures['str_split_per_second']:>12,} messages/s",
            f"parse_sms costs {figures['ratio_to_re_match']}x a bare re.match and "
            f"{figures['ratio_to_str_split']}x a str.split",
            f"requirement >= {REQUIRED_PER_SECOND:,} messages/s: {verdict} "
            f"({rate / REQUIRED_PER_SECOND:.1f}x)",
        ]
    )


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--parses", type=int, default=100_000)
    options.add_argument("--rounds", type=int, default=5)
    args = options.parse_args()
    figures = run(args.parses, args.rounds)
    print(report(figures))
    return 0 if figures["messages_per_second"] >= REQUIRED_PER_SECOND else 1


if __name__ == "__main__":
    raise SystemExit(main())
