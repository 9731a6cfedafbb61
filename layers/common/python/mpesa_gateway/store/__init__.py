"""Persistence behind small interfaces; DynamoDB implementations."""
