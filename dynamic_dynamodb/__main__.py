"""Allows ``python -m dynamic_dynamodb``."""
from dynamic_dynamodb.cli import main

main()
