"""The simulator's own control API (/simulator/...): rules, logs and health; not part of Daraja."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from local.simulator import effects
from local.simulator.balances import ACCOUNT_NAMES, Balances
from local.simulator.c2b import confirm_without_validation, parse_direct_confirmation
from local.simulator.errors import ControlInputError
from local.simulator.faults import parse_fault
from local.simulator.injection import fault_paths
from local.simulator.logs import Entry
from local.simulator.rules import is_short_code, parse_rule
from local.simulator.state import get_state
from local.simulator.validation import is_msisdn

blueprint = Blueprint("simulator_control", __name__, url_prefix="/simulator")


@blueprint.get("/health")
def health() -> Response:
    return jsonify({"status": "ok"})


@blueprint.post("/rules")
def add_rule() -> tuple[Response, int]:
    rules = get_state().rules
    try:
        rule = parse_rule(request.get_json(silent=True), rules.default_callback_delay_ms)
    except ControlInputError as error:
        return jsonify({"error": str(error), "field": error.field}), 400
    rules.put(rule)  # one rule per number: a new one replaces the old
    return jsonify(rule.to_json()), 201


@blueprint.get("/rules")
def list_rules() -> Response:
    return jsonify({"rules": [rule.to_json() for rule in get_state().rules.all()]})


@blueprint.delete("/rules")
def clear_rules() -> Response:
    return jsonify({"deleted": get_state().rules.clear()})


@blueprint.delete("/rules/<msisdn>")
def delete_rule(msisdn: str) -> tuple[Response, int]:
    """Deletes the rule of a number, or of a short code (a party rule)."""
    if not get_state().rules.remove(msisdn):
        field = "msisdn" if is_msisdn(msisdn) or not is_short_code(msisdn) else "party"
        return jsonify({"error": f"no rule for {msisdn}", "field": field}), 404
    return jsonify({"deleted": 1}), 200


@blueprint.get("/certificate")
def certificate() -> Response:
    """The PEM certificate to encrypt initiator passwords with (what Safaricom publishes as a .cer)."""
    return Response(get_state().certificate_pem, mimetype="text/plain")


@blueprint.get("/receipts")
def list_receipts() -> Response:
    """Every receipt the simulator issued (STK, C2B, B2C, B2B) and whether it was reversed."""
    return jsonify({"receipts": [receipt.to_json() for receipt in get_state().receipts.all()]})


def _accounts_json(short_code: str, balances: Balances) -> dict[str, Any]:
    return {"short_code": short_code, **{account: cents / 100 for account, cents in balances.items()}}


@blueprint.get("/accounts")
def list_accounts() -> Response:
    """Balances (shillings) of every short code that has transacted or been set."""
    accounts = get_state().org_accounts.all()
    return jsonify({"accounts": [_accounts_json(code, balances) for code, balances in accounts.items()]})


@blueprint.put("/accounts/<short_code>")
def set_accounts(short_code: str) -> tuple[Response, int]:
    """Sets some of a short code's balances, in shillings, e.g. {"utility": 5, "working": 100.5}."""
    if not is_short_code(short_code):
        return jsonify({"error": "must be 5 to 7 digits", "field": "short_code"}), 400
    try:
        cents = _parse_balances(request.get_json(silent=True))
    except ControlInputError as error:
        return jsonify({"error": str(error), "field": error.field}), 400
    balances = get_state().org_accounts.set(short_code, cents)
    return jsonify(_accounts_json(short_code, balances)), 200


def _parse_balances(body: Any) -> Balances:
    if not isinstance(body, dict) or not body:
        raise ControlInputError("body", f"must be a JSON object with some of {', '.join(ACCOUNT_NAMES)}")
    cents: Balances = {}
    for account, value in body.items():
        if account not in ACCOUNT_NAMES:
            raise ControlInputError(account, "is not an account")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ControlInputError(account, "must be a number of shillings")
        try:
            amount = Decimal(str(value)) * 100
        except InvalidOperation:  # nan, inf
            raise ControlInputError(account, "must be a number of shillings") from None
        if not amount.is_finite() or amount != amount.to_integral_value() or abs(amount) >= 10**15:
            raise ControlInputError(account, "must have at most 2 decimals and be below 10^13")
        cents[account] = int(amount)
    return cents


@blueprint.get("/c2b/registrations")
def list_c2b_registrations() -> Response:
    registrations = get_state().c2b_registrations.all()
    return jsonify({"registrations": [registration.to_json() for registration in registrations]})


@blueprint.delete("/c2b/registrations")
def clear_c2b_registrations() -> Response:
    return jsonify({"deleted": get_state().c2b_registrations.clear()})


@blueprint.delete("/c2b/registrations/<short_code>")
def delete_c2b_registration(short_code: str) -> tuple[Response, int]:
    # Lets a test register again, which Daraja itself refuses ("Urls are already registered").
    if not get_state().c2b_registrations.remove(short_code):
        return jsonify({"error": f"no registration for {short_code}", "field": "short_code"}), 404
    return jsonify({"deleted": 1}), 200


@blueprint.get("/c2b/payments")
def list_c2b_payments() -> Response:
    return jsonify({"payments": [payment.to_json() for payment in get_state().c2b_payments.all()]})


@blueprint.delete("/c2b/payments")
def clear_c2b_payments() -> Response:
    # Only the records go; short code balances keep growing, as a real account's would.
    return jsonify({"deleted": get_state().c2b_payments.clear()})


@blueprint.post("/c2b/confirmations")
def send_c2b_confirmation() -> tuple[Response, int]:
    """A confirmation with no validation first, as Safaricom sends when validation is off."""
    try:
        confirmation = parse_direct_confirmation(request.get_json(silent=True))
    except ControlInputError as error:
        return jsonify({"error": str(error), "field": error.field}), 400
    payment = confirm_without_validation(get_state(), confirmation)
    if payment is None:
        message = f"no registration for {confirmation.short_code}"
        return jsonify({"error": message, "field": "short_code"}), 404
    return jsonify({"trans_id": payment.trans_id}), 202


@blueprint.get("/requests")
def list_requests() -> Response:
    path = request.args.get("path")

    def keep(entry: Entry) -> bool:
        return path is None or entry["path"] == path

    return jsonify({"requests": get_state().request_log.entries(keep)})


@blueprint.delete("/requests")
def clear_logs() -> Response:
    """Clears the request and callback logs and the record of processed pushes and payouts."""
    state = get_state()
    state.request_log.clear()
    state.callback_log.clear()
    state.processed.clear()
    return jsonify({"cleared": True})


@blueprint.get("/processed")
def list_processed() -> Response:
    """What Daraja did: every STK push and payout it acted on, and a summary to compare with."""
    records = get_state().processed.entries()
    return jsonify({"processed": records, "summary": effects.summarise(records)})


@blueprint.post("/faults")
def add_fault() -> tuple[Response, int]:
    try:
        fault, seed = parse_fault(request.get_json(silent=True), fault_paths(current_app))
    except ControlInputError as error:
        return jsonify({"error": str(error), "field": error.field}), 400
    return jsonify(get_state().faults.add(fault, seed).to_json(fired=0)), 201


@blueprint.get("/faults")
def list_faults() -> Response:
    return jsonify({"faults": get_state().faults.listing()})


@blueprint.delete("/faults")
def clear_faults() -> Response:
    return jsonify({"deleted": get_state().faults.clear()})


@blueprint.get("/callbacks")
def list_callbacks() -> Response:
    return jsonify({"callbacks": get_state().callback_log.entries()})
