"""AWS calls per operation, warm, for every product: what one payment costs in DynamoDB, Secrets Manager,
Lambda and API Gateway, and how many Daraja calls it makes.

    python bench/aws_calls.py          # prints the tables; run() answers the same figures as a dict

The real handlers run in this process (local.in_process: the local API's route table, authorizer and
proxy events) against DynamoDB Local and moto server (Secrets Manager, SQS), with the Daraja simulator on
a loopback port delivering its callbacks into the same process. Every boto3 client gets botocore event
hooks: `before-parameter-build` counts each API call by service and operation (and asks DynamoDB for its
ConsumedCapacity), `after-call` adds the capacity units DynamoDB answered. A call is charged to the
Lambda function whose invocation made it (the invoker is wrapped); calls the benchmark itself makes
(waiting, setting up) are charged to no one. Daraja calls are the simulator's request log.

Each flow runs once to warm the containers' caches (token, secrets, clients), then an identical flow is
measured. Last, the STK flow is measured again behind a local API that keeps the authorizer's answer per
token for 60 s, as a stack deployed with `-c merchantAuthorizerCacheSeconds=60` does.

DynamoDB reads are GetItem, Query, Scan, BatchGetItem and TransactGetItems calls; writes are PutItem,
UpdateItem, DeleteItem, BatchWriteItem and TransactWriteItems calls. A transaction is one call (one
request, one round trip) whose every item is billed as a transactional write: 2 write units per item per
KB, plus one unit per KB for each global secondary index the item's write changes. Units are as DynamoDB
Local reports them (ReturnConsumedCapacity=INDEXES); a read that finds nothing (an empty Query) reports 0.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import botocore.session

from bench.in_process_stack import bearer, local_gateway
from infra.routes import AUTHORIZER, Function
from local.in_process import InProcessGateway
from mpesa_gateway.runtime import transactions

READS = frozenset({"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"})
WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})
# What the issue asks of one STK payment (request, callback, one status read), warm.
STK_TARGETS = {"dynamodb_reads": 2, "dynamodb_writes": 3, "secrets_manager_calls": 0, "daraja_calls": 1}

# Public list prices, us-east-1 (N. Virginia): the af-south-1 (Cape Town) prices were not found in the
# sources at hand; Cape Town lists higher prices than N. Virginia for each of these services.
REGION = "us-east-1"
PRICES_USD = {
    # DynamoDB on-demand, Standard table class, after the November 2024 reduction (airbyte.com's summary
    # of aws.amazon.com/dynamodb/pricing/on-demand): per million request units.
    "dynamodb_write_request_unit": 0.625 / 1e6,
    "dynamodb_read_request_unit": 0.125 / 1e6,
    # Lambda x86: $0.20 per million requests, $0.0000166667 per GB-second (aws.amazon.com/lambda/pricing).
    "lambda_request": 0.20 / 1e6,
    "lambda_gb_second": 0.0000166667,
    # API Gateway REST API, first 333 million requests a month: $3.50 per million.
    "api_gateway_rest_request": 3.50 / 1e6,
    # Secrets Manager: $0.05 per 10,000 API calls.
    "secrets_manager_call": 0.05 / 1e4,
}
STK_PHONE = "0712345678"


@dataclass
class Usage:
    """What one flow cost, per function and in total."""

    calls: Counter[str] = field(default_factory=Counter)  # "function service.Operation target"
    units: dict[str, float] = field(default_factory=dict)  # capacity units DynamoDB answered, per call
    read_units: float = 0.0
    write_units: float = 0.0
    transact_items: int = 0
    invocations: Counter[str] = field(default_factory=Counter)
    billed_ms: dict[str, float] = field(default_factory=dict)  # GB-ms per function, at its memory
    api_requests: int = 0
    daraja_calls: Counter[str] = field(default_factory=Counter)

    def count(self, kind: frozenset[str] | str) -> int:
        def matches(key: str) -> bool:
            service_operation = key.split(" ")[1]
            service, operation = service_operation.split(".")
            if isinstance(kind, str):
                return service == kind
            return service == "dynamodb" and operation in kind

        return sum(n for key, n in self.calls.items() if matches(key))

    def figures(self) -> dict[str, Any]:
        gb_seconds = sum(self.billed_ms.values()) / 1000
        lambda_requests = sum(self.invocations.values())
        cost = (
            self.read_units * PRICES_USD["dynamodb_read_request_unit"]
            + self.write_units * PRICES_USD["dynamodb_write_request_unit"]
            + lambda_requests * PRICES_USD["lambda_request"]
            + gb_seconds * PRICES_USD["lambda_gb_second"]
            + self.api_requests * PRICES_USD["api_gateway_rest_request"]
            + self.count("secretsmanager") * PRICES_USD["secrets_manager_call"]
        )
        return {
            "dynamodb_reads": self.count(READS),
            "dynamodb_read_units": self.read_units,
            "dynamodb_writes": self.count(WRITES),
            "dynamodb_write_units": self.write_units,
            "transact_write_items": self.transact_items,
            "secrets_manager_calls": self.count("secretsmanager"),
            "other_aws_calls": sum(
                n
                for key, n in self.calls.items()
                if key.split(" ")[1].split(".")[0] not in ("dynamodb", "secretsmanager")
            ),
            "daraja_calls": sum(self.daraja_calls.values()),
            "lambda_invocations": lambda_requests,
            "lambda_gb_seconds": round(gb_seconds, 6),
            "api_gateway_requests": self.api_requests,
            "usd_per_1000": round(cost * 1000, 4),
            "calls": {
                call: {"count": n, "units": self.units.get(call, 0)} for call, n in sorted(self.calls.items())
            },
            "daraja": dict(self.daraja_calls),
        }


class AwsCallCounter:
    """Botocore event hooks on every client created from now on; calls are charged to the function
    invocation running on the calling thread, if any."""

    def __init__(self) -> None:
        self._thread = threading.local()
        self._lock = threading.Lock()
        self.usage = Usage()

    def install(self) -> Callable[[], None]:
        """Hook every client botocore creates from now on; returns what undoes it."""
        original = botocore.session.Session.create_client
        counter = self

        def create_client(session: botocore.session.Session, *args: Any, **kwargs: Any) -> Any:
            client = original(session, *args, **kwargs)
            client.meta.events.register("before-parameter-build", counter._called)
            client.meta.events.register("after-call", counter._answered)
            return client

        botocore.session.Session.create_client = create_client

        def uninstall() -> None:
            botocore.session.Session.create_client = original

        return uninstall

    @contextmanager
    def invocation(self, function: Function) -> Iterator[None]:
        self._thread.function = function.name
        started = time.perf_counter()
        try:
            yield
        finally:
            elapsed_ms = (time.perf_counter() - started) * 1000
            self._thread.function = None
            with self._lock:
                usage = self.usage
                usage.invocations[function.name] += 1
                if function is not AUTHORIZER:
                    usage.api_requests += 1
                # Lambda bills whole milliseconds, at the function's configured memory.
                gb_ms = -(-elapsed_ms // 1) * function.memory_mb / 1024
                usage.billed_ms[function.name] = usage.billed_ms.get(function.name, 0.0) + gb_ms

    def restart(self) -> Usage:
        with self._lock:
            finished, self.usage = self.usage, Usage()
        return finished

    def _called(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        function = getattr(self._thread, "function", None)
        if function is None:
            return
        service = model.service_model.service_name
        if service == "dynamodb" and "ReturnConsumedCapacity" in model.input_shape.members:
            params.setdefault("ReturnConsumedCapacity", "INDEXES")
        key = f"{function} {service}.{model.name} {_target(params)}".rstrip()
        self._thread.call = key
        with self._lock:
            self.usage.calls[key] += 1
            if model.name == "TransactWriteItems":
                self.usage.transact_items += len(params.get("TransactItems", []))

    def _answered(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        if getattr(self._thread, "function", None) is None or "ConsumedCapacity" not in parsed:
            return
        consumed = parsed["ConsumedCapacity"]
        entries = consumed if isinstance(consumed, list) else [consumed]
        units = sum(float(entry.get("CapacityUnits", 0.0)) for entry in entries)
        with self._lock:
            call = self._thread.call
            self.usage.units[call] = self.usage.units.get(call, 0) + units
            if model.name in WRITES:
                self.usage.write_units += units
            else:
                self.usage.read_units += units


def _target(params: dict[str, Any]) -> str:
    """What a call touches: a secret's name, or each table and kind of item ('transactions:TXN')."""
    if "SecretId" in params:
        return str(params["SecretId"])
    items = [next(iter(entry.values())) for entry in params.get("TransactItems", [])] or [params]
    return "+".join(_item_target(item) for item in items if "TableName" in item)


