"""``python -m dynamic_dynamodb.localaws``: serve the local AWS in the foreground.

Prints its URL on one line of stdout and serves until SIGTERM or Ctrl-C. Options:
``--host``, ``--port`` (0 picks a free port), ``--update-delay``, ``--max-capacity``,
``--verbose``.
"""

import sys

from dynamic_dynamodb.localaws.command import main

sys.exit(main())
