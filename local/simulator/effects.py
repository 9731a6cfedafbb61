"""What Daraja did: one record per STK push and payout it acted on, whatever its answer said.

A fault run compares these with the gateway's view: every customer prompted once, every payout sent
once, each final status equal to the outcome here. Building the summary is one pass over the records.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from local.simulator.faults import Fault
from local.simulator.logs import Entry, EventLog
from local.simulator.payouts import B2B, B2C_V1, B2C_V3, REVERSAL
from local.simulator.results import SUCCESS
from local.simulator.stk import PUSH
from local.simulator.validation import as_text, whole_amount

STK_PUSH = "stk_push"


@dataclass(frozen=True)
class RecordKind:
    name: str
    # (record field, request body field): what identifies the customer's or merchant's intent
    request_fields: tuple[tuple[str, str], ...]


RECORDED: dict[str, RecordKind] = {
    PUSH: RecordKind(
        STK_PUSH,
        (
            ("phone_number", "PhoneNumber"),
            ("amount", "Amount"),
            ("account_reference", "AccountReference"),
            ("shortcode", "BusinessShortCode"),
        ),
    ),
    **dict.fromkeys(
        (B2C_V1, B2C_V3),
        RecordKind(
            "b2c",
            (
                ("party_a", "PartyA"),
                ("party_b", "PartyB"),
                ("amount", "Amount"),
                ("command_id", "CommandID"),
                ("remarks", "Remarks"),
                ("occasion", "Occassion"),  # Safaricom's spelling
            ),
        ),
    ),
    B2B: RecordKind(
        "b2b",
        (
            ("party_a", "PartyA"),
            ("party_b", "PartyB"),
            ("amount", "Amount"),
            ("command_id", "CommandID"),
            ("account_reference", "AccountReference"),
            ("remarks", "Remarks"),
        ),
    ),
    REVERSAL: RecordKind(
        "reversal",
        (
            ("reversed_transaction_id", "TransactionID"),
            ("amount", "Amount"),
            ("receiver_party", "ReceiverParty"),
            ("remarks", "Remarks"),
        ),
    ),
}


KINDS_BY_NAME = {kind.name: kind for kind in RECORDED.values()}


def record(
    log: EventLog,
    path: str,
    body: Any,
    outcome: Entry | None,
    *,
    fault: Fault | None,
    answered: int | None,
) -> None:
    """Keeps a processed push or payout; `answered` is the HTTP status sent (None: connection reset)."""
    kind = RECORDED.get(path)
    if kind is None or outcome is None or not isinstance(body, dict):
        return
    log.append(
        {
            "kind": kind.name,
            **_request_fields(kind, body),
            **outcome,
            "fault": None if fault is None else fault.reference(),
            "answered": answered,
        }
    )


def _request_fields(kind: RecordKind, body: Mapping[str, Any]) -> Entry:
    fields: Entry = {}
    for name, source in kind.request_fields:
        value = body.get(source)
        fields[name] = whole_amount(value) if name == "amount" else as_text(value)
    return fields


def summarise(records: Iterable[Entry]) -> Entry:
    """Counts per kind and result, amounts that moved, and intents Daraja acted on more than once."""
    by_kind: dict[str, Entry] = {}
    results: dict[str, Counter[str]] = defaultdict(Counter)
    groups: dict[tuple[Any, ...], list[Entry]] = defaultdict(list)
    for entry in records:
        kind = entry["kind"]
        totals = by_kind.setdefault(kind, {"processed": 0, "succeeded": 0, "succeeded_amount": 0})
        totals["processed"] += 1
        code = entry["result_code"]
        results[kind]["queue_timeout" if code is None else str(code)] += 1
        if code == SUCCESS:
            totals["succeeded"] += 1
            totals["succeeded_amount"] += entry["amount"] or 0
        # A prompt counts whatever the customer did; a payout only when money moved.
        if kind == STK_PUSH or code == SUCCESS:
            groups[(kind, *_intent(entry).values())].append(entry)
    for kind, totals in by_kind.items():
        totals["by_result"] = dict(results[kind])
    repeated = [members for members in groups.values() if len(members) > 1]
    return {
        "by_kind": by_kind,
        "prompted_more_than_once": [
            _group(members, "checkout_request_id") for members in repeated if members[0]["kind"] == STK_PUSH
        ],
        "paid_more_than_once": [
            _group(members, "originator_conversation_id")
            for members in repeated
            if members[0]["kind"] != STK_PUSH
        ],
    }


def _intent(entry: Entry) -> Entry:
    return {name: entry[name] for name, _ in KINDS_BY_NAME[entry["kind"]].request_fields}


def _group(members: list[Entry], id_field: str) -> Entry:
    first = members[0]
    return {
        "kind": first["kind"],
        **_intent(first),
        "count": len(members),
        f"{id_field}s": [member[id_field] for member in members],
    }
