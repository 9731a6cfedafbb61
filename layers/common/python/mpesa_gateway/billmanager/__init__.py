"""M-Pesa Bill Manager: invoices sent to customers' phones, paid into the app's paybill."""
