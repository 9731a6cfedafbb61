"""M-Pesa C2B: customers paying a PayBill or Till directly."""
