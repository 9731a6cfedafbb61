"""M-Pesa Express (Lipa Na M-Pesa Online, STK Push)."""
