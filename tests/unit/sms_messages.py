"""M-PESA confirmation SMS as Kenyan phones receive them, with what each must parse to.

Shared by the parser's tests and bench/sms_parser.py (its corpus). Each case names its family (who
sends or receives it: consumer, pochi, till, paybill, agent, fuliza, mshwari, kcb, reversal, b2c) and
where its wording comes from (`source`). Messages quoted from a public source keep its receipts, names
and numbers; the others use made-up ones in a wording whose source is named the same way.
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
EARLIER = "this repository's corpus before issue 16 (its public source was not recorded)"


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
        source=EARLIER,
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
        source=EARLIER,
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
        source=EARLIER,
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
        source=EARLIER,
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
        source=EARLIER,
        kind="received",
        amount="1031.68",
        time="2026-04-05T14:30:00+03:00",
        payer_name="jane mutua",
        payer_account="0798765432",
        balance="2031.68",
    ),
    _case(
        "received-remittance-without-number",
        "UEULA5XIBK confirmed. You have received Ksh12,852.00 from Jenifer Akoth in US via Sendwave on "
        "30/5/26 at 8:06 PM. New M-PESA balance is Ksh12,852.00.",
        receipt="UEULA5XIBK",
        family="b2c",
        source=EARLIER,
        kind="received",
        amount="12852.00",
        time="2026-05-30T20:06:00+03:00",
        payer_name="Jenifer Akoth in US via Sendwave",
        payer_account="Jenifer Akoth in US via Sendwave",
        balance="12852.00",
    ),
    _case(
        "received-hyphen-apostrophe-01-number-midnight",
        "TGH8J9K0L1 Confirmed. You have received Ksh200.00 from ANNE-MARIE O'BRIEN 0111222333 on 1/1/25 "
        "at 12:05 AM New M-PESA balance is Ksh200.00.",
        receipt="TGH8J9K0L1",
        family="consumer",
        source=EARLIER,
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
        source=EARLIER,
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
        source=EARLIER,
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
        source=EARLIER,
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
        "day is 498,340.00. Download new M-PESA app & get 500MB FREE data.",
        receipt="UEULA5XMT4",
        family="consumer",
        source=EARLIER,
        kind="sent",
        amount="500.00",
        time="2026-05-30T20:10:00+03:00",
        payee_name="Gathogo Kigotho",
        payee_account="0708767392",
        balance="11202.54",
        cost="7.00",
    ),
    _case(
        "sent-pochi-la-biashara-no-number-globalpay-footer",
        "UCD5EF6GH7 Confirmed. Ksh150.00 sent to MAMA JOY on 6/3/26 at 1:15 PM. New M-PESA balance is "
        "Ksh850.00. Transaction cost, Ksh0.00. Amount you can transact within the day is 499,850.00. Pay "
        "with M-PESA GlobalPay virtual Visa card for online shopping. Dial *334#.",
        receipt="UCD5EF6GH7",
        family="pochi",
        source=EARLIER,
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
        source=EARLIER,
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
        source=EARLIER,
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
        source=EARLIER,
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
        "QJI3R7GXWW Confirmed. Ksh1,000.00 sent to KPLC PREPAID for account 54405080323 on 1/4/26 at "
        "9:12 AM New M-PESA balance is Ksh3,000.00. Transaction cost, Ksh0.00.",
        receipt="QJI3R7GXWW",
        family="paybill",
        source=EARLIER,
        kind="paybill",
        amount="1000.00",
        time="2026-04-01T09:12:00+03:00",
        payee_name="KPLC PREPAID",
        payee_account="KPLC PREPAID",
        account_number="54405080323",
        balance="3000.00",
        cost="0.00",
    ),
    _case(
        "paybill-empty-account",
        "SGK99ETMW3 Confirmed. Ksh100.00 sent to SAFARICOM DATA BUNDLES for account on 20/7/24 at "
        "11:04 AM. New M-PESA balance is Ksh20.00. Transaction cost, Ksh0.00.",
        receipt="SGK99ETMW3",
        family="paybill",
        source=EARLIER,
        kind="paybill",
        amount="100.00",
        time="2024-07-20T11:04:00+03:00",
        payee_name="SAFARICOM DATA BUNDLES",
        payee_account="SAFARICOM DATA BUNDLES",
        account_number="",
        balance="20.00",
        cost="0.00",
    ),
    _case(
        "paybill-alphanumeric-account",
        "UKL3MN4PQ5 Confirmed. Ksh2,500.00 sent to NAIROBI WATER for account ACC-0042X on 4/4/26 at "
        "4:20 PM New M-PESA balance is Ksh500.00. Transaction cost, Ksh0.00. Amount you can transact "
        "within the day is 497,500.00.",
        receipt="UKL3MN4PQ5",
        family="paybill",
        source=EARLIER,
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
        source=EARLIER,
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
        "paybill-bank",
        "TKSFVBGF9G Confirmed. Ksh900.00 sent to DTB Account for account 333667 on 28/11/25 at 3:06 PM "
        "New M-PESA balance is Ksh1,100.00. Transaction cost, Ksh0.00.",
        receipt="TKSFVBGF9G",
        family="paybill",
        source=EARLIER,
        kind="paybill",
        amount="900.00",
        time="2025-11-28T15:06:00+03:00",
        payee_name="DTB Account",
        payee_account="DTB Account",
        account_number="333667",
        balance="1100.00",
        cost="0.00",
    ),
    _case(
        "paybill-account-with-spaces-and-symbols",
        "UMN5PQ6RS7 Confirmed. Ksh154.22 sent to M-PESA CARD for account GOOGLE *eFootball 2024 "
        "g.co/helppay#US on 2/2/26 at 3:00 PM New M-PESA balance is Ksh20.00. Transaction cost, Ksh0.00.",
        receipt="UMN5PQ6RS7",
        family="paybill",
        source=EARLIER,
        kind="paybill",
        amount="154.22",
        time="2026-02-02T15:00:00+03:00",
        payee_name="M-PESA CARD",
        payee_account="M-PESA CARD",
        account_number="GOOGLE *eFootball 2024 g.co/helppay#US",
        balance="20.00",
        cost="0.00",
    ),
    # --- buy goods ------------------------------------------------------------------------------
    _case(
        "buy-goods-period-no-space-before-new",
        "QJI3R7GXWX Confirmed. Ksh250.00 paid to NAIVAS SUPERMARKET. on 2/4/26 at 6:45 PM.New M-PESA "
        "balance is Ksh750.00. Transaction cost, Ksh0.00.",
        receipt="QJI3R7GXWX",
        family="till",
        source=EARLIER,
        kind="buy_goods",
        amount="250.00",
        time="2026-04-02T18:45:00+03:00",
        payee_name="NAIVAS SUPERMARKET",
        payee_account="NAIVAS SUPERMARKET",
        balance="750.00",
        cost="0.00",
    ),
    _case(
        "buy-goods-period-then-space",
        "UNP6QR7ST8 Confirmed. Ksh1,510.00 paid to DAD RONGAI. on 29/11/25 at 7:25 PM. New M-PESA "
        "balance is Ksh2,000.00. Transaction cost, Ksh0.00.",
        receipt="UNP6QR7ST8",
        family="till",
        source=EARLIER,
        kind="buy_goods",
        amount="1510.00",
        time="2025-11-29T19:25:00+03:00",
        payee_name="DAD RONGAI",
        payee_account="DAD RONGAI",
        balance="2000.00",
        cost="0.00",
    ),
    _case(
        "buy-goods-period-inside-name-footer",
        "UPQ7RS8TU9 Confirmed. Ksh160.00 paid to F.M STORES. on 20/12/25 at 8:02 AM.New M-PESA balance "
        "is Ksh40.00. Transaction cost, Ksh0.00. Amount you can transact within the day is 499,840.00. "
        "Pay with M-PESA GlobalPay virtual Visa card.",
        receipt="UPQ7RS8TU9",
        family="till",
        source=EARLIER,
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
        source=EARLIER,
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
        source=EARLIER,
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
        source=EARLIER,
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
        source=EARLIER,
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
        source=EARLIER,
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
        source=EARLIER,
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
        source=EARLIER,
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
        source=EARLIER,
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
        source=EARLIER,
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
        "QAB1CD2EF4 Confirmed. Transaction QAB1CD2EF3 has been reversed. Your account balance is now "
        "Ksh2,345.00.",
        receipt="QAB1CD2EF4",
        family="reversal",
        source=EARLIER,
        kind="reversal",
        amount="0.00",
        time=None,
        balance="2345.00",
        reversed_id="QAB1CD2EF3",
    ),
    _case(
        "reversal-credited-double-spaces",
        "SJP5C9HAIJ confirmed. Reversal of transaction SJH5DP029L has been successfully reversed  on "
        "25/10/24  at 2:04 PM and Ksh1.00 is credited to your M-PESA account. New M-PESA account balance "
        "is Ksh1,778.12.",
        receipt="SJP5C9HAIJ",
        family="reversal",
        source=EARLIER,
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
        source=EARLIER,
        kind="reversal",
        amount="30000.00",
        time=None,
        payer_name="JOHN DOE",
        payer_account="0712345678",
        balance="45000.00",
        reversed_id="UWX1YZ2AB3",
    ),
    _case(
        "reversal-debited",
        "OA516AJI01 confirmed. Reversal of transaction OAN3KNQZC7 has been successfully reversed on 5/1/20 "
        "at 1:14 PM and Ksh1,530.00 is debited from your M-PESA account. New M-PESA account balance is "
        "Ksh9,516.00.",
        receipt="OA516AJI01",
        family="reversal",
        source=EARLIER,
        kind="reversal",
        amount="1530.00",
        time="2020-01-05T13:14:00+03:00",
        balance="9516.00",
        reversed_id="OAN3KNQZC7",
    ),
    # --- M-Shwari / KCB M-PESA savings --------------------------------------------------------------
    _case(
        "savings-deposit-m-shwari",
        "OX36I5RICG Confirmed.Ksh220.00 transferred to M-Shwari account on 13/2/20 at 3:33pm. M-PESA "
        "balance is Ksh1,110.00 .New M-Shwari saving account balance is Ksh330.00. Transaction cost Ksh0.00",
        receipt="OX36I5RICG",
        family="mshwari",
        source=EARLIER,
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
        source=EARLIER,
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
        source=EARLIER,
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
        source=EARLIER,
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
        source=EARLIER,
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
        source=EARLIER,
        kind="fuliza",
        amount="238.80",
        time=None,
        payer_name="Fuliza M-PESA",
        payer_account="Fuliza M-PESA",
        cost="2.39",
    ),
    _case(
        "fuliza-no-space-after-ksh",
        "CV67BN34MK Confirmed. Fuliza M-PESA amount is Ksh30.00. Access Fee charged Ksh0.30. Total Fuliza "
        "M-PESA outstanding amount is Ksh508.16 due on 5/7/25.",
        receipt="CV67BN34MK",
        family="fuliza",
        source=EARLIER,
        kind="fuliza",
        amount="30.00",
        time=None,
        payer_name="Fuliza M-PESA",
        payer_account="Fuliza M-PESA",
        cost="0.30",
    ),
    # --- Fuliza repayment -------------------------------------------------------------------------
    _case(
        "fuliza-repayment-fully-balance-without-ksh",
        "UEULA5XIBO Confirmed. Ksh 1142.46 from your M-PESA has been used to fully pay your outstanding "
        "Fuliza M-PESA. Available Fuliza M-PESA limit is Ksh 1500.00. Your M-PESA balance is 11709.54.",
        receipt="UEULA5XIBO",
        family="fuliza",
        source=EARLIER,
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
        source=EARLIER,
        kind="fuliza_repayment",
        amount="1000.00",
        time=None,
        payee_name="Fuliza M-PESA",
        payee_account="Fuliza M-PESA",
        balance="0.00",
    ),
    _case(
        "fuliza-repayment-with-time",
        "UP12345678 Confirmed. Ksh500.00 from your M-PESA has been used to partially pay your outstanding "
        "Fuliza M-PESA on 15/6/26 at 2:30 PM. Your available Fuliza M-PESA limit is Ksh416.84. New M-PESA "
        "balance is Ksh1,234.00.",
        receipt="UP12345678",
        family="fuliza",
        source=EARLIER,
        kind="fuliza_repayment",
        amount="500.00",
        time="2026-06-15T14:30:00+03:00",
        payee_name="Fuliza M-PESA",
        payee_account="Fuliza M-PESA",
        balance="1234.00",
    ),
    # --- balance --------------------------------------------------------------------------------
    _case(
        "balance-check-new-format",
        "TK1888V9B3 Confirmed. Your account balance was: M-PESA Account : Ksh3,870.00 on 7/3/26 at "
        "11:41 AM. Transaction cost, Ksh0.00.",
        receipt="TK1888V9B3",
        family="consumer",
        source=EARLIER,
        kind="balance",
        amount="3870.00",
        time="2026-03-07T11:41:00+03:00",
        balance="3870.00",
        cost="0.00",
    ),
    _case(
        "balance-check-with-business-account-zero",
        "SEA3IRDTSD Confirmed. Your account balance was: M-PESA Account : Ksh0.00 Business Account : "
        "Ksh0.00 on 27/5/24 at 10:18 AM. Buy Airtime easily via M-PESA App.",
        receipt="SEA3IRDTSD",
        family="pochi",
        source=EARLIER,
        kind="balance",
        amount="0.00",
        time="2024-05-27T10:18:00+03:00",
        balance="0.00",
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
        "balance-check-fuliza-footer",
        "UB6DL632FM Confirmed. Your account balance was: M-PESA Account : Ksh1,317.50 on 17/10/25 at "
        "11:40 AM. Transaction cost, Ksh0.00. Dial *234*0# OK to check your Fuliza limit & complete your "
        "M-PESA transaction.",
        receipt="UB6DL632FM",
        family="consumer",
        source=EARLIER,
        kind="balance",
        amount="1317.50",
        time="2025-10-17T11:40:00+03:00",
        balance="1317.50",
        cost="0.00",
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
        "confirmed-but-unknown-shape",
        "QAB1CD2EF5 Confirmed. Ksh500.00 transferred from Working to Float. New Working Balance is "
        "Ksh468.03.",
        "unrecognised",
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
]
