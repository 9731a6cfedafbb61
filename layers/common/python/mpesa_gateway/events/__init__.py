"""Events for merchants: what each settlement becomes (events), where they are sent (endpoints), and
their signed delivery with retries for days. The wire format and signatures are in mpesa_gateway.webhooks."""
