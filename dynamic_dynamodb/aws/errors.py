"""Translate botocore's exceptions into the project's own, with one clear message.

An answer botocore cannot read is a bad answer of that call (``BadAnswer``), one line
in the log and the traceback at debug level: a ResponseParserError (the lean parser's
MalformedAnswer is one), or what botocore's parsers raise on a JSON list where they
expect an object (AttributeError, TypeError), or a ValueError for a body that is not
JSON. botocore itself turns a 200 whose body is not JSON into an empty result, with no
error: the callers check that what they need is there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import botocore.exceptions
import botocore.parsers

from dynamic_dynamodb.aws.fastparse import MalformedAnswer
from dynamic_dynamodb.errors import AwsError, AwsSetupError, BadAnswer

T = TypeVar("T")
log = logging.getLogger(__name__)

# What reading an answer that is not what the model says raises, in botocore's parsers
# and the lean one (aws/fastparse.py).
UNREADABLE_ANSWER = (ValueError, TypeError, AttributeError, KeyError)


def error_code(exc: BaseException) -> str:
    if isinstance(exc, botocore.exceptions.ClientError):
        return str(exc.response.get("Error", {}).get("Code", "Unknown"))
    return type(exc).__name__


@contextmanager
def translated(what: str) -> Iterator[None]:
    """Run an AWS call; raise AwsSetupError for setup problems, AwsError otherwise."""
    try:
        yield
    except botocore.exceptions.NoCredentialsError:
        raise AwsSetupError(
            f"{what}: no AWS credentials found (set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, "
            f"--profile, or use an instance role)", "NoCredentials") from None
    except botocore.exceptions.NoRegionError:
        raise AwsSetupError(f"{what}: no AWS region (set --region or AWS_REGION)",
                            "NoRegion") from None
    except (botocore.exceptions.EndpointConnectionError,
            botocore.exceptions.ConnectTimeoutError) as exc:
        raise AwsError(f"{what}: cannot reach AWS endpoint ({exc})", "EndpointUnreachable") \
            from None
    except botocore.exceptions.ReadTimeoutError as exc:
        raise AwsError(f"{what}: timed out ({exc})", "ReadTimeout") from None
    except botocore.exceptions.ClientError as exc:
        code = error_code(exc)
        message = exc.response.get("Error", {}).get("Message", "")
        if code in ("UnrecognizedClientException", "InvalidClientTokenId",
                    "InvalidSignatureException", "AccessDeniedException", "AccessDenied"):
            raise AwsError(f"{what}: {code}: {message}", code, transient=False) from None
        raise AwsError(f"{what}: {code}: {message}", code) from None
    except botocore.parsers.ResponseParserError as exc:  # before BotoCoreError: a parser's
        # error may be both (aws/fastparse.py's MalformedAnswer is)
        log.debug("%s: the answer could not be read", what, exc_info=True)
        # MalformedAnswer's text never quotes the body; botocore's own may: the body
        # only at debug.
        detail = str(exc) if isinstance(exc, MalformedAnswer) else type(exc).__name__
        raise BadAnswer(f"{what}: the answer could not be read ({detail})") from None
    except botocore.exceptions.BotoCoreError as exc:
        raise AwsError(f"{what}: {exc}", type(exc).__name__) from None
    except UNREADABLE_ANSWER as exc:  # after botocore's own: some of those are ValueErrors
        log.debug("%s: the answer could not be read", what, exc_info=True)
        raise BadAnswer(f"{what}: the answer could not be read "
                        f"({type(exc).__name__})") from None


def call(what: str, fn: Callable[[], T]) -> T:
    with translated(what):
        return fn()

