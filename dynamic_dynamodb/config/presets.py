"""Named settings used in more than one place."""

# The original Dynamic DynamoDB README's example (the demo and the simulator's
# "classic" comparison both use it).
ORIGINAL_README_SETTINGS: dict[str, str] = {
    "reads-upper-threshold": "90", "reads-lower-threshold": "30",
    "increase-reads-with": "50", "decrease-reads-with": "40",
    "writes-upper-threshold": "90", "writes-lower-threshold": "40",
    "increase-writes-with": "40", "decrease-writes-with": "70",
}
