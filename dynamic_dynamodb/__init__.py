"""dynamic-dynamodb: keeps DynamoDB provisioned capacity matched to its load."""

__version__ = "3.0.0.dev0"
