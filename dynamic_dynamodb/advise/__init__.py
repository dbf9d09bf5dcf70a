"""``dynamic-dynamodb advise``: reads each table's own CloudWatch history, replays it
through the simulator under several policies, and advises on-demand or provisioned
(and how to scale it), table by table."""
