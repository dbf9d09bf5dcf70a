"""The boto3 edges: the only modules that talk to AWS."""
