"""B2C and B2B: the business sends money."""
