"""M-PESA confirmation SMS as Kenyan phones receive them, with what each must parse to.

Shared by the parser's tests and bench/sms_parser.py (its corpus). Each case names its family (who
sends or receives it: consumer, pochi, till, paybill, agent, fuliza, mshwari, kcb, reversal, b2c) and
where its wording comes from (`source`). Messages quoted from a public source keep its text exactly,
receipts, names and numbers included (their own anonymisation too); `wording_of` marks made-up figures in
a public wording, and MADE_UP the few variants no public copy was found for. The messages added for
issue 16 were held out from the parser until its misses were measured and fixed.
"""

from __future__ import annotations

from typing import Any, NamedTuple

FAMILIES = ("consumer", "pochi", "till", "paybill", "agent", "fuliza", "mshwari", "kcb", "reversal", "b2c")

# Where wordings come from. A string search over public GitHub code found some messages without naming
# the repository; those cite the search and the message's receipt, which finds them again.
PESAPI = "github.com/pluspeople/pesaPi php/documentation/mpesa_private_examples.txt"
PENNYWISE_TESTS = "github.com/sarim2000/pennywiseai-tracker parser-core/src/test/kotlin/TestMPESAParser.kt"
PENNYWISE_ISSUE = "https://github.com/sarim2000/pennywiseai-tracker/issues/99"
FRONTLINE = "github.com/FrontlineSMS-Credit/plugin-paymentview (testIncomingPayBillProcessing)"
ISSUE_16 = "this project's issue 16, which quotes the shapes of the held-out misses (figures made up)"
CODE_SEARCH = "public GitHub code, exact-text search for the receipt (repository not named by the index)"
CODE_SEARCH_WORDING = "public GitHub code, exact-text search for the wording (receipt changed here)"
# Found for issue 16 by exact-text search over public GitHub code; the receipt finds each message again.
OKWEMBA_INBOX = (
    "public GitHub code: a finance app's seed script holding one person's real M-PESA inbox of May-June "
    "2026 (`smsList`, next to 'Monthly Upkeep sent by Okwembas')"
)
TRANSSION_TESTS = (
    "public GitHub code: TransactionTypeTests.kt, package com.transsion.financialassistant.data "
    "(real messages as test data)"
)
BELTECH = (
    "github.com/belinzenewtone/beltech-app test/expenses/real_corpus_regression_test.dart and "
    "tool/verify_samples.dart (mined from a real phone's inbox)"
)
PESASCOPE = (
    "public GitHub code: PesaScope.Tests MpesaSmsParserTests.cs ('real-world format captured from actual "
    "messages') and its Parse_RealSamples theory"
)
PY_IMPORTER = (
    "public GitHub code: tests of a Python importer (app.importers.mpesa); real messages whose names, "
    "numbers and links its author anonymised (SAMPLE ..., saf.cx/example)"
)
LEDGER_FLUTTER = "public GitHub code: mpesa_ledger_flutter services/sms_filter, SMSFilter.bosiesTest bodies"
AGENT_SHOP = (
    "github.com/lekinamemusi/AgentShopApp AgentShopApp/AgentShopApp.Android/MainActivity.cs (an M-PESA "
    "agent's float, commission and reversal messages)"
)
PRISM_TILL = (
    "github.com/Teddykavooh/PrismAppBT app/src/main/java/com/edit/prismappbt/ReportActivity.java (a till "
    "owner's messages)"
)
TILL_QUOTES = (
    "public GitHub code: a till reconciler's comment (AA64SF914) and a till project's brief quoting its "
    "client's SMS (UGFMXB3GR6)"
)
REVERSAL_QUOTES = (
    "public GitHub code: reversals quoted by the tests of several SMS parsers (QJC3Q7RYBX, TI27ZWJC3B, "
    "TKFL9EXWCM)"
)
CARD_TESTS = "public GitHub code: ke.mpesa.tracker MpesaParserTest.kt, 'Real messages captured August 2026'"
EQUITY_RECEIPT = "public GitHub code: a Kotlin parser's test 'parse receive transaction - from bank'"
USER_EXAMPLES = "public GitHub code: a Python test script's 'user's actual message examples'"
GLOBALPAY_ADS = (
    "public GitHub code: a PHP parser's test data (QIJ2A5XQ6C) and a Twilio demo that sends a copied "
    "SMS (REV4TVQDEQ)"
)
JS_PATTERN_COMMENTS = (
    "public GitHub code: the comments above a JS parser's patterns quote these messages and cut them off "
    "with '...'; the text here stops where the quote stops"
)
DART_MOCKS = (
    "public GitHub code: Dart mock transactions, where this short reversal is a commented-out quote "
    "split over two lines (joined here)"
)
DEMO_INBOX = "public GitHub code: a Flutter SMS app's demo inbox ('M-PESA: Balance Check')"
LOAN_DOCS = (
    "public GitHub code: a Flutter finance app's notes ('Primary production fixture' for M-Shwari loans) "
    "and its test"
)
BALANCE_EXAMPLE = (
    "public GitHub code: a FastAPI schema example (TransactionCreate.mpesa_message), which prints the "
    "receipt as SEA3IRdTsD; upper-cased here"
)
DART_PARITY = "public GitHub code: a Dart parser's test 'fuliza charge notice parses as FULIZA_CHARGE'"
PARSER_EXAMPLE = (
    "public GitHub code: com.lifeos.sms SmsParserTest, an example written by a parser's author (not "
    "shown to come from a phone)"
)
ANON_TESTS = (
    "public GitHub code: test constants of a Python and a TypeScript SMS parser whose authors replaced the "
    "receipts (AB12CD34EQ, TESTDEPOSIT2); a receipt is made up here where theirs is not one"
)
REVERSAL_COMMENT = (
    "public GitHub code: a Dart parser's comment quotes this wording with the receipts and the party "
    "elided ('OT82...'); those are made up here"
)
PARTIAL_QUOTE = (
    "public GitHub code quotes only this message's opening (a JS comment cut off with '...'); the rest "
    "follows SKT7KAQMRH's public wording"
)
MADE_UP = (
    "made up for this corpus: no public copy of this wording was found; it exercises the variant its "
    "name describes"
)


def wording_of(receipt: str) -> str:
    """A made-up message in the exact public wording of the message with this receipt (in this file)."""
    return f"public wording of {receipt} (in this file), with the receipt, names and figures made up"


class Case(NamedTuple):
    name: str
    text: str
    expected: dict[str, Any]
    family: str
    source: str


def _case(
    name: str,
    text: str,
    *,
    receipt: str,
    kind: str,
    amount: str,
    time: str | None,
    payer_name: str = "",
    payer_account: str = "",
    payee_name: str = "",
    payee_account: str = "",
    account_number: str = "",
    balance: str | None = None,
    cost: str | None = None,
    reversed_id: str | None = None,
    balance_account: str | None = None,
    family: str,
    source: str,
) -> Case:
    """Every field of ParsedSms.to_dict(), so each case pins the whole result, not a chosen few.

    `balance_account` defaults to the M-PESA wallet whenever there is a balance.
    """
    return Case(
        name,
        text,
        {
            "transaction_id": receipt,
            "type": kind,
            "amount": amount,
            "currency": "KES",
            "payer_name": payer_name,
            "payer_account": payer_account,
            "payee_name": payee_name,
            "payee_account": payee_account,
            "account_number": account_number,
            "transaction_time": time,
            "balance": balance,
            "balance_account": balance_account or ("mpesa" if balance is not None else None),
            "transaction_cost": cost,
            "reversed_transaction_id": reversed_id,
            "status": "STATUS_COMPLETED",
        },
        family,
        source,
    )


