"""Dynamic QR: a Lipa Na M-Pesa QR code that customers scan to pay."""
