"""SIM swap checks (`/imsi/v2/checkATI`, the Swap product; `/imsi/v1/checkATI`, the IMSI product).

Each answers a number's last SIM swap date as "DD-MM-YYYY HH:MM" Nairobi time, or "01-01-1900 00:00"
when the SIM was not swapped within the last 3 months (Daraja's own convention). v1 adds a hashed IMSI,
the number's registration date and the number itself.

Which date, by rule (deterministic, relative to the request's Nairobi time, to the minute):
- a number whose last two digits NN are 90 to 99 was swapped NN - 90 days ago (…93: three days ago;
  …90: at this minute);
- any other number was not swapped within 3 months (the demo numbers 254708374149 and 254712345678).
A test sets a number's swap with `PUT /simulator/sim-swaps/<msisdn>` {"days_ago": N} (above 90: not
within 3 months) and returns it to the rule with `DELETE /simulator/sim-swaps/<msisdn>`;
`GET /simulator/sim-swaps` lists what is set.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from flask import Blueprint, Response, jsonify, request

from local.simulator.clock import nairobi_now
from local.simulator.errors import ControlInputError
from local.simulator.ids import new_request_id
from local.simulator.oauth import require_access_token
from local.simulator.rules import int_field
from local.simulator.state import get_state
from local.simulator.validation import as_text, is_msisdn, json_object_body, validate_fields

blueprint = Blueprint("daraja_sim_swap", __name__)

CHECK_V1 = "/imsi/v1/checkATI"
CHECK_V2 = "/imsi/v2/checkATI"
# Daraja looks back 3 months; a swap before that is answered with this date.
LOOKBACK_DAYS = 90
NO_RECENT_SWAP = "01-01-1900 00:00"
SWAP_DATE_FORMAT = "%d-%m-%Y %H:%M"
RULE_FIRST_ENDING = 90  # numbers ending 90-99 were swapped (ending - 90) days ago
MAX_DAYS_AGO = 36_500


@dataclass(frozen=True)
class SimSwap:
    """A number's last swap as a test set it."""

    msisdn: str
    days_ago: int


def days_since_swap(msisdn: str) -> int | None:
    """How many days ago the number's SIM was swapped: as a test set it, else by the rule; None: never."""
    set_by_test = get_state().sim_swaps.get(msisdn)
    if set_by_test is not None:
        return set_by_test.days_ago
    ending = int(msisdn[-2:])
    return ending - RULE_FIRST_ENDING if ending >= RULE_FIRST_ENDING else None


def last_swap_date(days_ago: int | None, now: datetime) -> str:
    if days_ago is None or days_ago > LOOKBACK_DAYS:
        return NO_RECENT_SWAP
    return (now - timedelta(days=days_ago)).strftime(SWAP_DATE_FORMAT)


@blueprint.post(CHECK_V1, defaults={"version": "v1"})
@blueprint.post(CHECK_V2, defaults={"version": "v2"})
@require_access_token
def check_ati(version: str) -> Response:
    body = json_object_body()
    validate_fields(body, (("customerNumber", is_msisdn),))
    msisdn = as_text(body["customerNumber"]) or ""
    now = nairobi_now()
    answer = {
        "requestRefID": new_request_id(),
        "responseCode": "200",
        "responseDesc": "Success",
    }
    if version == "v1":
        # A stable stand-in for the hashed IMSI, and a registration date older than the swap window.
        answer["imsi"] = str(int(hashlib.sha256(msisdn.encode()).hexdigest(), 16))[:16]
    answer["lastSwapDate"] = last_swap_date(days_since_swap(msisdn), now)
    if version == "v1":
        answer["msisdnRegistrationDate"] = f"{now - timedelta(days=3 * 365):%d-%m-%Y}"
        answer["customerNumber"] = msisdn
    return jsonify(answer)


@blueprint.put("/simulator/sim-swaps/<msisdn>")
def set_sim_swap(msisdn: str) -> tuple[Response, int]:
    if not is_msisdn(msisdn):
        return jsonify({"error": "must be 2547XXXXXXXX or 2541XXXXXXXX", "field": "msisdn"}), 400
    body = request.get_json(silent=True)
    try:
        if not isinstance(body, dict) or set(body) != {"days_ago"}:
            raise ControlInputError("body", 'must be {"days_ago": <days>}')
        days_ago = int_field(body, "days_ago", None, MAX_DAYS_AGO)
    except ControlInputError as error:
        return jsonify({"error": str(error), "field": error.field}), 400
    swap = SimSwap(msisdn, days_ago)
    get_state().sim_swaps.update(msisdn, lambda _: swap)  # a new one replaces the old
    return jsonify(asdict(swap)), 200


@blueprint.get("/simulator/sim-swaps")
def list_sim_swaps() -> Response:
    return jsonify({"sim_swaps": [asdict(swap) for swap in get_state().sim_swaps.all()]})


@blueprint.delete("/simulator/sim-swaps/<msisdn>")
def delete_sim_swap(msisdn: str) -> tuple[Response, int]:
    if not get_state().sim_swaps.remove(msisdn):
        return jsonify({"error": f"no SIM swap set for {msisdn}", "field": "msisdn"}), 404
    return jsonify({"deleted": 1}), 200
