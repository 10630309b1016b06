"""The Kinesis event source mappings' retry settings, derived from the stream's retention by default.

A record is retried for as long as the stream keeps it: the maximum record age is the retention
minus a margin (Lambda must give up, and hand the records to the on-failure destination, before
Kinesis trims them), and the retry attempts are enough to fill that age when every attempt runs to
the function's timeout, which is what an invocation that keeps retrying an outage does.

The trade-off: a shard whose batch keeps failing is blocked (its later records wait) for up to
that age. Records are never lost to it, since what is finally given up is kept whole in S3, but
they are late. Set `lambda_max_record_age_seconds` / `lambda_retry_attempts` in cdk.json to give up
sooner (the README explains when).
"""

from __future__ import annotations

import math

from timestream_pipeline.errors import SettingsError

# Lambda's limits for Kinesis mappings.
MAX_RECORD_AGE_LIMIT_SECONDS = 604_800  # 7 days
MIN_RECORD_AGE_SECONDS = 60
MAX_RETRY_ATTEMPTS = 10_000
# Give up this long before Kinesis would trim the oldest record of a blocked batch.
RETENTION_MARGIN_SECONDS = 3600


def max_record_age_seconds(retention_hours: int, explicit: int | None = None) -> int:
    """`explicit` if set, else the retention minus the margin, within Lambda's limits."""
    if explicit is not None:
        return explicit
    derived = retention_hours * 3600 - RETENTION_MARGIN_SECONDS
    return max(MIN_RECORD_AGE_SECONDS, min(MAX_RECORD_AGE_LIMIT_SECONDS, derived))


def retry_attempts(record_age_seconds: int, timeout_seconds: int, explicit: int | None = None) -> int:
    """`explicit` if set, else as many attempts as fit in the record age at one timeout each."""
    if explicit is not None:
        return explicit
    return min(MAX_RETRY_ATTEMPTS, math.ceil(record_age_seconds / timeout_seconds))


def check_record_age(record_age_seconds: int, retention_hours: int) -> None:
    """A record age beyond the retention would let Kinesis trim records before they are kept."""
    retention_seconds = retention_hours * 3600
    if record_age_seconds > retention_seconds:
        raise SettingsError(
            f"setting lambda_max_record_age_seconds={record_age_seconds}: must not exceed the stream's "
            f"retention (kinesis_retention_hours={retention_hours}, {retention_seconds} s), or Kinesis "
            "drops records before the mapping keeps them; leave it unset to derive it from the retention "
            '(fix it in cdk.json "context" or pass -c lambda_max_record_age_seconds=...)'
        )