TRANSACTIONS: list[Case] = [
    # --- received -------------------------------------------------------------------------------
    _case(
        "received-amount-first",
        "QJI3R7GXWV Confirmed. Ksh100.00 received from JOHN DOE 0712345678 on 15/3/26 at 2:30 PM. "
        "New M-PESA balance is Ksh1,500.00.",
        receipt="QJI3R7GXWV",
        family="consumer",
        source=MADE_UP,
        kind="received",
        amount="100.00",
        time="2026-03-15T14:30:00+03:00",
        payer_name="JOHN DOE",
        payer_account="0712345678",
        balance="1500.00",
    ),
    _case(
        "received-you-have-no-space-double-space",
        "TC4K8PQ2ZA Confirmed.You have received Ksh2,350.00 from MARY WANJIKU 0723456789 on 7/1/25 at "
        "8:15 AM  New M-PESA balance is Ksh4,120.50.",
        receipt="TC4K8PQ2ZA",
        family="consumer",
        source=wording_of("TCG1XB2SQV"),
        kind="received",
        amount="2350.00",
        time="2025-01-07T08:15:00+03:00",
        payer_name="MARY WANJIKU",
        payer_account="0723456789",
        balance="4120.50",
    ),
    _case(
        "received-from-business-short-code",
        "UBF2HX7L9Q Confirmed. You have received Ksh15,000.00 from KCB BANK 522522 on 28/2/26 at 5:02 PM "
        "New M-PESA balance is Ksh15,480.00. Separate personal and business funds through Pochi la "
        "Biashara on *334#.",
        receipt="UBF2HX7L9Q",
        family="b2c",
        source=wording_of("TD18YFQ9MW"),
        kind="received",
        amount="15000.00",
        time="2026-02-28T17:02:00+03:00",
        payer_name="KCB BANK",
        payer_account="522522",
        balance="15480.00",
    ),
    _case(
        "received-masked-phone",
        "UCK7R2M5PT Confirmed. You have received Ksh750.00 from PETER OTIENO 0707***979 on 12/3/26 at "
        "9:41 PM New M-PESA balance is Ksh1,230.00.",
        receipt="UCK7R2M5PT",
        family="consumer",
        source=wording_of("UF5MK6QNPR"),
        kind="received",
        amount="750.00",
        time="2026-03-12T21:41:00+03:00",
        payer_name="PETER OTIENO",
        payer_account="0707***979",
        balance="1230.00",
    ),
    _case(
        "received-b2c-code-before-name",
        "SDA1BC2DE3 Confirmed.You have received Ksh3,500.00 from 501901 - KCB Money Transfer Services on "
        "31/7/24 at 6:43 PM New M-PESA balance is Ksh11,312.00.",
        receipt="SDA1BC2DE3",
        family="b2c",
        source=PESAPI,
        kind="received",
        amount="3500.00",
        time="2024-07-31T18:43:00+03:00",
        payer_name="KCB Money Transfer Services",
        payer_account="501901",
        balance="11312.00",
    ),
    _case(
        "received-2013-nine-char-receipt-newlines-apostrophe",
        "DT82ZD611 Confirmed.\nYou have received Ksh5,500.00 from\nALEX NDUNG'U 254723784491\non 31/7/13 "
        "at 3:08 PM\nNew M-PESA balance is Ksh5,844.00.Save & get a loan on Mshwari",
        receipt="DT82ZD611",
        family="consumer",
        source=PESAPI,
        kind="received",
        amount="5500.00",
        time="2013-07-31T15:08:00+03:00",
        payer_name="ALEX NDUNG'U",
        payer_account="254723784491",
        balance="5844.00",
    ),
    _case(
        "received-lowercase-confirmed-24-hour-ksh-space",
        "UDE4F5G6H7 confirmed. You have received Ksh 1031.68 from jane mutua 0798765432 on 5/4/26 at "
        "14:30 New M-PESA balance is Ksh 2,031.68.",
        receipt="UDE4F5G6H7",
        family="consumer",
        source=MADE_UP,
        kind="received",
        amount="1031.68",
        time="2026-04-05T14:30:00+03:00",
        payer_name="jane mutua",
        payer_account="0798765432",
        balance="2031.68",
    ),
    _case(
        "received-remittance-without-number",
        "UEULA5XIBK confirmed. You have received Ksh12,852.00 from Jenifer Akoth OkwembaGilles in US via "
        "Sendwave on 30/5/26 at 8:06 PM. New M-PESA balance is Ksh12,852.00.",
        receipt="UEULA5XIBK",
        kind="received",
        amount="12852.00",
        time="2026-05-30T20:06:00+03:00",
        payer_name="Jenifer Akoth OkwembaGilles in US via Sendwave",
        payer_account="Jenifer Akoth OkwembaGilles in US via Sendwave",
        balance="12852.00",
        family="b2c",
        source=OKWEMBA_INBOX,
    ),
    _case(
        "received-hyphen-apostrophe-01-number-midnight",
        "TGH8J9K0L1 Confirmed. You have received Ksh200.00 from ANNE-MARIE O'BRIEN 0111222333 on 1/1/25 "
        "at 12:05 AM New M-PESA balance is Ksh200.00.",
        receipt="TGH8J9K0L1",
        family="consumer",
        source=wording_of("UF5MK6QNPR"),
        kind="received",
        amount="200.00",
        time="2025-01-01T00:05:00+03:00",
        payer_name="ANNE-MARIE O'BRIEN",
        payer_account="0111222333",
        balance="200.00",
    ),
    _case(
        "received-upper-case-ksh-digit-in-name-noon",
        "UAB2CD3EF4 Confirmed. KSH50.00 received from SAM 2 KAMAU 0700111222 on 9/9/25 at 12:45 PM. "
        "New M-PESA balance is KSH60.00.",
        receipt="UAB2CD3EF4",
        family="consumer",
        source=MADE_UP,
        kind="received",
        amount="50.00",
        time="2025-09-09T12:45:00+03:00",
        payer_name="SAM 2 KAMAU",
        payer_account="0700111222",
        balance="60.00",
    ),
    _case(
        "received-business-name-with-parentheses",
        "UFG1HJ2KL3 Confirmed. You have received Ksh4,000.00 from EQUITY BULK ACCOUNT (B2C) 300600 on "
        "20/2/26 at 7:07 AM New M-PESA balance is Ksh4,100.00.",
        receipt="UFG1HJ2KL3",
        family="b2c",
        source=wording_of("TJ3CF6GKC7"),
        kind="received",
        amount="4000.00",
        time="2026-02-20T07:07:00+03:00",
        payer_name="EQUITY BULK ACCOUNT (B2C)",
        payer_account="300600",
        balance="4100.00",
    ),
    # --- sent -----------------------------------------------------------------------------------
    _case(
        "sent-new-format-trailer",
        "QJI3R7GXWV Confirmed. Ksh500.00 sent to JANE DOE 0722000000 on 15/3/26 at 10:05 AM. New M-PESA "
        "balance is Ksh1,000.00. Transaction cost, Ksh7.00. Amount you can transact within the day is "
        "499,500.00.",
        receipt="QJI3R7GXWV",
        family="consumer",
        source=wording_of("TCH11TSG11"),
        kind="sent",
        amount="500.00",
        time="2026-03-15T10:05:00+03:00",
        payee_name="JANE DOE",
        payee_account="0722000000",
        balance="1000.00",
        cost="7.00",
    ),
    _case(
        "sent-double-space-in-name-app-footer",
        "UEULA5XMT4 Confirmed. Ksh500.00 sent to Gathogo  Kigotho 0708767392 on 30/5/26 at 8:10 PM. New "
        "M-PESA balance is Ksh11,202.54. Transaction cost, Ksh7.00.  Amount you can transact within the "
        "day is 498,340.00. Download My OneApp on https://saf.cx/lPKcC",
        receipt="UEULA5XMT4",
        kind="sent",
        amount="500.00",
        time="2026-05-30T20:10:00+03:00",
        payee_name="Gathogo Kigotho",
        payee_account="0708767392",
        balance="11202.54",
        cost="7.00",
        family="consumer",
        source=OKWEMBA_INBOX,
    ),
    _case(
        "sent-pochi-la-biashara-no-number-globalpay-footer",
        "UCD5EF6GH7 Confirmed. Ksh150.00 sent to MAMA JOY on 6/3/26 at 1:15 PM. New M-PESA balance is "
        "Ksh850.00. Transaction cost, Ksh0.00. Amount you can transact within the day is 499,850.00. Pay "
        "with M-PESA GlobalPay virtual Visa card for online shopping. Dial *334#.",
        receipt="UCD5EF6GH7",
        family="pochi",
        source=MADE_UP,
        kind="sent",
        amount="150.00",
        time="2026-03-06T13:15:00+03:00",
        payee_name="MAMA JOY",
        payee_account="MAMA JOY",
        balance="850.00",
        cost="0.00",
    ),
    _case(
        "sent-2013-nine-char-receipt-swahili-footer",
        "DZ12GX874 Confirmed. Ksh2,100.00 sent to BRIAN MBUGUA 0723447655 on 17/9/13 at 3:16 PM New "
        "M-PESA balance is Ksh106.00.PIN YAKO SIRI YAKO",
        receipt="DZ12GX874",
        family="consumer",
        source=CODE_SEARCH,
        kind="sent",
        amount="2100.00",
        time="2013-09-17T15:16:00+03:00",
        payee_name="BRIAN MBUGUA",
        payee_account="0723447655",
        balance="106.00",
    ),
    _case(
        "sent-asterisk-name-24-hour",
        "UHJ7KL8MN9 Confirmed. Ksh1,200.00 sent to J*** W*** 0712000111 on 2/2/26 at 21:05. New M-PESA "
        "balance is Ksh300.00. Transaction cost, Ksh13.00.",
        receipt="UHJ7KL8MN9",
        family="consumer",
        source=MADE_UP,
        kind="sent",
        amount="1200.00",
        time="2026-02-02T21:05:00+03:00",
        payee_name="J*** W***",
        payee_account="0712000111",
        balance="300.00",
        cost="13.00",
    ),
    _case(
        "sent-no-space-after-confirmed-lowercase-name",
        "UJK2LM3NP4 Confirmed.Ksh80.00 sent to otieno brian 0745678901 on 11/11/25 at 6:00 AM. New "
        "M-PESA balance is Ksh20.00. Transaction cost, Ksh0.00.",
        receipt="UJK2LM3NP4",
        family="consumer",
        source=wording_of("TJ6CF6NDST"),
        kind="sent",
        amount="80.00",
        time="2025-11-11T06:00:00+03:00",
        payee_name="otieno brian",
        payee_account="0745678901",
        balance="20.00",
        cost="0.00",
    ),
    # --- paybill --------------------------------------------------------------------------------
    _case(
        "paybill-numeric-account",
        "TJ4CF6I7HN Confirmed. Ksh100.00 sent to KPLC PREPAID for account 54405080323 on 4/10/25 at 4:38 "
        "PM New M-PESA balance is Ksh110.86. Transaction cost, Ksh0.00.",
        receipt="TJ4CF6I7HN",
        kind="paybill",
        amount="100.00",
        time="2025-10-04T16:38:00+03:00",
        payee_name="KPLC PREPAID",
        payee_account="KPLC PREPAID",
        account_number="54405080323",
        balance="110.86",
        cost="0.00",
        family="paybill",
        source=USER_EXAMPLES,
    ),
    _case(
        "paybill-empty-account",
        "SGK99ETMW3 Confirmed. Ksh100.00 sent to SAFARICOM DATA BUNDLES for account on 20/7/24 at 11:04 "
        "AM. New M-PESA balance is Ksh1,407.98.",
        receipt="SGK99ETMW3",
        kind="paybill",
        amount="100.00",
        time="2024-07-20T11:04:00+03:00",
        payee_name="SAFARICOM DATA BUNDLES",
        payee_account="SAFARICOM DATA BUNDLES",
        account_number="",
        balance="1407.98",
        family="paybill",
        source=TRANSSION_TESTS,
    ),
    _case(
        "paybill-alphanumeric-account",
        "UKL3MN4PQ5 Confirmed. Ksh2,500.00 sent to NAIROBI WATER for account ACC-0042X on 4/4/26 at "
        "4:20 PM New M-PESA balance is Ksh500.00. Transaction cost, Ksh0.00. Amount you can transact "
        "within the day is 497,500.00.",
        receipt="UKL3MN4PQ5",
        family="paybill",
        source=wording_of("UHAL32P2FG"),
        kind="paybill",
        amount="2500.00",
        time="2026-04-04T16:20:00+03:00",
        payee_name="NAIROBI WATER",
        payee_account="NAIROBI WATER",
        account_number="ACC-0042X",
        balance="500.00",
        cost="0.00",
    ),
    _case(
        "paybill-phone-account",
        "ULM4NP5QR6 Confirmed. Ksh300.00 sent to AIRTEL MONEY for account 0733123456 on 5/4/26 at "
        "10:10 AM New M-PESA balance is Ksh200.00. Transaction cost, Ksh5.00.",
        receipt="ULM4NP5QR6",
        family="paybill",
        source=wording_of("UHML33Z3V8"),
        kind="paybill",
        amount="300.00",
        time="2026-04-05T10:10:00+03:00",
        payee_name="AIRTEL MONEY",
        payee_account="AIRTEL MONEY",
        account_number="0733123456",
        balance="200.00",
        cost="5.00",
    ),
    _case(
        "paybill-bank-quote-cut-before-balance",
        "TKSFVBGF9G Confirmed. Ksh900.00 sent to DTB Account for account 333667 on 28/11/25 at 3:06 PM "
        "New M-PESA balance is",
        receipt="TKSFVBGF9G",
        kind="paybill",
        amount="900.00",
        time="2025-11-28T15:06:00+03:00",
        payee_name="DTB Account",
        payee_account="DTB Account",
        account_number="333667",
        family="paybill",
        source=JS_PATTERN_COMMENTS,
    ),
    _case(
        "paybill-account-with-spaces-and-symbols",
        "AB12CD34EQ Confirmed. Ksh154.22 sent to M-PESA CARD for account GOOGLE *eFootball 2024   "
        "g.co/helppay#US on 2/2/26 at 3:00 PM New M-PESA balance is Ksh20.00. Transaction cost, Ksh0.00.",
        receipt="AB12CD34EQ",
        kind="paybill",
        amount="154.22",
        time="2026-02-02T15:00:00+03:00",
        payee_name="M-PESA CARD",
        payee_account="M-PESA CARD",
        account_number="GOOGLE *eFootball 2024 g.co/helppay#US",
        balance="20.00",
        cost="0.00",
        family="paybill",
        source=ANON_TESTS,
    ),
    # --- buy goods ------------------------------------------------------------------------------
    _case(
        "buy-goods-period-no-space-before-new",
        "QJI3R7GXWX Confirmed. Ksh250.00 paid to NAIVAS SUPERMARKET. on 2/4/26 at 6:45 PM.New M-PESA "
        "balance is Ksh750.00. Transaction cost, Ksh0.00.",
        receipt="QJI3R7GXWX",
        family="till",
        source=wording_of("UEAMK3TXN2"),
        kind="buy_goods",
        amount="250.00",
        time="2026-04-02T18:45:00+03:00",
        payee_name="NAIVAS SUPERMARKET",
        payee_account="NAIVAS SUPERMARKET",
        balance="750.00",
        cost="0.00",
    ),
    _case(
        "buy-goods-period-then-space-quote-cut",
        "TKTFVBL1ZS Confirmed. Ksh1,510.00 paid to DAD RONGAI. on 29/11/25 at 7:25 PM. New M-PESA balance is",
        receipt="TKTFVBL1ZS",
        kind="buy_goods",
        amount="1510.00",
        time="2025-11-29T19:25:00+03:00",
        payee_name="DAD RONGAI",
        payee_account="DAD RONGAI",
        family="till",
        source=JS_PATTERN_COMMENTS,
    ),
    _case(
        "buy-goods-period-inside-name-footer",
        "UPQ7RS8TU9 Confirmed. Ksh160.00 paid to F.M STORES. on 20/12/25 at 8:02 AM.New M-PESA balance "
        "is Ksh40.00. Transaction cost, Ksh0.00. Amount you can transact within the day is 499,840.00. "
        "Pay with M-PESA GlobalPay virtual Visa card.",
        receipt="UPQ7RS8TU9",
        family="till",
        source=MADE_UP,
        kind="buy_goods",
        amount="160.00",
        time="2025-12-20T08:02:00+03:00",
        payee_name="F.M STORES",
        payee_account="F.M STORES",
        balance="40.00",
        cost="0.00",
    ),
    _case(
        "buy-goods-lowercase-apostrophe-parentheses-24-hour",
        "UQR8ST9UV0 confirmed. Ksh70.00 paid to mama's kiosk (kawangware). on 3/3/26 at 17:45.New "
        "M-PESA balance is Ksh930.00. Transaction cost, Ksh0.00.",
        receipt="UQR8ST9UV0",
        family="till",
        source=MADE_UP,
        kind="buy_goods",
        amount="70.00",
        time="2026-03-03T17:45:00+03:00",
        payee_name="mama's kiosk (kawangware)",
        payee_account="mama's kiosk (kawangware)",
        balance="930.00",
        cost="0.00",
    ),
    # --- withdrawal -----------------------------------------------------------------------------
    _case(
        "withdrawal-glued-am-agent-number-and-name",
        "QJI3R7GXWY Confirmed.on 3/4/26 at 11:00 AMWithdraw Ksh2,000.00 from 123456 - MAMA MBOGA AGENT "
        "New M-PESA balance is Ksh500.00. Transaction cost, Ksh29.00.",
        receipt="QJI3R7GXWY",
        family="agent",
        source=wording_of("UERMK5P6JM"),
        kind="withdrawal",
        amount="2000.00",
        time="2026-04-03T11:00:00+03:00",
        payee_name="MAMA MBOGA AGENT",
        payee_account="123456",
        balance="500.00",
        cost="29.00",
    ),
    _case(
        "withdrawal-agent-name-glued-to-location",
        "TA27OIFCSZ Confirmed.on 2/1/25 at 11:01 AMWithdraw Ksh300.00 from 343595 - Anzal Express "
        "Ltdlongonot farm along moi south lake Agg New M-PESA balance is Ksh30.50. Transaction cost, "
        "Ksh29.00.",
        receipt="TA27OIFCSZ",
        family="agent",
        source=CODE_SEARCH,
        kind="withdrawal",
        amount="300.00",
        time="2025-01-02T11:01:00+03:00",
        payee_name="Anzal Express Ltdlongonot farm along moi south lake Agg",
        payee_account="343595",
        balance="30.50",
        cost="29.00",
    ),
    _case(
        "withdrawal-atm-24-hour-glued",
        "URS9TU0VW1 Confirmed.on 14/2/26 at 19:20Withdraw Ksh10,000.00 from 300123 - EQUITY ATM MOI "
        "AVENUE New M-PESA balance is Ksh5,000.00. Transaction cost, Ksh115.00.",
        receipt="URS9TU0VW1",
        family="agent",
        source=MADE_UP,
        kind="withdrawal",
        amount="10000.00",
        time="2026-02-14T19:20:00+03:00",
        payee_name="EQUITY ATM MOI AVENUE",
        payee_account="300123",
        balance="5000.00",
        cost="115.00",
    ),
    # --- deposit --------------------------------------------------------------------------------
    _case(
        "deposit-give-cash-to-agent",
        "QJI3R7GXWZ Confirmed. On 3/4/26 at 11:00 AM Give Ksh3,000.00 cash to AGENT NAME New M-PESA "
        "balance is Ksh3,500.00.",
        receipt="QJI3R7GXWZ",
        family="agent",
        source=wording_of("UCSMKAR8VZ"),
        kind="deposit",
        amount="3000.00",
        time="2026-04-03T11:00:00+03:00",
        payer_name="AGENT NAME",
        payer_account="AGENT NAME",
        balance="3500.00",
    ),
    _case(
        "deposit-agent-with-location-footer",
        "UST0UV1WX2 Confirmed. On 28/8/26 at 6:30 PM Give Ksh500.00 cash to SAMPLE AGENT - SAMPLE "
        "LOCATION New M-PESA balance is Ksh500.00. You can now access M-PESA via *334#",
        receipt="UST0UV1WX2",
        family="agent",
        source=ANON_TESTS,
        kind="deposit",
        amount="500.00",
        time="2026-08-28T18:30:00+03:00",
        payer_name="SAMPLE AGENT - SAMPLE LOCATION",
        payer_account="SAMPLE AGENT - SAMPLE LOCATION",
        balance="500.00",
    ),
    _case(
        "deposit-2013-multiline",
        "DQ94ZE762 Confirmed.\non 3/7/13 at 9:07 AM\nGive Ksh1,000.00 cash to Digital Africa Services "
        "Jolet Supermarket\nNew M-PESA balance is Ksh1,338.00",
        receipt="DQ94ZE762",
        family="agent",
        source=PESAPI,
        kind="deposit",
        amount="1000.00",
        time="2013-07-03T09:07:00+03:00",
        payer_name="Digital Africa Services Jolet Supermarket",
        payer_account="Digital Africa Services Jolet Supermarket",
        balance="1338.00",
    ),
    _case(
        "deposit-agent-number-and-name",
        "UTU1VW2XY3 Confirmed. On 1/5/26 at 8:30 AM Give Ksh2,000.00 cash to 654321 - JOSEPH KIMANI SHOP "
        "New M-PESA balance is Ksh2,100.00.",
        receipt="UTU1VW2XY3",
        family="agent",
        source=MADE_UP,
        kind="deposit",
        amount="2000.00",
        time="2026-05-01T08:30:00+03:00",
        payer_name="JOSEPH KIMANI SHOP",
        payer_account="654321",
        balance="2100.00",
    ),
    # --- airtime --------------------------------------------------------------------------------
    _case(
        "airtime-self",
        "QJI3R7GXV1 Confirmed. You bought Ksh50.00 of airtime on 4/4/26 at 8:00 AM. New M-PESA balance "
        "is Ksh450.00. Transaction cost, Ksh0.00.",
        receipt="QJI3R7GXV1",
        family="consumer",
        source=wording_of("UF4K26LILB"),
        kind="airtime",
        amount="50.00",
        time="2026-04-04T08:00:00+03:00",
        payee_name="Safaricom Airtime",
        payee_account="Safaricom Airtime",
        balance="450.00",
        cost="0.00",
    ),
    _case(
        "airtime-for-another-number",
        "QJI3R7GXV2 Confirmed. You bought Ksh50.00 of airtime for 0712345678 on 4/4/26 at 8:00 AM. New "
        "M-PESA balance is Ksh400.00. Transaction cost, Ksh0.00.",
        receipt="QJI3R7GXV2",
        family="consumer",
        source=wording_of("UHMMK3UV7D"),
        kind="airtime",
        amount="50.00",
        time="2026-04-04T08:00:00+03:00",
        payee_name="Safaricom Airtime",
        payee_account="0712345678",
        balance="400.00",
        cost="0.00",
    ),
    _case(
        "airtime-lowercase-confirmed-no-space",
        "UVW2XY3ZA4 confirmed.You bought Ksh200.00 of airtime on 3/2/26 at 2:52 PM.New M-PESA balance is "
        "Ksh5,240.88. Transaction cost, Ksh0.00.",
        receipt="UVW2XY3ZA4",
        family="consumer",
        source=wording_of("TBC5RBYBPR"),
        kind="airtime",
        amount="200.00",
        time="2026-02-03T14:52:00+03:00",
        payee_name="Safaricom Airtime",
        payee_account="Safaricom Airtime",
        balance="5240.88",
        cost="0.00",
    ),
    _case(
        "airtime-2013-footer-with-phone-number",
        "DZ55IX312 confirmed. You bought Ksh100.00 of airtime on 21/9/13 at 5:51 PM\nNew M-PESA balance "
        "is Ksh6.00.Safaricom only calls you from 0722000000",
        receipt="DZ55IX312",
        family="consumer",
        source=PESAPI,
        kind="airtime",
        amount="100.00",
        time="2013-09-21T17:51:00+03:00",
        payee_name="Safaricom Airtime",
        payee_account="Safaricom Airtime",
        balance="6.00",
    ),
    # --- reversal -------------------------------------------------------------------------------
    _case(
        "reversal-short-form-no-amount-no-time",
        "OAV2QRV4K4  Confirmed. Transaction OAO4LC1T3S has been reversed.  Your account balance is now "
        "Ksh12,260.03.",
        receipt="OAV2QRV4K4",
        kind="reversal",
        amount="0.00",
        time=None,
        balance="12260.03",
        reversed_id="OAO4LC1T3S",
        family="reversal",
        source=DART_MOCKS,
    ),
    _case(
        "reversal-credited-double-spaces",
        "SJP5C9HAIJ confirmed. Reversal of transaction SJH5DP029L has been successfully reversed  on "
        "25/10/24  at 2:04 PM and Ksh1.00 is credited to your M-PESA account. New M-PESA account balance "
        "is Ksh1,778.12.",
        receipt="SJP5C9HAIJ",
        family="reversal",
        source=TRANSSION_TESTS,
        kind="reversal",
        amount="1.00",
        time="2024-10-25T14:04:00+03:00",
        balance="1778.12",
        reversed_id="SJH5DP029L",
    ),
    _case(
        "reversal-of-amount-to-named-party",
        "UWX3YZ4AB5 Confirmed. Reversal of transaction UWX1YZ2AB3 of Ksh30,000.00 to JOHN DOE 0712345678 "
        "has been successfully reversed. New M-PESA balance is Ksh45,000.00.",
        receipt="UWX3YZ4AB5",
        family="reversal",
        source=REVERSAL_COMMENT,
        kind="reversal",
        amount="30000.00",
        time=None,
        payer_name="JOHN DOE",
        payer_account="0712345678",
        balance="45000.00",
        reversed_id="UWX1YZ2AB3",
    ),
    _case(
        "reversal-debited-agent-float-balance-not-the-wallet",
        "OA516AJI01 confirmed. Reversal of transaction OAN3KNQZC7 has been successfully reversed on "
        "5/1/20 at 1:14 PM and Ksh1,530.00 is debited from your M-PESA account. Your new float account "
        "balance is Ksh39,516.00",
        receipt="OA516AJI01",
        kind="reversal",
        amount="1530.00",
        time="2020-01-05T13:14:00+03:00",
        reversed_id="OAN3KNQZC7",
        family="reversal",
        source=AGENT_SHOP,
    ),
    # --- M-Shwari / KCB M-PESA savings --------------------------------------------------------------
    _case(
        "savings-deposit-m-shwari",
        "OX36I5RICG Confirmed.Ksh220.00 transferred to M-Shwari account on 13/2/20 at 3:33pm. M-PESA "
        "balance is Ksh1,110.00 .New M-Shwari saving account balance is Ksh330.00. Transaction cost Ksh0.00",
        receipt="OX36I5RICG",
        family="mshwari",
        source=LEDGER_FLUTTER,
        kind="savings_deposit",
        amount="220.00",
        time="2020-02-13T15:33:00+03:00",
        payee_name="M-Shwari",
        payee_account="M-Shwari",
        balance="1110.00",
        cost="0.00",
    ),
    _case(
        "savings-withdrawal-m-shwari-ksh-dot-cost",
        "TCP22LYZH8 Confirmed.Ksh20.00 transferred from M-Shwari account on 25/3/25 at 4:41 PM. M-Shwari "
        "balance is Ksh10.29 .M-PESA balance is Ksh79.61 .Transaction cost Ksh.0.00",
        receipt="TCP22LYZH8",
        family="mshwari",
        source=TRANSSION_TESTS,
        kind="savings_withdrawal",
        amount="20.00",
        time="2025-03-25T16:41:00+03:00",
        payer_name="M-Shwari",
        payer_account="M-Shwari",
        balance="79.61",
        cost="0.00",
    ),
    _case(
        "savings-deposit-m-shwari-2013",
        "EB97SA431 Confirmed. Ksh50.00 transferred to M-Shwari account on 13/10/13 at 2:13 AM. M-PESA "
        "balance is Ksh4,265.00, new M-Shwari account balance is Ksh20,087.69.",
        receipt="EB97SA431",
        family="mshwari",
        source=PESAPI,
        kind="savings_deposit",
        amount="50.00",
        time="2013-10-13T02:13:00+03:00",
        payee_name="M-Shwari",
        payee_account="M-Shwari",
        balance="4265.00",
    ),
    _case(
        "savings-withdrawal-you-have-transferred-2013",
        "EB87ST824 Confirmed. You have transferred Ksh50.00 from your M-Shwari account on 13/10/13 at "
        "2:14 AM. M-Shwari balance is Ksh20,037.69. M-PESA balance is Ksh4,315.00.",
        receipt="EB87ST824",
        family="mshwari",
        source=PESAPI,
        kind="savings_withdrawal",
        amount="50.00",
        time="2013-10-13T02:14:00+03:00",
        payer_name="M-Shwari",
        payer_account="M-Shwari",
        balance="4315.00",
    ),
    _case(
        "savings-deposit-kcb-glued-receipt-misspelt",
        "NC36I5RICGConfirmed.  Ksh10.00 transfered to KCB M-PESA account on 22/2/20 at 3:30AM. New M-PESA "
        "balance is Ksh1,320.00, new KCB M-PESA Saving account balance is Ksh20.00.",
        receipt="NC36I5RICG",
        family="kcb",
        source=CODE_SEARCH_WORDING,
        kind="savings_deposit",
        amount="10.00",
        time="2020-02-22T03:30:00+03:00",
        payee_name="KCB M-PESA",
        payee_account="KCB M-PESA",
        balance="1320.00",
    ),
    _case(
        "savings-withdrawal-kcb",
        "OX36I5RICH Confirmed. Ksh10.00 transfered from KCB M-PESA account on 22/2/20 at 3:32AM. New "
        "M-PESA balance is Ksh1,330.00, new KCB M-PESA Saving account balance is Ksh10.00.",
        receipt="OX36I5RICH",
        family="kcb",
        source=CODE_SEARCH_WORDING,
        kind="savings_withdrawal",
        amount="10.00",
        time="2020-02-22T03:32:00+03:00",
        payer_name="KCB M-PESA",
        payer_account="KCB M-PESA",
        balance="1330.00",
    ),
    # --- loans ----------------------------------------------------------------------------------
    _case(
        "loan-m-shwari-less-excise-no-at",
        "UJ3NY8KRG4 Confirmed. Your M-Shwari loan has been approved on 3/10/26 12:42 AM and Ksh3,940.00 "
        "less excise duty has been deposited to your M-PESA account. New M-PESA balance is Ksh3,940.00. "
        "Did you know you can top up your M-Shwari loan once within the first 20 days?",
        receipt="UJ3NY8KRG4",
        family="mshwari",
        source=LOAN_DOCS,
        kind="loan",
        amount="3940.00",
        time="2026-10-03T00:42:00+03:00",
        payer_name="M-Shwari",
        payer_account="M-Shwari",
        balance="3940.00",
    ),
    _case(
        "loan-m-shwari-with-at",
        "UXY4ZA5BC6 Confirmed. Your M-Shwari loan has been approved on 9/4/26 at 10:15 AM and Ksh1,000.00 "
        "has been deposited to your M-PESA account. New M-PESA balance is Ksh1,050.00.",
        receipt="UXY4ZA5BC6",
        family="mshwari",
        source=MADE_UP,
        kind="loan",
        amount="1000.00",
        time="2026-04-09T10:15:00+03:00",
        payer_name="M-Shwari",
        payer_account="M-Shwari",
        balance="1050.00",
    ),
    _case(
        "loan-kcb-m-pesa",
        "UYZ5AB6CD7 Confirmed. Your KCB M-PESA loan of Ksh5,000.00 has been approved on 10/4/26 at 4:40 PM "
        "and credited to your M-PESA account. New M-PESA balance is Ksh5,020.00.",
        receipt="UYZ5AB6CD7",
        family="kcb",
        source=MADE_UP,
        kind="loan",
        amount="5000.00",
        time="2026-04-10T16:40:00+03:00",
        payer_name="KCB M-PESA",
        payer_account="KCB M-PESA",
        balance="5020.00",
    ),
    # --- Fuliza -----------------------------------------------------------------------------------
    _case(
        "fuliza-access-fee-ksh-space",
        "UAAIU33DWG Confirmed. Fuliza M-PESA amount is Ksh 1010.00. Access Fee charged Ksh 10.10. Total "
        "Fuliza M-PESA outstanding amount is Ksh1135.13 due on 16/09/26. To check daily charges, Dial "
        "*334#OK Select Query Charges",
        receipt="UAAIU33DWG",
        family="fuliza",
        source=CODE_SEARCH,
        kind="fuliza",
        amount="1010.00",
        time=None,
        payer_name="Fuliza M-PESA",
        payer_account="Fuliza M-PESA",
        cost="10.10",
    ),
    _case(
        "fuliza-older-interest-charged",
        "SKT9JYXWRJ Confirmed. Fuliza M-PESA amount is Ksh 238.80. Interest charged Ksh 2.39. Total "
        "Fuliza M-PESA outstanding amount is Ksh 241.19 due on 29/12/24. To check daily charges, Dial "
        "*234*0#OK Select Query Charges",
        receipt="SKT9JYXWRJ",
        family="fuliza",
        source=TRANSSION_TESTS,
        kind="fuliza",
        amount="238.80",
        time=None,
        payer_name="Fuliza M-PESA",
        payer_account="Fuliza M-PESA",
        cost="2.39",
    ),
    _case(
        "fuliza-no-space-after-ksh-with-balance",
        "CV67BN34MK Confirmed. Fuliza M-PESA amount is Ksh30.00. Access Fee charged Ksh0.30. Total Fuliza "
        "M-PESA outstanding amount is Ksh508.16 due on 5/7/25. New M-PESA balance is Ksh970.00.",
        receipt="CV67BN34MK",
        kind="fuliza",
        amount="30.00",
        time=None,
        payer_name="Fuliza M-PESA",
        payer_account="Fuliza M-PESA",
        balance="970.00",
        cost="0.30",
        family="fuliza",
        source=DART_PARITY,
    ),
    # --- Fuliza repayment -------------------------------------------------------------------------
    _case(
        "fuliza-repayment-fully-balance-without-ksh",
        "UEULA5XIBO Confirmed. Ksh 1142.46 from your M-PESA has been used to fully pay your outstanding "
        "Fuliza M-PESA. Available Fuliza M-PESA limit is Ksh 1500.00. Your M-PESA balance is 11709.54.",
        receipt="UEULA5XIBO",
        family="fuliza",
        source=OKWEMBA_INBOX,
        kind="fuliza_repayment",
        amount="1142.46",
        time=None,
        payee_name="Fuliza M-PESA",
        payee_account="Fuliza M-PESA",
        balance="11709.54",
    ),
    _case(
        "fuliza-repayment-partially",
        "TKIFVAJ7HG Confirmed. Ksh 1000.00 from your M-PESA has been used to partially pay your "
        "outstanding Fuliza M-PESA. Available Fuliza M-PESA limit is Ksh 2000.00. M-PESA balance is "
        "Ksh0.00.",
        receipt="TKIFVAJ7HG",
        family="fuliza",
        source=PARTIAL_QUOTE,
        kind="fuliza_repayment",
        amount="1000.00",
        time=None,
        payee_name="Fuliza M-PESA",
        payee_account="Fuliza M-PESA",
        balance="0.00",
    ),
    _case(
        "fuliza-repayment-with-time",
        "OP12345678 Confirmed. Ksh500.00 from your M-PESA has been used to partially pay your outstanding "
        "Fuliza M-PESA on 15/6/24 at 2:30 PM. Your available Fuliza M-PESA limit is Ksh416.84. New M-PESA "
        "balance is Ksh1,234.00.",
        receipt="OP12345678",
        kind="fuliza_repayment",
        amount="500.00",
        time="2024-06-15T14:30:00+03:00",
        payee_name="Fuliza M-PESA",
        payee_account="Fuliza M-PESA",
        balance="1234.00",
        family="fuliza",
        source=PARSER_EXAMPLE,
    ),
    # --- balance --------------------------------------------------------------------------------
    _case(
        "balance-check-new-format",
        "TK1888V9B3 Confirmed. Your account balance was: M-PESA Account : Ksh3,870.00 on 7/3/26 at "
        "11:41 AM. Transaction cost, Ksh0.00.",
        receipt="TK1888V9B3",
        family="consumer",
        source=DEMO_INBOX,
        kind="balance",
        amount="3870.00",
        time="2026-03-07T11:41:00+03:00",
        balance="3870.00",
        cost="0.00",
    ),
    _case(
        "balance-check-with-business-account-zero",
        "SEA3IRDTSD Confirmed. Your account balance was: M-PESA Account : Ksh0.00 Business Account : "
        "Ksh0.00 on 27/5/24 at 10:18 AM. Buy Airtime easily via M-PESA App. Click https://bit.ly/bampesa",
        receipt="SEA3IRDTSD",
        kind="balance",
        amount="0.00",
        time="2024-05-27T10:18:00+03:00",
        balance="0.00",
        family="pochi",
        source=BALANCE_EXAMPLE,
    ),
    _case(
        "balance-check-2013",
        "DQ91IB986 Confirmed.\nYour M-PESA balance was Ksh339.00\non 2/7/13 at 6:46 PM.Safaricom only "
        "calls you from 0722000000",
        receipt="DQ91IB986",
        family="consumer",
        source=PESAPI,
        kind="balance",
        amount="339.00",
        time="2013-07-02T18:46:00+03:00",
        balance="339.00",
    ),
    _case(
        "balance-check-business-account-ziidi-ad",
        "UB6DL632FM Confirmed. Your account balance was: M-PESA Account : Ksh0.00 Business Account : "
        "Ksh0.00 on 6/2/26 at 5:19 PM. Transaction cost, Ksh0.00. Start Investing today with Ziidi MMF & "
        "earn daily. Dial *334#",
        receipt="UB6DL632FM",
        kind="balance",
        amount="0.00",
        time="2026-02-06T17:19:00+03:00",
        balance="0.00",
        cost="0.00",
        family="consumer",
        source=BELTECH,
    ),
    # --- issue 16: business side, greetings, ads and sourced wordings per family ----------------
    _case(
        "pochi-owner-received-double-spaces-withdraw-footer",
        "TCH01GAG8Y Confirmed.You have received Ksh10.00 from RICHARD  MACHAGE on 17/3/25 at 12:03 PM  New "
        "business balance is Ksh10.00. To access your funds, Dial *334#,select Pochi la Biashara & Withdraw "
        "funds.",
        receipt="TCH01GAG8Y",
        kind="received",
        amount="10.00",
        time="2025-03-17T12:03:00+03:00",
        payer_name="RICHARD MACHAGE",
        payer_account="RICHARD MACHAGE",
        balance="10.00",
        balance_account="pochi",
        family="pochi",
        source=CODE_SEARCH,
    ),
    _case(
        "pochi-owner-received-one-shilling",
        "TCP124XF3T Confirmed.You have received Ksh1.00 from ALEX  MWANGI on 25/3/25 at 2:46 PM  New "
        "business balance is Ksh1.25. To access your funds, Dial *334#,select Pochi la Biashara & Withdraw "
        "funds.",
        receipt="TCP124XF3T",
        kind="received",
        amount="1.00",
        time="2025-03-25T14:46:00+03:00",
        payer_name="ALEX MWANGI",
        payer_account="ALEX MWANGI",
        balance="1.25",
        balance_account="pochi",
        family="pochi",
        source=CODE_SEARCH,
    ),
    _case(
        "pochi-owner-received-upper-case-no-period",
        "UKB7PL2QZD CONFIRMED. You have received Ksh 450.00 from WANJIRU KAMAU on 8/11/26 at 6:10 AM NEW "
        "BUSINESS BALANCE IS KSH 1,905.00",
        receipt="UKB7PL2QZD",
        kind="received",
        amount="450.00",
        time="2026-11-08T06:10:00+03:00",
        payer_name="WANJIRU KAMAU",
        payer_account="WANJIRU KAMAU",
        balance="1905.00",
        balance_account="pochi",
        family="pochi",
        source=ISSUE_16,
    ),
    _case(
        "till-owner-2013-number-then-name-multiline",
        "EA54HY643 Confirmed.\non 28/9/13 at 1:14 PM\nKsh50.00 received from\n254729639024 MORRIS M.\nNew "
        "Account balance is Ksh54.00",
        receipt="EA54HY643",
        kind="received",
        amount="50.00",
        time="2013-09-28T13:14:00+03:00",
        payer_name="MORRIS M",
        payer_account="254729639024",
        balance="54.00",
        balance_account="till",
        family="till",
        source=PESAPI,
    ),
    _case(
        "till-owner-confirmed-on-account-balance-is",
        "SKL4M2N8QR Confirmed on 3/11/26 at 7:42 PM Ksh1,250.00 received from 254712345678 GRACE WAMBUI. "
        "Account balance is Ksh18,400.00.",
        receipt="SKL4M2N8QR",
        kind="received",
        amount="1250.00",
        time="2026-11-03T19:42:00+03:00",
        payer_name="GRACE WAMBUI",
        payer_account="254712345678",
        balance="18400.00",
        balance_account="till",
        family="till",
        source=ISSUE_16,
    ),
    _case(
        "till-owner-masked-payer-lowercase",
        "UKC2RT9PLM confirmed. on 14/11/26 at 8:01 AM Ksh 1,020.00 received from 2547***456 grace muthoni. "
        "New Account balance is Ksh9,840.00.",
        receipt="UKC2RT9PLM",
        kind="received",
        amount="1020.00",
        time="2026-11-14T08:01:00+03:00",
        payer_name="grace muthoni",
        payer_account="2547***456",
        balance="9840.00",
        balance_account="till",
        family="till",
        source=ISSUE_16,
    ),
    _case(
        "till-paid-to-person-named-till-app-ad",
        "TJK6H7T3GA Confirmed. Ksh70.00 paid to person 1. on 20/10/24 at 4:21 PM.New M-PESA balance is "
        "Ksh123.12. Transaction cost, Ksh0.00. Amount you can transact within the day is 499,895.00. Save "
        "frequent Tills for quick payment on M-PESA app https://bit.ly/mpesalnk",
        receipt="TJK6H7T3GA",
        kind="buy_goods",
        amount="70.00",
        time="2024-10-20T16:21:00+03:00",
        payee_name="person 1",
        payee_account="person 1",
        balance="123.12",
        cost="0.00",
        family="till",
        source=PENNYWISE_ISSUE,
    ),
    _case(
        "till-paid-to-padded-name-comma-amount",
        "TJD6H78J2L Confirmed. Ksh1,120.00 paid to Person 4              1. on 13/10/24 at 8:01 PM.New "
        "M-PESA balance is Ksh123.12. Transaction cost, Ksh0.00. Amount you can transact within the day is "
        "498,440.00. Save frequent Tills for quick payment on M-PESA app https://bit.ly/mpesalnk",
        receipt="TJD6H78J2L",
        kind="buy_goods",
        amount="1120.00",
        time="2024-10-13T20:01:00+03:00",
        payee_name="Person 4 1",
        payee_account="Person 4 1",
        balance="123.12",
        cost="0.00",
        family="till",
        source=PENNYWISE_ISSUE,
    ),
    _case(
        "paybill-owner-2011-multiline-account-number",
        "BH45UU225 Confirmed.\non 5/4/11 at 2:45 PM\nKsh950.00 received from BORIS BECKER 254723908002.\n"
        "Account Number 0700000021\nNew Utility balance is Ksh50,802.00",
        receipt="BH45UU225",
        kind="received",
        amount="950.00",
        time="2011-04-05T14:45:00+03:00",
        payer_name="BORIS BECKER",
        payer_account="254723908002",
        account_number="0700000021",
        balance="50802.00",
        balance_account="paybill",
        family="paybill",
        source=FRONTLINE,
    ),
    _case(
        "paybill-owner-glued-account-number-millions",
        "BM46ST941 Confirmed.on 6/7/11 at 10:49 PM Ksh8,723.00 received from RONALD NDALO 254722291067."
        "Account Number 5FML59-01 New Utility balance is Ksh6,375,223.00",
        receipt="BM46ST941",
        kind="received",
        amount="8723.00",
        time="2011-07-06T22:49:00+03:00",
        payer_name="RONALD NDALO",
        payer_account="254722291067",
        account_number="5FML59-01",
        balance="6375223.00",
        balance_account="paybill",
        family="paybill",
        source=CODE_SEARCH,
    ),
    _case(
        "paybill-owner-account-with-space-balance-cut-off",
        "LJI7QV5BP9 Confirmed. on 18/10/17 at 11:01 AM Ksh5,000.00 received from MERCY NJERI 254725866734.  "
        "Account Number Jeanah ventures New Utility balance is ",
        receipt="LJI7QV5BP9",
        kind="received",
        amount="5000.00",
        time="2017-10-18T11:01:00+03:00",
        payer_name="MERCY NJERI",
        payer_account="254725866734",
        account_number="Jeanah ventures",
        family="paybill",
        source=CODE_SEARCH,
    ),
    _case(
        "paybill-sent-no-comma-glued-cost-app-ad",
        "TJK6H7T0JT Confirmed. Ksh1000.00 sent to Equity Paybill Account for account 123123 on 20/10/25 at "
        "4:26 PM New M-PESA balance is Ksh123.12. Transaction cost, Ksh23.00.Amount you can transact within "
        "the day is 499,795.00. Save frequent paybills for quick payment on M-PESA app https://bit.ly/mpesalnk",
        receipt="TJK6H7T0JT",
        kind="paybill",
        amount="1000.00",
        time="2025-10-20T16:26:00+03:00",
        payee_name="Equity Paybill Account",
        payee_account="Equity Paybill Account",
        account_number="123123",
        balance="123.12",
        cost="23.00",
        family="paybill",
        source=PENNYWISE_ISSUE,
    ),
    _case(
        "paybill-sent-2013-line-break-before-balance",
        "DY28XV679 Confirmed. Ksh4,000.00 sent to KCB Paybill AC for account 1137238445 on 9/9/13 at 11:31 "
        "PM\nNew M-PESA balance is Ksh22.00.",
        receipt="DY28XV679",
        kind="paybill",
        amount="4000.00",
        time="2013-09-09T23:31:00+03:00",
        payee_name="KCB Paybill AC",
        payee_account="KCB Paybill AC",
        account_number="1137238445",
        balance="22.00",
        family="paybill",
        source=PESAPI,
    ),
    _case(
        "agent-withdrawal-glued-location-bank-ad",
        "TA27OIFCSZ Confirmed.on 2/1/25 at 11:01 AMWithdraw Ksh300.00 from 343595 - Anzal Express "
        "Ltdlongonot farm along moi south lake Agg New M-PESA balance is Ksh30.50. Transaction cost, "
        "Ksh29.00. Amount you can transact within the day is 498,710.00. To move money from bank to M-PESA, "
        "dial *334#>Withdraw>From Bank to MPESA",
        receipt="TA27OIFCSZ",
        kind="withdrawal",
        amount="300.00",
        time="2025-01-02T11:01:00+03:00",
        payee_name="Anzal Express Ltdlongonot farm along moi south lake Agg",
        payee_account="343595",
        balance="30.50",
        cost="29.00",
        family="agent",
        source=CODE_SEARCH,
    ),
    _case(
        "fuliza-one-shilling-daily-charges-footer",
        "UIL0K7XB8J Confirmed. Fuliza M-PESA amount is Ksh 1.00. Access Fee charged Ksh 0.01. Total Fuliza "
        "M-PESA outstanding amount is Ksh1919.00 due on 21/10/26. To check daily charges, Dial *334#OK "
        "Select Query Charges",
        receipt="UIL0K7XB8J",
        kind="fuliza",
        amount="1.00",
        time=None,
        payer_name="Fuliza M-PESA",
        payer_account="Fuliza M-PESA",
        cost="0.01",
        family="fuliza",
        source=CODE_SEARCH,
    ),
    _case(
        "fuliza-thirty-shillings-daily-charges-footer",
        "UCJIR9UCU4 Confirmed. Fuliza M-PESA amount is Ksh 30.00. Access Fee charged Ksh 0.30. Total Fuliza "
        "M-PESA outstanding amount is Ksh1372.23 due on 17/04/26. To check daily charges, Dial *334#OK "
        "Select Query Charges",
        receipt="UCJIR9UCU4",
        kind="fuliza",
        amount="30.00",
        time=None,
        payer_name="Fuliza M-PESA",
        payer_account="Fuliza M-PESA",
        cost="0.30",
        family="fuliza",
        source=CODE_SEARCH,
    ),
    _case(
        "m-shwari-withdrawal-spaces-before-periods",
        "TA22OI958I Confirmed.Ksh50.00 transferred from M-Shwari account on 2/1/25 at 11:00 AM. M-Shwari "
        "balance is Ksh925.46 .M-PESA balance is Ksh359.50 .Transaction cost Ksh.0.00",
        receipt="TA22OI958I",
        kind="savings_withdrawal",
        amount="50.00",
        time="2025-01-02T11:00:00+03:00",
        payer_name="M-Shwari",
        payer_account="M-Shwari",
        balance="359.50",
        cost="0.00",
        family="mshwari",
        source=CODE_SEARCH,
    ),
    _case(
        "kcb-deposit-misspelt-transfered-2026",
        "UEVLA5ZL0C Confirmed. Ksh9,000.00 transfered to KCB M-PESA account on 31/5/26 at 12:33 PM. New "
        "M-PESA balance is Ksh455.54, new KCB M-PESA Saving account balance is Ksh9,000.00.",
        receipt="UEVLA5ZL0C",
        kind="savings_deposit",
        amount="9000.00",
        time="2026-05-31T12:33:00+03:00",
        payee_name="KCB M-PESA",
        payee_account="KCB M-PESA",
        balance="455.54",
        family="kcb",
        source=CODE_SEARCH,
    ),
    _case(
        "b2c-greeting-prefix-name-with-period",
        "Congratulations! TJ56H6J1WU confirmed.You have received Ksh425.00 from LOOP B2C. on 5/10/25 at 6:34 "
        "PM.New M-PESA balance is Ksh123.11. Separate personal and business funds through Pochi la Biashara "
        "on *334#.",
        receipt="TJ56H6J1WU",
        kind="received",
        amount="425.00",
        time="2025-10-05T18:34:00+03:00",
        payer_name="LOOP B2C",
        payer_account="LOOP B2C",
        balance="123.11",
        family="b2c",
        source=PENNYWISE_TESTS,
    ),
    _case(
        "b2c-bank-short-code-double-space-pochi-ad",
        "TJE6H7BG0S Confirmed.You have received Ksh3,000.00 from BANK OF BARODA KENYA LIMITED 123123 on "
        "14/10/24 at 7:16 PM New M-PESA balance is Ksh123.12.  Separate personal and business funds through "
        "Pochi la Biashara on *334#.",
        receipt="TJE6H7BG0S",
        kind="received",
        amount="3000.00",
        time="2024-10-14T19:16:00+03:00",
        payer_name="BANK OF BARODA KENYA LIMITED",
        payer_account="123123",
        balance="123.12",
        family="b2c",
        source=PENNYWISE_TESTS,
    ),
    _case(
        "consumer-received-double-space-ziidi-ad",
        "TJF987E58C Confirmed.You have received Ksh300.00 from Person 3 0712121212 on 15/10/24 at 12:16 PM  "
        "New M-PESA balance is Ksh123.12. Earn interest daily on Ziidi MMF,Dial *334#",
        receipt="TJF987E58C",
        kind="received",
        amount="300.00",
        time="2024-10-15T12:16:00+03:00",
        payer_name="Person 3",
        payer_account="0712121212",
        balance="123.12",
        family="consumer",
        source=PENNYWISE_ISSUE,
    ),
    _case(
        "consumer-sent-phone-in-groups-ziidi-ad",
        "TJK6H7TDIJ Confirmed. Ksh50.00 sent to Person 2 0711 111 111 on 20/10/24 at 6:27 PM. New M-PESA "
        "balance is Ksh123.12. Transaction cost, Ksh0.00.  Amount you can transact within the day is "
        "499,745.00. Earn interest daily on Ziidi MMF,Dial *334#",
        receipt="TJK6H7TDIJ",
        kind="sent",
        amount="50.00",
        time="2024-10-20T18:27:00+03:00",
        payee_name="Person 2",
        payee_account="0711111111",
        balance="123.12",
        cost="0.00",
        family="consumer",
        source=PENNYWISE_ISSUE,
    ),
    # --- found for issue 16: held out from the parser until its misses were fixed -----------
    _case(
        "sent-double-space-asterisk-name",
        "TDD6KGR4H2 Confirmed. Ksh2,000.00 sent to ANCI-LLAH  CH*ACHA 0711360814 on 13/4/25 at 11:51 AM. "
        "New M-PESA balance is Ksh1,354.13. Transaction cost, Ksh33.00.  Amount you can transact within "
        "the day is 498,000.00. ",
        receipt="TDD6KGR4H2",
        kind="sent",
        amount="2000.00",
        time="2025-04-13T11:51:00+03:00",
        payee_name="ANCI-LLAH CH*ACHA",
        payee_account="0711360814",
        balance="1354.13",
        cost="33.00",
        family="consumer",
        source=TRANSSION_TESTS,
    ),
    _case(
        "sent-talktime-ad",
        "TCH11TSG11 Confirmed. Ksh100.00 sent to BOB  KWENDO 0726245067 on 17/3/25 at 1:36 PM. New M-PESA "
        "balance is Ksh1,004.13. Transaction cost, Ksh0.00.  Amount you can transact within the day is "
        "499,680.00. Dial *544*18# & Enjoy 18 min talktime, 180MB & an M-PESA send money transaction all "
        "@20 bob.",
        receipt="TCH11TSG11",
        kind="sent",
        amount="100.00",
        time="2025-03-17T13:36:00+03:00",
        payee_name="BOB KWENDO",
        payee_account="0726245067",
        balance="1004.13",
        cost="0.00",
        family="consumer",
        source=TRANSSION_TESTS,
    ),
    _case(
        "received-truncated-ad",
        "TCG1XB2SQV Confirmed.You have received Ksh100.00 from WALTER  OUMA 0713497418 on 16/3/25 at 4:55 "
        "PM  New M-PESA balance is Ksh69.13. Dial *544*18# & Enjoy 18 min talktime,",
        receipt="TCG1XB2SQV",
        kind="received",
        amount="100.00",
        time="2025-03-16T16:55:00+03:00",
        payer_name="WALTER OUMA",
        payer_account="0713497418",
        balance="69.13",
        family="consumer",
        source=TRANSSION_TESTS,
    ),
    _case(
        "sent-oneapp-link",
        "UAAIU1HD8Q Confirmed. Ksh50.00 sent to SAMPLE PERSON 0117000000 on 3/8/26 at 7:52 PM. New M-PESA "
        "balance is Ksh0.00. Transaction cost, Ksh0.00. Amount you can transact within the day is "
        "499,950.00. Download My OneApp on https://saf.cx/example",
        receipt="UAAIU1HD8Q",
        kind="sent",
        amount="50.00",
        time="2026-08-03T19:52:00+03:00",
        payee_name="SAMPLE PERSON",
        payee_account="0117000000",
        balance="0.00",
        cost="0.00",
        family="consumer",
        source=PY_IMPORTER,
    ),
    _case(
        "received-masked-oneapp",
        "UAAIU1PBBA Confirmed.You have received Ksh3,000.00 from SAMPLE SENDER 0100***000 on 4/8/26 at "
        "12:24 PM New M-PESA balance is Ksh3,000.00. Download My OneApp on https://saf.cx/example",
        receipt="UAAIU1PBBA",
        kind="received",
        amount="3000.00",
        time="2026-08-04T12:24:00+03:00",
        payer_name="SAMPLE SENDER",
        payer_account="0100***000",
        balance="3000.00",
        family="consumer",
        source=PY_IMPORTER,
    ),
    _case(
        "sent-newline-free",
        "UF7K26WRWG Confirmed. Ksh5.00 sent to Booker Okumu 0712345678 on 7/6/26 at 4:36 PM. New M-PESA "
        "balance is Ksh0.00. Transaction cost, Ksh0.00.",
        receipt="UF7K26WRWG",
        kind="sent",
        amount="5.00",
        time="2026-06-07T16:36:00+03:00",
        payee_name="Booker Okumu",
        payee_account="0712345678",
        balance="0.00",
        cost="0.00",
        family="consumer",
        source=PESASCOPE,
    ),
    _case(
        "received-masked-double-space",
        "UF5MK6QNPR Confirmed.You have received Ksh40.00 from Booker  Okumu 0799***013 on 5/6/26 at 12:56 "
        "PM  New M-PESA balance is Ksh45.00.",
        receipt="UF5MK6QNPR",
        kind="received",
        amount="40.00",
        time="2026-06-05T12:56:00+03:00",
        payer_name="Booker Okumu",
        payer_account="0799***013",
        balance="45.00",
        family="consumer",
        source=PESASCOPE,
    ),
    _case(
        "received-am-glued",
        "OC3695RICG Confirmed. You have received Ksh550.00 from DIANA DOE 0712345876 on 12/2/20 at 7:23AM "
        " New M-PESA balance is Ksh1,110.00.",
        receipt="OC3695RICG",
        kind="received",
        amount="550.00",
        time="2020-02-12T07:23:00+03:00",
        payer_name="DIANA DOE",
        payer_account="0712345876",
        balance="1110.00",
        family="consumer",
        source=LEDGER_FLUTTER,
    ),
    _case(
        "sent-pochi-no-number-oneapp",
        "UEULA5XT58 Confirmed. Ksh40.00 sent to JOSPHAT  MUTINDA on 30/5/26 at 9:12 PM. New M-PESA "
        "balance is Ksh11,162.54. Transaction cost, Ksh0.00. Amount you can transact within the day is "
        "498,300.00. Download My OneApp on https://saf.cx/kWQpy",
        receipt="UEULA5XT58",
        kind="sent",
        amount="40.00",
        time="2026-05-30T21:12:00+03:00",
        payee_name="JOSPHAT MUTINDA",
        payee_account="JOSPHAT MUTINDA",
        balance="11162.54",
        cost="0.00",
        family="pochi",
        source=OKWEMBA_INBOX,
    ),
    _case(
        "sent-pochi-lowercase-no-ad",
        "TCH01GAG8Y Confirmed. Ksh10.00 sent to richard machage on 17/3/25 at 12:03 PM. New M-PESA "
        "balance is Ksh358.00. Transaction cost, Ksh0.00. Amount you can transact within the day is "
        "499,990.00",
        receipt="TCH01GAG8Y",
        kind="sent",
        amount="10.00",
        time="2025-03-17T12:03:00+03:00",
        payee_name="richard machage",
        payee_account="richard machage",
        balance="358.00",
        cost="0.00",
        family="pochi",
        source=TRANSSION_TESTS,
    ),
    _case(
        "sent-ziidi-paybill-ad",
        "SLV9I5W4EV Confirmed. Ksh2,000.00 sent to ZIIDI on 31/12/24 at 6:34 PM New M-PESA balance is "
        "Ksh2,349.89. Transaction cost, Ksh0.00.Amount you can transact within the day is 498,000.00. Pay "
        "your water/KPLC bill conveniently using M-PESA APP or use Paybill option on Lipa Na M-PESA.",
        receipt="SLV9I5W4EV",
        kind="sent",
        amount="2000.00",
        time="2024-12-31T18:34:00+03:00",
        payee_name="ZIIDI",
        payee_account="ZIIDI",
        balance="2349.89",
        cost="0.00",
        family="consumer",
        source=TRANSSION_TESTS,
    ),
    _case(
        "b2c-congratulations-loop",
        "Congratulations! TD66N8PLHM confirmed.You have received Ksh15,950.00 from LOOP B2C. on 6/4/25 at "
        "2:35 PM.New M-PESA balance is Ksh16,785.29. Separate personal and business funds through Pochi "
        "la Biashara on *334#.",
        receipt="TD66N8PLHM",
        kind="received",
        amount="15950.00",
        time="2025-04-06T14:35:00+03:00",
        payer_name="LOOP B2C",
        payer_account="LOOP B2C",
        balance="16785.29",
        family="b2c",
        source=TRANSSION_TESTS,
    ),
    _case(
        "b2c-kcb-short-code",
        "TD18YFQ9MW Confirmed.You have received Ksh60,800.00 from KCB 1 501901 on 1/4/25 at 3:52 PM New "
        "M-PESA balance is Ksh62,483.13.  Separate personal and business funds through Pochi la Biashara "
        "on *334#.",
        receipt="TD18YFQ9MW",
        kind="received",
        amount="60800.00",
        time="2025-04-01T15:52:00+03:00",
        payer_name="KCB 1",
        payer_account="501901",
        balance="62483.13",
        family="b2c",
        source=TRANSSION_TESTS,
    ),
    _case(
        "paybill-name-with-suffix-digit",
        "TD943EF52A Confirmed. Ksh2,850.00 sent to EASY COACH RAILWAYS-NRB(HQ) 6 for account 816492 on "
        "9/4/25 at 6:14 PM New M-PESA balance is Ksh4,445.13. Transaction cost, Ksh25.00.Amount you can "
        "transact within the day is 496,620.00. Save frequent paybills for quick payment on M-PESA app "
        "https://bit.ly/mpesalnk",
        receipt="TD943EF52A",
        kind="paybill",
        amount="2850.00",
        time="2025-04-09T18:14:00+03:00",
        payee_name="EASY COACH RAILWAYS-NRB(HQ) 6",
        payee_account="EASY COACH RAILWAYS-NRB(HQ) 6",
        account_number="816492",
        balance="4445.13",
        cost="25.00",
        family="paybill",
        source=TRANSSION_TESTS,
    ),
    _case(
        "paybill-coop",
        "TCT8KFQMR8 Confirmed. Ksh6,000.00 sent to Co-operative Bank Money Transfer for account 836993 on "
        "29/3/25 at 2:53 PM New M-PESA balance is Ksh1,631.13. Transaction cost, Ksh42.00.Amount you can "
        "transact within the day is 493,850.00. Save frequent paybills for quick payment on M-PESA app "
        "https://bit.ly/mpesalnk",
        receipt="TCT8KFQMR8",
        kind="paybill",
        amount="6000.00",
        time="2025-03-29T14:53:00+03:00",
        payee_name="Co-operative Bank Money Transfer",
        payee_account="Co-operative Bank Money Transfer",
        account_number="836993",
        balance="1631.13",
        cost="42.00",
        family="paybill",
        source=TRANSSION_TESTS,
    ),
    _case(
        "paybill-global-double-space",
        "TC397N1PP3 Confirmed. Ksh1,100.00 sent to M-PESA  GLOBAL for account 255754992504 on 3/3/25 at "
        "2:11 PM New M-PESA balance is Ksh8,096.05. Transaction cost, Ksh0.00.Amount you can transact "
        "within the day is 430,170.00. Save frequent paybills for quick payment on M-PESA app "
        "https://bit.ly/mpesalnk",
        receipt="TC397N1PP3",
        kind="paybill",
        amount="1100.00",
        time="2025-03-03T14:11:00+03:00",
        payee_name="M-PESA GLOBAL",
        payee_account="M-PESA GLOBAL",
        account_number="255754992504",
        balance="8096.05",
        cost="0.00",
        family="paybill",
        source=TRANSSION_TESTS,
    ),
    _case(
        "paybill-words-account",
        "TD15YG1YNH Confirmed. Ksh20,000.00 sent to MALI for account Wealth Management on 1/4/25 at 3:54 "
        "PM New M-PESA balance is Ksh12,483.13. Transaction cost, Ksh0.00.Amount you can transact within "
        "the day is 449,680.00. Save frequent paybills for quick payment on M-PESA app "
        "https://bit.ly/mpesalnk",
        receipt="TD15YG1YNH",
        kind="paybill",
        amount="20000.00",
        time="2025-04-01T15:54:00+03:00",
        payee_name="MALI",
        payee_account="MALI",
        account_number="Wealth Management",
        balance="12483.13",
        cost="0.00",
        family="paybill",
        source=TRANSSION_TESTS,
    ),
    _case(
        "paybill-name-period",
        "UAAIU33DWG Confirmed. Ksh1,000.00 sent to NCBA BANK KENYA PLC. for account 0000000000 on 17/8/26 "
        "at 8:02 PM New M-PESA balance is Ksh0.00. Transaction cost, Ksh10.00.Amount you can transact "
        "within the day is 498,830.00. Download My OneApp on https://saf.cx/example",
        receipt="UAAIU33DWG",
        kind="paybill",
        amount="1000.00",
        time="2026-08-17T20:02:00+03:00",
        payee_name="NCBA BANK KENYA PLC.",
        payee_account="NCBA BANK KENYA PLC.",
        account_number="0000000000",
        balance="0.00",
        cost="10.00",
        family="paybill",
        source=PY_IMPORTER,
    ),
    _case(
        "paybill-data-bundles-named-account",
        "UAAIU3A99A Confirmed. Ksh25.00 sent to SAFARICOM DATA BUNDLES for account SAFARICOM DATA BUNDLES "
        "on 19/8/26 at 4:49 PM New M-PESA balance is Ksh0.00. Transaction cost, Ksh0.00.Amount you can "
        "transact within the day is 499,975.00. Download My OneApp on https://saf.cx/example",
        receipt="UAAIU3A99A",
        kind="paybill",
        amount="25.00",
        time="2026-08-19T16:49:00+03:00",
        payee_name="SAFARICOM DATA BUNDLES",
        payee_account="SAFARICOM DATA BUNDLES",
        account_number="SAFARICOM DATA BUNDLES",
        balance="0.00",
        cost="0.00",
        family="paybill",
        source=PY_IMPORTER,
    ),
    _case(
        "paybill-postpaid-balances-ad",
        "UI1IU4R9BT Confirmed. Ksh20.00 sent to SAFARICOM POSTPAID BUNDLES for account SAFARICOM DATA "
        "BUNDLES on 1/9/26 at 9:21 AM New M-PESA balance is Ksh0.00. Transaction cost, Ksh0.00. See all "
        "your balances now https://saf.cx/example",
        receipt="UI1IU4R9BT",
        kind="paybill",
        amount="20.00",
        time="2026-09-01T09:21:00+03:00",
        payee_name="SAFARICOM POSTPAID BUNDLES",
        payee_account="SAFARICOM POSTPAID BUNDLES",
        account_number="SAFARICOM DATA BUNDLES",
        balance="0.00",
        cost="0.00",
        family="paybill",
        source=PY_IMPORTER,
    ),
    _case(
        "paybill-kplc",
        "UE4MK35CKT Confirmed. Ksh50.00 sent to KPLC PREPAID for account 32170712657 on 4/5/26 at 8:23 PM "
        "New M-PESA balance is Ksh3,170.78. Transaction cost, Ksh0.00.",
        receipt="UE4MK35CKT",
        kind="paybill",
        amount="50.00",
        time="2026-05-04T20:23:00+03:00",
        payee_name="KPLC PREPAID",
        payee_account="KPLC PREPAID",
        account_number="32170712657",
        balance="3170.78",
        cost="0.00",
        family="paybill",
        source=PESASCOPE,
    ),
    _case(
        "paybill-dtb-247",
        "UEVLA5Z7JP Confirmed. Ksh500.00 sent to DTB 247 for account 5804605001 on 31/5/26 at 10:41 AM "
        "New M-PESA balance is Ksh9,855.54. Transaction cost, Ksh5.00.Amount you can transact within the "
        "day is 499,200.00. Download My OneApp on https://saf.cx/kWQpy",
        receipt="UEVLA5Z7JP",
        kind="paybill",
        amount="500.00",
        time="2026-05-31T10:41:00+03:00",
        payee_name="DTB 247",
        payee_account="DTB 247",
        account_number="5804605001",
        balance="9855.54",
        cost="5.00",
        family="paybill",
        source=OKWEMBA_INBOX,
    ),
    _case(
        "till-name-dash-code",
        "TBP9D0EL9H Confirmed. Ksh80.00 paid to ECOLOGICAL DESTINATIONS SAFARIS LIMITED-426H. on 25/2/25 "
        "at 7:13 AM.New M-PESA balance is Ksh937.05. Transaction cost, Ksh0.00. Amount you can transact "
        "within the day is 499,920.00. Download new M-PESA app on http://bit.ly/mpesappsm & get 500MB "
        "FREE data.",
        receipt="TBP9D0EL9H",
        kind="buy_goods",
        amount="80.00",
        time="2025-02-25T07:13:00+03:00",
        payee_name="ECOLOGICAL DESTINATIONS SAFARIS LIMITED-426H",
        payee_account="ECOLOGICAL DESTINATIONS SAFARIS LIMITED-426H",
        balance="937.05",
        cost="0.00",
        family="till",
        source=TRANSSION_TESTS,
    ),
    _case(
        "till-name-trailing-digits",
        "TDA65K5PRY Confirmed. Ksh50.00 paid to FANAKA MERCHANTS LIMITED 929. on 10/4/25 at 8:33 AM.New "
        "M-PESA balance is Ksh53.61. Transaction cost, Ksh0.00. Amount you can transact within the day is "
        "499,950.00. Save frequent Tills for quick payment on M-PESA app https://bit.ly/mpesalnk",
        receipt="TDA65K5PRY",
        kind="buy_goods",
        amount="50.00",
        time="2025-04-10T08:33:00+03:00",
        payee_name="FANAKA MERCHANTS LIMITED 929",
        payee_account="FANAKA MERCHANTS LIMITED 929",
        balance="53.61",
        cost="0.00",
        family="till",
        source=TRANSSION_TESTS,
    ),
    _case(
        "till-sample-merchant",
        "UAAIU1RQ41 Confirmed. Ksh100.00 paid to SAMPLE MERCHANT LTD. on 6/8/26 at 10:46 AM.New M-PESA "
        "balance is Ksh475.11. Transaction cost, Ksh0.00. Amount you can transact within the day is "
        "499,900.00. Download My OneApp on https://saf.cx/example",
        receipt="UAAIU1RQ41",
        kind="buy_goods",
        amount="100.00",
        time="2026-08-06T10:46:00+03:00",
        payee_name="SAMPLE MERCHANT LTD",
        payee_account="SAMPLE MERCHANT LTD",
        balance="475.11",
        cost="0.00",
        family="till",
        source=PY_IMPORTER,
    ),
    _case(
        "till-glory",
        "UEAMK3TXN2 Confirmed. Ksh180.00 paid to GLORY OF GOD TRADERS. on 10/5/26 at 6:59 PM.New M-PESA "
        "balance is Ksh1,955.78. Transaction cost, Ksh0.00.",
        receipt="UEAMK3TXN2",
        kind="buy_goods",
        amount="180.00",
        time="2026-05-10T18:59:00+03:00",
        payee_name="GLORY OF GOD TRADERS",
        payee_account="GLORY OF GOD TRADERS",
        balance="1955.78",
        cost="0.00",
        family="till",
        source=PESASCOPE,
    ),
    _case(
        "till-name-ends-in-digit",
        "UEULA5XWBQ Confirmed. Ksh70.00 paid to ATOMIC INC 3. on 30/5/26 at 9:25 PM.New M-PESA balance is "
        "Ksh11,017.54. Transaction cost, Ksh0.00. Amount you can transact within the day is 498,155.00. "
        "Download My OneApp on https://saf.cx/lPKcC",
        receipt="UEULA5XWBQ",
        kind="buy_goods",
        amount="70.00",
        time="2026-05-30T21:25:00+03:00",
        payee_name="ATOMIC INC 3",
        payee_account="ATOMIC INC 3",
        balance="11017.54",
        cost="0.00",
        family="till",
        source=OKWEMBA_INBOX,
    ),
    _case(
        "till-owner-pm-glued-ksh",
        "QAI1S35S7Z Confirmed.on 18/1/22 at 3:57 PMKsh40.00 received from 254721863742 MERCY MUGOIRI "
        "WAITHAKA. New Account balance is Ksh440.00. Transaction cost, Ksh0.00.",
        receipt="QAI1S35S7Z",
        kind="received",
        amount="40.00",
        time="2022-01-18T15:57:00+03:00",
        payer_name="MERCY MUGOIRI WAITHAKA",
        payer_account="254721863742",
        balance="440.00",
        cost="0.00",
        balance_account="till",
        family="till",
        source=PRISM_TILL,
    ),
    _case(
        "till-owner-lowercase-payer",
        "QAI9S2XEPH Confirmed.on 18/1/22 at 3:54 PMKsh200.00 received from 254797847747 james kamau. New "
        "Account balance is Ksh400.00. Transaction cost, Ksh0.00.",
        receipt="QAI9S2XEPH",
        kind="received",
        amount="200.00",
        time="2022-01-18T15:54:00+03:00",
        payer_name="james kamau",
        payer_account="254797847747",
        balance="400.00",
        cost="0.00",
        balance_account="till",
        family="till",
        source=PRISM_TILL,
    ),
    _case(
        "till-owner-bank-payer",
        "RAQ788BUHD Confirmed on 26/1/23 at 12:47 PM Ksh45,200.00 received from 488519-NCBA Bank M- "
        "pesa:254780429439. New Account balance is Ksh45,087.00",
        receipt="RAQ788BUHD",
        kind="received",
        amount="45200.00",
        time="2023-01-26T12:47:00+03:00",
        payer_name="NCBA Bank M- pesa:254780429439",
        payer_account="488519",
        balance="45087.00",
        balance_account="till",
        family="till",
        source=PRISM_TILL,
    ),
    _case(
        "till-owner-newline",
        "UGFMXB3GR6 Confirmed.on 15/7/26 at 1:06 PMKsh20.00 received from\n254700000000 Skycope Bonke. "
        "New Account balance is Ksh1300.22.\nTransaction cost, Ksh0.00.",
        receipt="UGFMXB3GR6",
        kind="received",
        amount="20.00",
        time="2026-07-15T13:06:00+03:00",
        payer_name="Skycope Bonke",
        payer_account="254700000000",
        balance="1300.22",
        cost="0.00",
        balance_account="till",
        family="till",
        source=TILL_QUOTES,
    ),
    _case(
        "till-owner-2014-glued-new",
        "AA64SF914 Confirmed.on 17/2/14 at 12:02 PMKsh33,950.00 received from 254727137226 Mark ADAMS.New "
        "Account balance is Ksh2,550.00",
        receipt="AA64SF914",
        kind="received",
        amount="33950.00",
        time="2014-02-17T12:02:00+03:00",
        payer_name="Mark ADAMS",
        payer_account="254727137226",
        balance="2550.00",
        balance_account="till",
        family="till",
        source=TILL_QUOTES,
    ),
    _case(
        "withdraw-7-digit-agent-lipa-ad",
        "UGHDL01LT0 Confirmed.on 17/7/26 at 4:37 PMWithdraw Ksh500.00 from 2059881 - JAMBU COMTECH Baraka "
        "shopKasarani New M-PESA balance is Ksh2,320.38. Transaction cost, Ksh29.00. Amount you can "
        "transact within the day is 499,010.00. Get a Lipa Na M-PESA Till online: "
        "https://m-pesaforbusiness.co.ke/",
        receipt="UGHDL01LT0",
        kind="withdrawal",
        amount="500.00",
        time="2026-07-17T16:37:00+03:00",
        payee_name="JAMBU COMTECH Baraka shopKasarani",
        payee_account="2059881",
        balance="2320.38",
        cost="29.00",
        family="agent",
        source=BELTECH,
    ),
    _case(
        "withdraw-sample-agent",
        "UAAIU1WURT Confirmed.on 7/8/26 at 2:19 PMWithdraw Ksh100.00 from 000000 - SAMPLE AGENT New "
        "M-PESA balance is Ksh315.11. Transaction cost, Ksh11.00. Amount you can transact within the day "
        "is 499,900.00. Get a Lipa Na M-PESA Till online: https://m-pesaforbusiness.co.ke/",
        receipt="UAAIU1WURT",
        kind="withdrawal",
        amount="100.00",
        time="2026-08-07T14:19:00+03:00",
        payee_name="SAMPLE AGENT",
        payee_account="000000",
        balance="315.11",
        cost="11.00",
        family="agent",
        source=PY_IMPORTER,
    ),
    _case(
        "withdraw-neovilla",
        "UERMK5P6JM Confirmed.on 27/5/26 at 1:16 PMWithdraw Ksh100.00 from 164654 - Neovilla Management "
        "Ltd Jubilee Shop Kithimani mkt New M-PESA balance is Ksh153.06. Transaction cost, Ksh11.00.",
        receipt="UERMK5P6JM",
        kind="withdrawal",
        amount="100.00",
        time="2026-05-27T13:16:00+03:00",
        payee_name="Neovilla Management Ltd Jubilee Shop Kithimani mkt",
        payee_account="164654",
        balance="153.06",
        cost="11.00",
        family="agent",
        source=PESASCOPE,
    ),
    _case(
        "withdraw-bank-ad",
        "SL14U1AA94 Confirmed.on 1/12/24 at 6:44 PMWithdraw Ksh2,100.00 from 606394 - Estina abshir shop "
        "7street sec ave eastleigh New M-PESA balance is Ksh258.61. Transaction cost, Ksh29.00. Amount "
        "you can transact within the day is 496,850.00. To move money from bank to M-PESA, dial "
        "*334#>Withdraw>From Bank to MPESA",
        receipt="SL14U1AA94",
        kind="withdrawal",
        amount="2100.00",
        time="2024-12-01T18:44:00+03:00",
        payee_name="Estina abshir shop 7street sec ave eastleigh",
        payee_account="606394",
        balance="258.61",
        cost="29.00",
        family="agent",
        source=TRANSSION_TESTS,
    ),
    _case(
        "withdraw-lower-pm-glued",
        "NC36I5RICG Confirmed. on 3/2/20 at 3:33 pmWithdraw Ksh200.00 from 321321 - Fontana New M-PESA "
        "balance is Ksh800.00. Transaction cost, Ksh15.00.",
        receipt="NC36I5RICG",
        kind="withdrawal",
        amount="200.00",
        time="2020-02-03T15:33:00+03:00",
        payee_name="Fontana",
        payee_account="321321",
        balance="800.00",
        cost="15.00",
        family="agent",
        source=LEDGER_FLUTTER,
    ),
    _case(
        "deposit-tuko-net",
        "UCSMKAR8VZ Confirmed. On 28/3/26 at 8:31 AM Give Ksh2,000.00 cash to TUKO NET LIMITED Ernest "
        "enterprises shop elgons building New M-PESA balance is Ksh2,419.87.",
        receipt="UCSMKAR8VZ",
        kind="deposit",
        amount="2000.00",
        time="2026-03-28T08:31:00+03:00",
        payer_name="TUKO NET LIMITED Ernest enterprises shop elgons building",
        payer_account="TUKO NET LIMITED Ernest enterprises shop elgons building",
        balance="2419.87",
        family="agent",
        source=PESASCOPE,
    ),
    _case(
        "deposit-glued-location-digits",
        "TA6678JM3W Confirmed. On 6/1/25 at 4:22 PM Give Ksh1,000.00 cash to HASHI COMM Evalast "
        "EnterprisesGITHURAI 44 New M-PESA balance is Ksh1,335.89. You can now access M-PESA via *334#",
        receipt="TA6678JM3W",
        kind="deposit",
        amount="1000.00",
        time="2025-01-06T16:22:00+03:00",
        payer_name="HASHI COMM Evalast EnterprisesGITHURAI 44",
        payer_account="HASHI COMM Evalast EnterprisesGITHURAI 44",
        balance="1335.89",
        family="agent",
        source=TRANSSION_TESTS,
    ),
    _case(
        "deposit-lower-pm-no-space",
        "OC3695RICG Confirmed. On 22/1/20 at 1:12pm Give Ksh100.00 cash to Fontana New M-PESA balance is "
        "Ksh1015.00",
        receipt="OC3695RICG",
        kind="deposit",
        amount="100.00",
        time="2020-01-22T13:12:00+03:00",
        payer_name="Fontana",
        payer_account="Fontana",
        balance="1015.00",
        family="agent",
        source=LEDGER_FLUTTER,
    ),
    _case(
        "deposit-double-space-name",
        "UF1LA633QX Confirmed. On 1/6/26 at 10:45 AM Give Ksh300.00 cash to SWISSCOM VENTURES  LTD Joska "
        "hse Gusii rd Nakuru New M-PESA balance is Ksh300.00. You can now access M-PESA via *334#",
        receipt="UF1LA633QX",
        kind="deposit",
        amount="300.00",
        time="2026-06-01T10:45:00+03:00",
        payer_name="SWISSCOM VENTURES LTD Joska hse Gusii rd Nakuru",
        payer_account="SWISSCOM VENTURES LTD Joska hse Gusii rd Nakuru",
        balance="300.00",
        family="agent",
        source=OKWEMBA_INBOX,
    ),
    _case(
        "airtime-for-number-new-balance",
        "SIU9GEQ7IX confirmed.You bought Ksh70.00 of airtime for 254796487729 on 30/9/24 at 10:01 PM.New  "
        "balance is Ksh2,024.74. Transaction cost, Ksh0.00. Amount you can transact within the day is "
        "499,865.00.You can now access M-PESA via *334#",
        receipt="SIU9GEQ7IX",
        kind="airtime",
        amount="70.00",
        time="2024-09-30T22:01:00+03:00",
        payee_name="Safaricom Airtime",
        payee_account="254796487729",
        balance="2024.74",
        cost="0.00",
        family="consumer",
        source=TRANSSION_TESTS,
    ),
    _case(
        "airtime-1-bob-ad",
        "TBC5RBYBPR confirmed.You bought Ksh20.00 of airtime on 12/2/25 at 4:57 PM.New M-PESA balance is "
        "Ksh1,685.97. Transaction cost, Ksh0.00. Amount you can transact within the day is 499,660.00. "
        "Buy airtime from 1 bob via M-PESA today & keep that conversation going!",
        receipt="TBC5RBYBPR",
        kind="airtime",
        amount="20.00",
        time="2025-02-12T16:57:00+03:00",
        payee_name="Safaricom Airtime",
        payee_account="Safaricom Airtime",
        balance="1685.97",
        cost="0.00",
        family="consumer",
        source=TRANSSION_TESTS,
    ),
    _case(
        "airtime-oneapp",
        "UAAIU30XE9 confirmed.You bought Ksh50.00 of airtime on 17/8/26 at 10:23 AM.New M-PESA balance is "
        "Ksh6.11. Transaction cost, Ksh0.00. Amount you can transact within the day is 499,950.00. "
        "Download My OneApp on https://saf.cx/example",
        receipt="UAAIU30XE9",
        kind="airtime",
        amount="50.00",
        time="2026-08-17T10:23:00+03:00",
        payee_name="Safaricom Airtime",
        payee_account="Safaricom Airtime",
        balance="6.11",
        cost="0.00",
        family="consumer",
        source=PY_IMPORTER,
    ),
    _case(
        "airtime-five-bob",
        "UF4K26LILB confirmed.You bought Ksh5.00 of airtime on 4/6/26 at 10:57 PM.New M-PESA balance is "
        "Ksh5.00. Transaction cost, Ksh0.00.",
        receipt="UF4K26LILB",
        kind="airtime",
        amount="5.00",
        time="2026-06-04T22:57:00+03:00",
        payee_name="Safaricom Airtime",
        payee_account="Safaricom Airtime",
        balance="5.00",
        cost="0.00",
        family="consumer",
        source=PESASCOPE,
    ),
    _case(
        "fuliza-footer-20",
        "UGVDL1O5UV Confirmed. Fuliza M-PESA amount is Ksh 20.00. Access Fee charged Ksh 0.20. Total "
        "Fuliza M-PESA outstanding amount is Ksh102.06 due on 30/08/26. To check daily charges, Dial "
        "*334#OK Select Query Charges",
        receipt="UGVDL1O5UV",
        kind="fuliza",
        amount="20.00",
        time=None,
        payer_name="Fuliza M-PESA",
        payer_account="Fuliza M-PESA",
        cost="0.20",
        family="fuliza",
        source=BELTECH,
    ),
    _case(
        "fuliza-interest-new-footer",
        "TGI4HPX4PK Confirmed. Fuliza M-PESA amount is Ksh 100.00. Interest charged Ksh 1.00. Total "
        "Fuliza M-PESA outstanding amount is Ksh 724.62 due on 14/08/25. To check daily charges, Dial "
        "*334#OK Select Fuliza M-PESA to Query Charges.",
        receipt="TGI4HPX4PK",
        kind="fuliza",
        amount="100.00",
        time=None,
        payer_name="Fuliza M-PESA",
        payer_account="Fuliza M-PESA",
        cost="1.00",
        family="fuliza",
        source=BELTECH,
    ),
    _case(
        "fuliza-odd-cents",
        "UEVLA606GQ Confirmed. Fuliza M-PESA amount is Ksh 139.46. Access Fee charged Ksh 1.40. Total "
        "Fuliza M-PESA outstanding amount is Ksh140.86 due on 30/06/26. To check daily charges, Dial "
        "*334#OK Select Query Charges",
        receipt="UEVLA606GQ",
        kind="fuliza",
        amount="139.46",
        time=None,
        payer_name="Fuliza M-PESA",
        payer_account="Fuliza M-PESA",
        cost="1.40",
        family="fuliza",
        source=OKWEMBA_INBOX,
    ),
    _case(
        "fuliza-repay-unlabelled-tail",
        "UERMK5QVVY Confirmed. Ksh 7.01 from your M-PESA has been used to fully pay your outstanding "
        "Fuliza M-PESA. Available Fuliza M-PESA limit is Ksh 1200.00.Ksh0.00.",
        receipt="UERMK5QVVY",
        kind="fuliza_repayment",
        amount="7.01",
        time=None,
        payee_name="Fuliza M-PESA",
        payee_account="Fuliza M-PESA",
        family="fuliza",
        source=PESASCOPE,
    ),
    _case(
        "fuliza-repay-mpesa-balance-ksh",
        "SKT7KAQMRH Confirmed. Ksh 241.19 from your M-PESA has been used to fully pay your outstanding "
        "Fuliza M-PESA. Available Fuliza M-PESA limit is Ksh 700.00. M-PESA balance is Ksh558.81.",
        receipt="SKT7KAQMRH",
        kind="fuliza_repayment",
        amount="241.19",
        time=None,
        payee_name="Fuliza M-PESA",
        payee_account="Fuliza M-PESA",
        balance="558.81",
        family="fuliza",
        source=TRANSSION_TESTS,
    ),
    _case(
        "fuliza-repay-balance-no-ksh",
        "UEVLA61NCL Confirmed. Ksh 1031.68 from your M-PESA has been used to fully pay your outstanding "
        "Fuliza M-PESA. Available Fuliza M-PESA limit is Ksh 1500.00. Your M-PESA balance is 968.32.",
        receipt="UEVLA61NCL",
        kind="fuliza_repayment",
        amount="1031.68",
        time=None,
        payee_name="Fuliza M-PESA",
        payee_account="Fuliza M-PESA",
        balance="968.32",
        family="fuliza",
        source=OKWEMBA_INBOX,
    ),
    _case(
        "mshwari-deposit-ksh-dot-cost",
        "TC57GMRGAT Confirmed.Ksh15,000.00 transferred to M-Shwari account on 5/3/25 at 11:53 AM. M-PESA "
        "balance is Ksh12,066.05 .New M-Shwari saving account balance is Ksh17,033.79. Transaction cost "
        "Ksh.0.00",
        receipt="TC57GMRGAT",
        kind="savings_deposit",
        amount="15000.00",
        time="2025-03-05T11:53:00+03:00",
        payee_name="M-Shwari",
        payee_account="M-Shwari",
        balance="12066.05",
        cost="0.00",
        family="mshwari",
        source=TRANSSION_TESTS,
    ),
    _case(
        "mshwari-withdraw-pm-glued-period",
        "OC3695RICG Confirmed.Ksh220.00 transferred from M-Shwari account on 14/2/20 at 5:23PM. M-Shwari "
        "balance is Ksh110.00 .M-PESA balance is Ksh1,330.00 .Transaction cost Ksh0.00",
        receipt="OC3695RICG",
        kind="savings_withdrawal",
        amount="220.00",
        time="2020-02-14T17:23:00+03:00",
        payer_name="M-Shwari",
        payer_account="M-Shwari",
        balance="1330.00",
        cost="0.00",
        family="mshwari",
        source=LEDGER_FLUTTER,
    ),
    _case(
        "kcb-withdraw-you-have-transfered",
        "UEVLA61NCK Confirmed. You have transfered Ksh2,000.00 from your KCB M-PESA account on 31/5/26 at "
        "8:06 PM. KCB M-PESA Account balance is Ksh7,000.00. New M-PESA balance is Ksh2,000.00.",
        receipt="UEVLA61NCK",
        kind="savings_withdrawal",
        amount="2000.00",
        time="2026-05-31T20:06:00+03:00",
        payer_name="KCB M-PESA",
        payer_account="KCB M-PESA",
        balance="2000.00",
        family="kcb",
        source=OKWEMBA_INBOX,
    ),
    _case(
        "kcb-deposit-small",
        "UEVLA61VAC Confirmed. Ksh200.00 transfered to KCB M-PESA account on 31/5/26 at 9:10 PM. New "
        "M-PESA balance is Ksh333.32, new KCB M-PESA Saving account balance is Ksh7,200.00.",
        receipt="UEVLA61VAC",
        kind="savings_deposit",
        amount="200.00",
        time="2026-05-31T21:10:00+03:00",
        payee_name="KCB M-PESA",
        payee_account="KCB M-PESA",
        balance="333.32",
        family="kcb",
        source=OKWEMBA_INBOX,
    ),
    _case(
        "kcb-withdraw-morning",
        "UF1LA62TF0 Confirmed. You have transfered Ksh100.00 from your KCB M-PESA account on 1/6/26 at "
        "9:42 AM. KCB M-PESA Account balance is Ksh7,400.00. New M-PESA balance is Ksh128.32.",
        receipt="UF1LA62TF0",
        kind="savings_withdrawal",
        amount="100.00",
        time="2026-06-01T09:42:00+03:00",
        payer_name="KCB M-PESA",
        payer_account="KCB M-PESA",
        balance="128.32",
        family="kcb",
        source=OKWEMBA_INBOX,
    ),
    _case(
        "kcb-loan-repayment",
        "UAAIU1QRKT Confirmed. Your loan repayment of Ksh12,345.00 from your M-PESA account to KCB M-PESA "
        "on 5/8/26 at 10:48 PM is successful. Your M-PESA balance is Ksh800.00.",
        receipt="UAAIU1QRKT",
        kind="loan_repayment",
        amount="12345.00",
        time="2026-08-05T22:48:00+03:00",
        payee_name="KCB M-PESA",
        payee_account="KCB M-PESA",
        balance="800.00",
        family="kcb",
        source=PY_IMPORTER,
    ),
    _case(
        "reversal-credited-real",
        "UF7MKM7FTT confirmed. Reversal of transaction UF7MK70VIL has been successfully reversed on "
        "7/6/26 at 5:56 PM and Ksh30.00 is credited to your M-PESA account. New M-PESA account balance is "
        "Ksh1,956.99.",
        receipt="UF7MKM7FTT",
        kind="reversal",
        amount="30.00",
        time="2026-06-07T17:56:00+03:00",
        balance="1956.99",
        reversed_id="UF7MK70VIL",
        family="reversal",
        source=PESASCOPE,
    ),
    _case(
        "reversal-credited-double-spaces-2022",
        "QJC3Q7RYBX confirmed. Reversal of transaction QJC0Q7GEBQ has been successfully reversed  on "
        "12/10/22  at 10:22 AM and Ksh60.00 is credited to your M-PESA account. New M-PESA account "
        "balance is Ksh92.00.",
        receipt="QJC3Q7RYBX",
        kind="reversal",
        amount="60.00",
        time="2022-10-12T10:22:00+03:00",
        balance="92.00",
        reversed_id="QJC0Q7GEBQ",
        family="reversal",
        source=REVERSAL_QUOTES,
    ),
    _case(
        "reversal-debited-double-space-after-receipt",
        "TI27ZWJC3B  confirmed. Reversal of transaction TI26ZVL0L8 has been successfully reversed  on "
        "2/9/25  at 8:31 AM and Ksh100.00 is debited from your M-PESA account. New M-PESA account balance "
        "is Ksh1,758.00.",
        receipt="TI27ZWJC3B",
        kind="reversal",
        amount="100.00",
        time="2025-09-02T08:31:00+03:00",
        balance="1758.00",
        reversed_id="TI26ZVL0L8",
        family="reversal",
        source=REVERSAL_QUOTES,
    ),
    _case(
        "reversal-am-lowercase-midnight",
        "NC36I5RICG confirmed. Reversal of transaction OC3695RICG has been successfully reversed on "
        "12/2/20 at 12:33am and Ksh220.00 is credited to your M-PESA account. New M-PESA account balance "
        "is Ksh1,330.00",
        receipt="NC36I5RICG",
        kind="reversal",
        amount="220.00",
        time="2020-02-12T00:33:00+03:00",
        balance="1330.00",
        reversed_id="OC3695RICG",
        family="reversal",
        source=LEDGER_FLUTTER,
    ),
    _case(
        "reversal-debited-2026",
        "TKFL9EXWCM confirmed. Reversal of transaction TKFL9ADWCV has been successfully reversed on "
        "8/3/26 at 10:48 PM and Ksh50.00 is debited from your M-PESA account. New M-PESA account balance "
        "is Ksh3,920.00.",
        receipt="TKFL9EXWCM",
        kind="reversal",
        amount="50.00",
        time="2026-03-08T22:48:00+03:00",
        balance="3920.00",
        reversed_id="TKFL9ADWCV",
        family="reversal",
        source=REVERSAL_QUOTES,
    ),
    _case(
        "card-anthropic",
        "UHOL3472YY Confirmed. Ksh1,555.38 sent to M-PESA CARD for account ANTHROPIC                "
        "+14152360599 US on 24/8/26 at 2:40 AM New M-PESA balance is Ksh419.46. Transaction cost, "
        "Ksh0.00.Amount you can transact within the day is 496,889.24. Download My OneApp on "
        "https://saf.cx/kWQpy",
        receipt="UHOL3472YY",
        kind="paybill",
        amount="1555.38",
        time="2026-08-24T02:40:00+03:00",
        payee_name="M-PESA CARD",
        payee_account="M-PESA CARD",
        account_number="ANTHROPIC +14152360599 US",
        balance="419.46",
        cost="0.00",
        family="paybill",
        source=CARD_TESTS,
    ),
    _case(
        "card-tello",
        "UHNL3437J8 Confirmed. Ksh1,343.53 sent to M-PESA CARD for account TELLO US                 "
        "8663770294   US on 23/8/26 at 12:09 AM New M-PESA balance is Ksh6,587.98. Transaction cost, "
        "Ksh0.00.",
        receipt="UHNL3437J8",
        kind="paybill",
        amount="1343.53",
        time="2026-08-23T00:09:00+03:00",
        payee_name="M-PESA CARD",
        payee_account="M-PESA CARD",
        account_number="TELLO US 8663770294 US",
        balance="6587.98",
        cost="0.00",
        family="paybill",
        source=CARD_TESTS,
    ),
    _case(
        "received-masked-double-spaces-oneapp-2026",
        "UHMEB4177Z Confirmed.You have received Ksh450.00 from Samuel  Okari 0705***905 on 22/8/26 at "
        "5:18 AM  New M-PESA balance is Ksh11,336.58. Download My OneApp on https://saf.cx/lPKcC",
        receipt="UHMEB4177Z",
        kind="received",
        amount="450.00",
        time="2026-08-22T05:18:00+03:00",
        payer_name="Samuel Okari",
        payer_account="0705***905",
        balance="11336.58",
        family="consumer",
        source=CARD_TESTS,
    ),
    _case(
        "till-hyphen-digit-cost",
        "UHML342UTG Confirmed. Ksh800.00 paid to ECCOY TRUST ENTERPRISES-2. on 22/8/26 at 9:39 PM.New "
        "M-PESA balance is Ksh8,002.13. Transaction cost, Ksh4.40. Amount you can transact within the day "
        "is 496,687.95. Download My OneApp on https://saf.cx/lPKcC",
        receipt="UHML342UTG",
        kind="buy_goods",
        amount="800.00",
        time="2026-08-22T21:39:00+03:00",
        payee_name="ECCOY TRUST ENTERPRISES-2",
        payee_account="ECCOY TRUST ENTERPRISES-2",
        balance="8002.13",
        cost="4.40",
        family="till",
        source=CARD_TESTS,
    ),
    _case(
        "paybill-airtel-phone-account",
        "UHML33Z3V8 confirmed. Ksh450.00 sent to AIRTEL MONEY  for account 254788359534 on 22/8/26 at "
        "5:21 AM New M-PESA balance is Ksh10,879.58. Transaction cost, Ksh7.00.",
        receipt="UHML33Z3V8",
        kind="paybill",
        amount="450.00",
        time="2026-08-22T05:21:00+03:00",
        payee_name="AIRTEL MONEY",
        payee_account="AIRTEL MONEY",
        account_number="254788359534",
        balance="10879.58",
        cost="7.00",
        family="paybill",
        source=CARD_TESTS,
    ),
    _case(
        "paybill-alnum-account",
        "UHAL32P2FG Confirmed. Ksh3,780.00 sent to SAVO CONNECT LTD for account A75397 on 10/8/26 at "
        "10:39 PM New M-PESA balance is Ksh7,370.60. Transaction cost, Ksh34.00.",
        receipt="UHAL32P2FG",
        kind="paybill",
        amount="3780.00",
        time="2026-08-10T22:39:00+03:00",
        payee_name="SAVO CONNECT LTD",
        payee_account="SAVO CONNECT LTD",
        account_number="A75397",
        balance="7370.60",
        cost="34.00",
        family="paybill",
        source=CARD_TESTS,
    ),
    _case(
        "till-mixed-case",
        "UHNL346FDZ Confirmed. Ksh1,652.00 paid to Naivas Westside. on 23/8/26 at 7:46 PM.New M-PESA "
        "balance is Ksh1,640.98. Transaction cost, Ksh0.00. Amount you can transact within the day is "
        "493,709.47. Download My OneApp on https://saf.cx/lPKcC",
        receipt="UHNL346FDZ",
        kind="buy_goods",
        amount="1652.00",
        time="2026-08-23T19:46:00+03:00",
        payee_name="Naivas Westside",
        payee_account="Naivas Westside",
        balance="1640.98",
        cost="0.00",
        family="till",
        source=CARD_TESTS,
    ),
    _case(
        "till-town-name",
        "UHNL345JNZ Confirmed. Ksh1,195.00 paid to CLEANSHELF SUPERMARKET NAKURU. on 23/8/26 at 5:26 "
        "PM.New M-PESA balance is Ksh5,392.98. Transaction cost, Ksh0.00. Amount you can transact within "
        "the day is 497,461.47. Download My OneApp on https://saf.cx/lPKcC",
        receipt="UHNL345JNZ",
        kind="buy_goods",
        amount="1195.00",
        time="2026-08-23T17:26:00+03:00",
        payee_name="CLEANSHELF SUPERMARKET NAKURU",
        payee_account="CLEANSHELF SUPERMARKET NAKURU",
        balance="5392.98",
        cost="0.00",
        family="till",
        source=CARD_TESTS,
    ),
    _case(
        "card-paypal-padded",
        "UH1MK1E11Z Confirmed. Ksh559.55 sent to M-PESA CARD for account PAYPAL *DIGITALOCEA      "
        "40293573213   US on 1/8/26 at 9:56 AM New M-PESA balance is Ksh2,270.03. Transaction cost, "
        "Ksh0.00.",
        receipt="UH1MK1E11Z",
        kind="paybill",
        amount="559.55",
        time="2026-08-01T09:56:00+03:00",
        payee_name="M-PESA CARD",
        payee_account="M-PESA CARD",
        account_number="PAYPAL *DIGITALOCEA 40293573213 US",
        balance="2270.03",
        cost="0.00",
        family="paybill",
        source=PESASCOPE,
    ),
    _case(
        "b2c-equity-bulk-pochi-ad",
        "UHHMK3C3PO Confirmed.You have received Ksh50.00 from Equity Bulk Account 300600 on 17/8/26 at "
        "11:57 PM New M-PESA balance is Ksh301.03. Separate personal and business funds through Pochi la "
        "Biashara on *334#.",
        receipt="UHHMK3C3PO",
        kind="received",
        amount="50.00",
        time="2026-08-17T23:57:00+03:00",
        payer_name="Equity Bulk Account",
        payer_account="300600",
        balance="301.03",
        family="b2c",
        source=PESASCOPE,
    ),
    _case(
        "airtime-other-new-balance",
        "UHMMK3UV7D confirmed.You bought Ksh25.00 of airtime for 0745964243 on 22/8/26 at 2:59 PM.New "
        "balance is Ksh60.03. Transaction cost, Ksh0.00.",
        receipt="UHMMK3UV7D",
        kind="airtime",
        amount="25.00",
        time="2026-08-22T14:59:00+03:00",
        payee_name="Safaricom Airtime",
        payee_account="0745964243",
        balance="60.03",
        cost="0.00",
        family="consumer",
        source=PESASCOPE,
    ),
    _case(
        "data-bundles-pm-period",
        "UGIK2BOBR0 Confirmed. Ksh15.00 sent to SAFARICOM DATA BUNDLES for account SAFARICOM DATA BUNDLES "
        "on 18/7/26 at 11:03 PM. New M-PESA balance is Ksh88.00. Transaction cost, Ksh0.00.",
        receipt="UGIK2BOBR0",
        kind="paybill",
        amount="15.00",
        time="2026-07-18T23:03:00+03:00",
        payee_name="SAFARICOM DATA BUNDLES",
        payee_account="SAFARICOM DATA BUNDLES",
        account_number="SAFARICOM DATA BUNDLES",
        balance="88.00",
        cost="0.00",
        family="paybill",
        source=PESASCOPE,
    ),
    _case(
        "b2c-equity-bulk-2026",
        "UFLQX8TIEO Confirmed.You have received Ksh100.00 from Equity Bulk Account 300600 on 21/6/26 at "
        "8:23 AM New M-PESA balance is Ksh1,214.65.  Separate personal and business funds through Pochi "
        "la Biashara on *334#.",
        receipt="UFLQX8TIEO",
        kind="received",
        amount="100.00",
        time="2026-06-21T08:23:00+03:00",
        payer_name="Equity Bulk Account",
        payer_account="300600",
        balance="1214.65",
        family="b2c",
        source=EQUITY_RECEIPT,
    ),
    _case(
        "pochi-sent-no-space-after-confirmed",
        "TJ6CF6NDST Confirmed.Ksh30.00 sent to SIMON  NDERITU on 6/10/25 at 7:43 AM. New M-PESA balance "
        "is Ksh21.73. Transaction cost, Ksh0.00. Amount you can transact within the day is 499,970.00.",
        receipt="TJ6CF6NDST",
        kind="sent",
        amount="30.00",
        time="2025-10-06T07:43:00+03:00",
        payee_name="SIMON NDERITU",
        payee_account="SIMON NDERITU",
        balance="21.73",
        cost="0.00",
        family="pochi",
        source=USER_EXAMPLES,
    ),
    _case(
        "b2c-equity-bulk-2025",
        "TJ3CF6GKC7 Confirmed.You have received Ksh100.00 from Equity Bulk Account 300600 on 3/10/25 at "
        "10:55 PM New M-PESA balance is Ksh111.86.",
        receipt="TJ3CF6GKC7",
        kind="received",
        amount="100.00",
        time="2025-10-03T22:55:00+03:00",
        payer_name="Equity Bulk Account",
        payer_account="300600",
        balance="111.86",
        family="b2c",
        source=USER_EXAMPLES,
    ),
    _case(
        "till-globalpay-ad-2022",
        "QIJ2A5XQ6C Confirmed. Ksh80.00 paid to DAYLIGHT HOTEL. on 19/9/22 at 5:02 PM.New M-PESA balance is "
        "Ksh112.45. Transaction cost, Ksh0.00. Amount you can transact within the day is 294,973.00. Pay "
        "with M-PESA GlobalPay virtual Visa card linked to MPESA wallet. Click https://bit.ly/3LQTXIT",
        receipt="QIJ2A5XQ6C",
        kind="buy_goods",
        amount="80.00",
        time="2022-09-19T17:02:00+03:00",
        payee_name="DAYLIGHT HOTEL",
        payee_account="DAYLIGHT HOTEL",
        balance="112.45",
        cost="0.00",
        family="till",
        source=GLOBALPAY_ADS,
    ),
    _case(
        "paybill-am-glued-globalpay-ad-2023",
        "REV4TVQDEQ Confirmed. Ksh70.00 sent to ZURI GENESIS CO LTD for account 117 on 5/6/23 at 7:29AM. New "
        "M-PESA balance is Ksh1,029.76. Transaction cost, Ksh0.00. Amount you can transact within the day is "
        "299,840.00. Buy business stock with M-PESA GlobalPay virtual Visa Card. Click on "
        "https://mpesaapp.page.link/GlobalPay",
        receipt="REV4TVQDEQ",
        kind="paybill",
        amount="70.00",
        time="2023-06-05T07:29:00+03:00",
        payee_name="ZURI GENESIS CO LTD",
        payee_account="ZURI GENESIS CO LTD",
        account_number="117",
        balance="1029.76",
        cost="0.00",
        family="paybill",
        source=GLOBALPAY_ADS,
    ),
]


