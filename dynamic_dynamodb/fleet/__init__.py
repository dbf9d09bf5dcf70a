"""A fleet: many accounts and regions served by one process, and several replicas
sharing them through a DynamoDB lease table.

``targets`` plans them (an account in one region each, with the configuration that
applies there), ``sessions`` reaches each one (its credentials, an assumed role
refreshed by botocore, its region, its DescribeTable calls paced by aws/pacing.py),
``logcontext`` names the target in every log line, ``coordinator`` says which targets
this process serves (all of them, unless the lease coordinator of ``leases``, with
``lease_store`` and ``lease_plan``, shares them between replicas), ``runner`` serves
them concurrently, each failing alone, and ``build`` puts these together on boto3.

Nothing is imported here: ``cli`` (``--show-config``) imports ``fleet.targets`` without
pulling in boto3.
"""