def _item_target(item: dict[str, Any]) -> str:
    table = str(item["TableName"]).removeprefix("mpesa-gateway-")
    if table == "idempotency":
        return "idempotency:record"
    if "IndexName" in item:
        return f"{table}:index {item['IndexName']}"
    if "KeyConditionExpression" in item:
        return f"{table}:query"
    key = item.get("Key") or item.get("Item") or {}
    value = key.get("pk", "")
    value = value.get("S", "") if isinstance(value, dict) else str(value)
    return f"{table}:{value.split('#')[0]}"


class CountedInvoker:
    """The local API's invoker, each invocation charged to its function."""

    def __init__(self, inner: Any, counter: AwsCallCounter) -> None:
        self._inner = inner
        self._counter = counter

    def invoke(self, function: Function, event: dict[str, Any]) -> Any:
        with self._counter.invocation(function):
            return self._inner.invoke(function, event)

    def close(self) -> None:
        self._inner.close()


# Flows -------------------------------------------------------------------------------------------------


@dataclass
class Session:
    """What a flow acts with: the gateway, the counter and a merchant's Authorization header."""

    gateway: InProcessGateway
    counter: AwsCallCounter
    auth: dict[str, str]

    def call(self, method: str, path: str, *, expect: int = 200, **kwargs: Any) -> dict[str, Any]:
        client = self.gateway.client
        if client is None:
            raise RuntimeError("the local API is not served")
        answer = client.open(path, method=method, **kwargs)
        body = answer.get_json(silent=True) or {}
        if answer.status_code != expect:
            raise RuntimeError(f"{method} {path} answered {answer.status_code}: {body}")
        return body

    def merchant(
        self, method: str, path: str, *, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        return self.call(method, path, headers={**self.auth, **(headers or {})}, **kwargs)

    def wait_for(self, function: str, count: int = 1, timeout: float = 10) -> None:
        """Until `function` has finished `count` invocations since the counter restarted."""
        deadline = time.monotonic() + timeout
        while self.counter.usage.invocations[function] < count:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{function} was not invoked within {timeout:g} s")
            time.sleep(0.02)

    def settled(self, transaction_id: str, status: str = "COMPLETED") -> None:
        """The transaction ended as expected (read outside any invocation: not counted)."""
        found = transactions().get(transaction_id)
        if found is None or found.status.value != status:
            raise RuntimeError(
                f"{transaction_id} is {found.status.value if found else 'missing'}, not {status}"
            )


def _unique(prefix: str) -> str:
    """A fresh M-Pesa-like receipt or TransID: 10 upper-case letters and digits."""
    return (prefix + uuid.uuid4().hex.upper())[:10]


def stk_payment(session: Session, idempotency_key: bool = False) -> None:
    """requestPayment, Safaricom's callback (the simulator's, ~1 s later), one status read."""
    headers = {"Idempotency-Key": uuid.uuid4().hex} if idempotency_key else {}
    payment = {"phone_number": STK_PHONE, "amount": 10, "reference": "ORDER-1", "description": "Bench"}
    data = session.merchant("POST", "/api/pay/demo-express/requestPayment", json=payment, headers=headers)[
        "data"
    ]
    session.wait_for("stk_callback")
    status = session.merchant(
        "GET", f"/api/pay/demo-express/checkPaymentRequestStatus/{data['transaction_id']}"
    )
    if status["data"]["status"] != "COMPLETED":
        raise RuntimeError(f"the STK payment ended {status['data']['status']}")


def c2b_payment(session: Session) -> None:
    """Safaricom's validation request, then its confirmation, for a new TransID."""
    body = {
        "TransactionType": "Pay Bill",
        "TransID": _unique("QC"),
        "TransTime": "20260315143000",
        "TransAmount": "100.00",
        "BusinessShortCode": "600984",
        "BillRefNumber": "INV-1",
        "InvoiceNumber": "",
        "OrgAccountBalance": "1500.00",
        "ThirdPartyTransID": "",
        "MSISDN": "254712345678",
        "FirstName": "JOHN",
        "MiddleName": "",
        "LastName": "DOE",
    }
    query = {"secret": "demo-c2b-callback-secret"}
    decision = session.call("POST", "/api/pay/demo-c2b/validateTransaction", json=body, query_string=query)
    if str(decision.get("ResultCode")) != "0":
        raise RuntimeError(f"the C2B validation was refused: {decision}")
    session.call("POST", "/api/pay/demo-c2b/callback/confirmation", json=body, query_string=query)


def payout(session: Session, app: str, body: dict[str, Any]) -> str:
    """sendMoney, then Daraja's result; the payout's transaction id."""
    data = session.merchant("POST", f"/api/pay/{app}/sendMoney", json=body)["data"]
    session.wait_for("payout_result")
    session.settled(data["transaction_id"])
    return str(data["transaction_id"])


B2C = {"phone_number": STK_PHONE, "amount": 500, "command_id": "BusinessPayment", "remarks": "Bench"}
B2B = {"receiver_short_code": "600000", "amount": 1000, "command_id": "BusinessPayBill", "reference": "PO-1"}


def reversal(session: Session, paid: str) -> None:
    data = session.merchant("POST", f"/api/pay/demo-b2c/reverseTransaction/{paid}")["data"]
    session.wait_for("payout_result")
    session.settled(data["transaction_id"])


def transaction_status(session: Session, paid: str) -> None:
    data = session.merchant("GET", f"/api/pay/demo-b2c/getTransactionStatus/{paid}")["data"]
    session.wait_for("payout_result")
    session.settled(data["transaction_id"])


def balance(session: Session) -> None:
    data = session.merchant("GET", "/api/pay/demo-b2c/checkBalance")["data"]
    session.wait_for("payout_result")
    session.settled(data["transaction_id"])


def sms(session: Session) -> None:
    receipt = _unique("QS")
    message = (
        f"{receipt} Confirmed. Ksh100.00 received from JOHN DOE 0712345678 on 15/3/26 at 2:30 PM. "
        "New M-PESA balance is Ksh1,500.00."
    )
    data = session.merchant("POST", "/api/pay/demo-personal/extractTransaction", json={"message": message})[
        "data"
    ]
    if data.get("already_recorded") is not False:
        raise RuntimeError(f"the SMS was not recorded as new: {data}")


@dataclass(frozen=True)
class Flow:
    name: str
    what: str
    run: Callable[[Session, Any], object]  # what it returns is not used
    # Made before each run, not counted (a completed payout to reverse or ask about).
    prepare: Callable[[Session], Any] = lambda session: None


FLOWS: tuple[Flow, ...] = (
    Flow("stk", "STK: request, callback, status read", lambda s, _: stk_payment(s)),
    Flow(
        "stk_idempotency_key",
        "STK with an Idempotency-Key",
        lambda s, _: stk_payment(s, idempotency_key=True),
    ),
    Flow("c2b", "C2B: validation, confirmation", lambda s, _: c2b_payment(s)),
    Flow("b2c", "B2C: request, result", lambda s, _: payout(s, "demo-b2c", B2C)),
    Flow("b2b", "B2B: request, result", lambda s, _: payout(s, "demo-b2b", B2B)),
    Flow("reversal", "reversal: request, result", reversal, lambda s: payout(s, "demo-b2c", B2C)),
    Flow(
        "status",
        "transaction status: request, result",
        transaction_status,
        lambda s: payout(s, "demo-b2c", B2C),
    ),
    Flow("balance", "balance: request, result", lambda s, _: balance(s)),
    Flow("sms", "SMS extraction", lambda s, _: sms(s)),
)


# The STK flow again behind an authorizer whose answers API Gateway keeps (merchantAuthorizerCacheSeconds):
# within the TTL a merchant call runs no authorizer and reads no merchant.
AUTHORIZER_CACHE_SECONDS = 60
STK_AUTHORIZER_CACHED = Flow(
    "stk_authorizer_cached",
    f"STK with the authorizer cached {AUTHORIZER_CACHE_SECONDS} s",
    lambda s, _: stk_payment(s),
)


def measure(session: Session, flow: Flow) -> Usage:
    """The flow run once more, warm; its usage."""
    log = session.gateway.state.request_log
    prepared = flow.prepare(session)
    session.counter.restart()
    before = len(log.entries())
    flow.run(session, prepared)
    usage = session.counter.restart()
    usage.daraja_calls.update(entry["path"] for entry in log.entries()[before:])
    return usage


def counted_api(gateway: InProcessGateway, counter: AwsCallCounter) -> None:
    """Charge the served local API's invocations to their functions."""
    if gateway.api is None:
        raise RuntimeError("the local API is not served")
    gateway.api.invoker = CountedInvoker(gateway.api.invoker, counter)


def run() -> dict[str, Any]:
    counter = AwsCallCounter()
    uninstall = counter.install()
    try:
        with local_gateway() as gateway:
            if gateway.client is None:
                raise RuntimeError("the local API is not served")
            counted_api(gateway, counter)
            session = Session(gateway, counter, bearer(gateway.client))
            flows = {}
            for flow in FLOWS:
                measure(session, flow)  # cold: fills the containers' caches
                flows[flow.name] = measure(session, flow).figures() | {"what": flow.what}
            # The same gateway served again, its authorizer's answers cached; the token stays valid.
            gateway.serve(authorizer_cache_seconds=AUTHORIZER_CACHE_SECONDS)
            counted_api(gateway, counter)
            flow = STK_AUTHORIZER_CACHED
            measure(session, flow)  # cold again (new handlers), and caches the token's answer
            flows[flow.name] = measure(session, flow).figures() | {"what": flow.what}
    finally:
        uninstall()
    return {"region": REGION, "prices_usd": PRICES_USD, "stk_targets": STK_TARGETS, "flows": flows}


def table(results: dict[str, Any]) -> str:
    columns = (
        ("reads", "dynamodb_reads"),
        ("RRU", "dynamodb_read_units"),
        ("writes", "dynamodb_writes"),
        ("WRU", "dynamodb_write_units"),
        ("txn items", "transact_write_items"),
        ("secrets", "secrets_manager_calls"),
        ("daraja", "daraja_calls"),
        ("lambdas", "lambda_invocations"),
        ("apigw", "api_gateway_requests"),
        ("GB-s", "lambda_gb_seconds"),
        ("$/1000", "usd_per_1000"),
    )
    lines = [f"{'flow (warm)':<40}" + "".join(f"{title:>10}" for title, _ in columns)]
    targets = results["stk_targets"]
    lines.append(f"{'STK target':<40}" + "".join(f"{targets.get(key, '-'):>10}" for _, key in columns))
    for figures in results["flows"].values():
        cells = "".join(f"{_cell(figures[key]):>10}" for _, key in columns)
        lines.append(f"{figures['what']:<40}{cells}")
    return "\n".join(lines)


def _cell(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def breakdown(figures: dict[str, Any]) -> str:
    lines = [
        f"  {spent['count']} x {call}"
        + (f" ({spent['units']:g} units)" if call.split(" ")[1].startswith("dynamodb") else "")
        for call, spent in figures["calls"].items()
    ]
    lines += [f"  {count} x daraja {path}" for path, count in figures["daraja"].items()]
    return "\n".join(lines)


def main() -> None:
    results = run()
    prices = ", ".join(f"{name} ${price:.10g}" for name, price in results["prices_usd"].items())
    print(f"AWS calls per operation, warm (prices: {results['region']} list prices; {prices})")
    print(table(results))
    for name in ("stk", "stk_idempotency_key", STK_AUTHORIZER_CACHED.name):
        print(f"\n{results['flows'][name]['what']}: every call, by function")
        print(breakdown(results["flows"][name]))


if __name__ == "__main__":
    main()
