"""Replay a load trace through the daemon's own Scheduler against a simulated
DynamoDB table, CloudWatch and clock, and compare scaling policies on cost and
throttling (``dynamic-dynamodb simulate``)."""
