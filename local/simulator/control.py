"""The simulator's own control API (/simulator/...): rules, logs and health; not part of Daraja."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from local.simulator.c2b import ControlInputError, confirm_without_validation, parse_direct_confirmation
from local.simulator.logs import Entry
from local.simulator.rules import RuleError, parse_rule
from local.simulator.state import get_state

blueprint = Blueprint("simulator_control", __name__, url_prefix="/simulator")


@blueprint.get("/health")
def health() -> Response:
    return jsonify({"status": "ok"})


@blueprint.post("/rules")
def add_rule() -> tuple[Response, int]:
    rules = get_state().rules
    try:
        rule = parse_rule(request.get_json(silent=True), rules.default_callback_delay_ms)
    except RuleError as error:
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
    if not get_state().rules.remove(msisdn):
        return jsonify({"error": f"no rule for {msisdn}", "field": "msisdn"}), 404
    return jsonify({"deleted": 1}), 200


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
    state = get_state()
    state.request_log.clear()
    state.callback_log.clear()
    return jsonify({"cleared": True})


@blueprint.get("/callbacks")
def list_callbacks() -> Response:
    return jsonify({"callbacks": get_state().callback_log.entries()})
