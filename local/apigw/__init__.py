"""The pieces of the local API Gateway emulation: routing and events, the authorizer, the Lambda invoker."""
