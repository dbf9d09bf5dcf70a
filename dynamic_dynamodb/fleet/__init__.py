"""A fleet: many accounts and regions served by one process.

``targets`` plans them (an account in one region each, with the configuration that
applies there), ``sessions`` reaches each one (its credentials, an assumed role
refreshed by botocore, its region), ``pacing`` keeps a target's DescribeTable calls
under a rate, ``logcontext`` names the target in every log line, ``coordinator`` says
which targets this process serves (all of them, unless a lease coordinator shares
them between replicas), and ``runner`` serves them concurrently, each failing alone.

Nothing is imported here: ``config`` and ``status`` import ``fleet.targets`` without
pulling in boto3.
"""
