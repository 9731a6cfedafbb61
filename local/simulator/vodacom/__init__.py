"""Vodacom's M-Pesa OpenAPI (Tanzania, the DRC) as the simulator serves it, beside Daraja on the same port.

Paths are `/{sandbox|openapi}/ipg/v2/{vodacomTZN|vodacomDRC}/{endpoint}/`. A client encrypts its API key
with the portal's public key (`GET /simulator/vodacom/public-key`) to get a session (`auth`), then pays
and queries with the session id encrypted the same way (`payments`, `status`, `reversals`). Customer
behaviour follows the simulator's rules by MSISDN, and its faults apply to these paths too.
"""