# Text that is not a completed transaction, with a word the refusal's reason must contain.
NOT_TRANSACTIONS: list[tuple[str, str, str]] = [
    ("empty", "", "empty"),
    ("whitespace-only", "  \n\t ", "empty"),
    ("failed-wrong-number", "Failed. The entered phone number is incorrect 07221889563.", "failed"),
    (
        "failed-temporarily-unable",
        "Failed. M-PESA is temporarily unable to authorise airtime purchase of Ksh100.00. Please try again "
        "later.",
        "failed",
    ),
    (
        "failed-insufficient-funds",
        "Failed. Insufficient funds in your M-PESA account as well as Fuliza M-PESA to send Ksh5,000.00. "
        "Your M-PESA balance is Ksh120.00.",
        "insufficient funds",
    ),
    (
        "not-enough-money",
        "You do not have enough money in your M-PESA account to pay Ksh2,000.00 to NAIVAS. Your M-PESA "
        "balance is Ksh45.00.",
        "insufficient funds",
    ),
    (
        "wrong-pin",
        "You have entered the wrong PIN. Please try again. You have 2 more attempts.",
        "wrong PIN",
    ),
    (
        "promotion-globalpay",
        "Pay with M-PESA GlobalPay virtual Visa card for online shopping. Dial *334# to get started.",
        "not an M-PESA transaction confirmation",
    ),
    (
        "promotion-app-data",
        "Download new M-PESA app & get 500MB FREE data. Click https://m-pesaapp.page.link/x",
        "not an M-PESA transaction confirmation",
    ),
    (
        "advert-with-amount",
        "5,000 DISCOUNT! We're with you all the way to KFC. Pay Ksh500.00 via Till 123456.",
        "not an M-PESA transaction confirmation",
    ),
    ("random-text", "hello, are you coming tonight?", "not an M-PESA transaction confirmation"),
    (
        "cancelled",
        "You have cancelled the transaction of Ksh50.00. Kindly note that if you cancel 5 times, you will "
        "be barred from using M-PESA HAKIKISHA.",
        "not an M-PESA transaction confirmation",
    ),
    (
        "reversal-request-acknowledgment",
        "Your request to reverse transaction QAB1CD2EF3 of Ksh500.00 to JOHN DOE 0712345678 has been "
        "received. We will notify you once it is processed.",
        "reversal request",
    ),
    (
        "reversal-request-acknowledgment-with-receipt",
        "QAB1CD2EF9 Confirmed. Your request to reverse transaction QAB1CD2EF3 has been received and is "
        "being processed.",
        "reversal request",
    ),
    (
        "agent-working-to-float-transfer",
        "QAB1CD2EF5 Confirmed. Ksh500.00 transferred from Working to Float. New Working Balance is "
        "Ksh468.03.",
        "float or working-account notice",
    ),
    (
        "lowercase-receipt",
        "qji3r7gxwv Confirmed. Ksh100.00 received from JOHN DOE 0712345678 on 15/3/26 at 2:30 PM.",
        "not an M-PESA transaction confirmation",
    ),
    (
        "digits-only-receipt",
        "0712345678 Confirmed. Ksh100.00 received from JOHN DOE 0712345678 on 15/3/26 at 2:30 PM.",
        "not an M-PESA transaction confirmation",
    ),
    (
        "eleven-character-receipt",
        "QJI3R7GXWVX Confirmed. Ksh100.00 received from JOHN DOE 0712345678 on 15/3/26 at 2:30 PM.",
        "not an M-PESA transaction confirmation",
    ),
    (
        "contradictory-wallet-balances",
        "QJI3R7GXWV Confirmed. Ksh100.00 received from JOHN DOE 0712345678 on 15/3/26 at 2:30 PM. New "
        "M-PESA balance is Ksh1,500.00. New M-PESA balance is Ksh9,500.00.",
        "contradictory balances",
    ),
    (
        "contradictory-business-balances",
        "EA54HY643 Confirmed. on 28/9/13 at 1:14 PM Ksh50.00 received from 254729639024 MORRIS M. New "
        "Account balance is Ksh54.00. New Account balance is Ksh540.00",
        "contradictory balances",
    ),
    (
        "contradictory-costs",
        "QJI3R7GXWV Confirmed. Ksh500.00 sent to JANE DOE 0722000000 on 15/3/26 at 10:05 AM. New M-PESA "
        "balance is Ksh1,000.00. Transaction cost, Ksh7.00. Transaction cost, Ksh70.00.",
        "contradictory transaction costs",
    ),
    (
        "contradictory-reversal-amounts",
        "UWX3YZ4AB5 Confirmed. Reversal of transaction UWX1YZ2AB3 of Ksh30,000.00 to JOHN DOE 0712345678 "
        "has been successfully reversed on 5/1/20 at 1:14 PM and Ksh3,000.00 is credited to your M-PESA "
        "account. New M-PESA balance is Ksh45,000.00.",
        "contradictory amounts",
    ),
    (
        "greeting-with-digits-before-receipt",
        "Win 500 points! TJ56H6J1WU confirmed.You have received Ksh425.00 from LOOP B2C. on 5/10/25 at "
        "6:34 PM.New M-PESA balance is Ksh123.11.",
        "not an M-PESA transaction confirmation",
    ),
    (
        "greeting-too-long-before-receipt",
        "Dear valued customer, thank you for choosing us and for staying with us all these years! "
        "TJ56H6J1WU confirmed.You have received Ksh425.00 from LOOP B2C. on 5/10/25 at 6:34 PM.",
        "not an M-PESA transaction confirmation",
    ),
    (
        "business-side-without-time",
        "EA54HY643 Confirmed. Ksh50.00 received from 254729639024 MORRIS M. New Account balance is Ksh54.00",
        "unrecognised",
    ),
    (
        "business-side-without-payer",
        "BH45UU225 Confirmed. on 5/4/11 at 2:45 PM Ksh950.00 received from. Account Number 0700000021 New "
        "Utility balance is Ksh50,802.00",
        "unrecognised",
    ),
    (
        "business-side-trailing-ad-after-account",
        "BH45UU225 Confirmed. on 5/4/11 at 2:45 PM Ksh950.00 received from BORIS BECKER 254723908002. "
        "Account Number 0700000021 Download the M-PESA app for more",
        "unrecognised",
    ),
    (
        "impossible-date",
        "QJI3R7GXWV Confirmed. Ksh100.00 received from JOHN DOE 0712345678 on 31/2/26 at 2:30 PM. New "
        "M-PESA balance is Ksh1,500.00.",
        "impossible date",
    ),
    # --- real refusals found for issue 16 (sources: BELTECH and AGENT_SHOP above) ------------
    (
        "failed-insufficient-fuliza",
        "Failed. Insufficient funds in your M-PESA account as well as Fuliza M-PESA to send KSH50.00. "
        "Your M-PESA balance KSH0.00. Available Fuliza M-PESA limit KSH33.56.",
        "insufficient funds",
    ),
    (
        "failed-wrong-pin",
        "Failed, you have entered the wrong PIN. If forgotten please dial *334#, select My Account, "
        "select M-PESA PIN Manager then M-PESA Forgot PIN and follow the prompts.",
        "wrong PIN",
    ),
    (
        "fuliza-limit-reminder",
        "Dear BELINZE, your Fuliza M-PESA limit is Ksh 900.00. You have an outstanding amount of Ksh "
        "799.89 due on 25/10/25. Transaction Cost Ksh 0.",
        "not an M-PESA transaction confirmation",
    ),
    (
        "fuliza-repay-without-receipt",
        "Confirmed. Ksh 250.00 from your M-PESA has been used to partially pay your outstanding Fuliza "
        "M-PESA. Your available Fuliza M-PESA limit is Ksh 263.56. Your M-PESA balance is 0.00.",
        "no receipt",
    ),
    (
        "pochi-move-to-mpesa",
        "SJI3IZVLYT Confirmed, Ksh1,600.00 has been moved from your business account to your M-PESA "
        "account on 18/10/24 at 3:18 PM.. New business balance is Ksh0.00. New M-PESA balance is "
        "Ksh1,600.00.",
        "own business",
    ),
    (
        "loop-bank-sms",
        "You have successfully sent KES 400.00 to 0706483760 - Muga Grace Abida. Fee:KES.5.75. LOOP Ref "
        "NHEUMBS6RZLG, M-Pesa Ref, UH2BA1KS2V on 02/08/2026 17:25:08.",
        "not an M-PESA transaction confirmation",
    ),
    (
        "agent-float-take-cash",
        "OAO4KVPDQ4 Confirmed. On 24/1/20 at 8:26 AM Take Ksh1,100.00 cash from PASCALENE W MAINA Your "
        "M-PESA float balance is Ksh27,197.00.",
        "agent",
    ),
    (
        "agent-float-give-to",
        "OAN3KNQZC7 Confirmed. on 23/1/20 at 7:51 PM Give Ksh1,530.00 to JAPHET MAINA MBOGO 0712106254. "
        "New M-PESA float balance is Ksh28,297.00",
        "agent",
    ),
    (
        "agent-float-give-cash-unregistered",
        "OA314OGB3N  Confirmed.On 3/1/20 at 11:18 AM.Give Ksh5,100.00 cash to +254734373935.New M-PESA "
        "float balance is Ksh23,103.00",
        "agent",
    ),
    (
        "agent-commission",
        "OA1831LCUQ confirmed. Commission of Ksh17,807.19 paid to your Working account. Working Balance "
        "is Ksh16,968.03 on 1/1/20 at 2:10 AM",
        "float or working-account notice",
    ),
]
