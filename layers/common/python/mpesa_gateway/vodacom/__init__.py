"""Vodacom's M-Pesa OpenAPI (Tanzania: MpesaTz, the DRC: MpesaCongo) behind the gateway's routes.

The same money rules as Daraja's: every request is stored before it is sent, sent at most once, failed
only when Vodacom provably did nothing, and otherwise kept PENDING and settled by queryTransactionStatus.
"""
