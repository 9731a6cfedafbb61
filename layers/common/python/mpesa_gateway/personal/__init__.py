"""MpesaKePersonal: transactions read from a person's M-Pesa confirmation SMS."""
