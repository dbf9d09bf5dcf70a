"""The pure decision core: no boto3, no clock, no I/O. ``now`` is always a parameter."""
