"""Many targets (accounts x regions) from one deployment, and several replicas sharing
them through a DynamoDB lease table (leases.py, lease_store.py, lease_plan.py)."""
