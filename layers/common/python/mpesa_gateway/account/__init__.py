"""Account operations: reversal, transaction status, balance."""
