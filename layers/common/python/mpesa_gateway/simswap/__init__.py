"""SIM swap: when a phone number's SIM card was last swapped, before trusting the number."""
