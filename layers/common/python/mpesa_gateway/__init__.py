"""Shared code of the M-Pesa gateway's Lambdas: Daraja client, domain logic, persistence."""
