"""M-Pesa Ratiba: standing orders a customer approves on their phone, paying the business."""
