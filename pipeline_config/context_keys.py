"""Which `-c key=value` (and cdk.json context) keys are allowed: the settings, cdk.json's feature flags
and the CDK CLI's own keys. A misspelt setting is refused with the closest one suggested.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any

from timestream_pipeline.errors import SettingsError

# Context keys the CDK CLI writes itself (`cdk acknowledge`, telemetry); `aws:cdk:*` switches and
# cached lookups (`availability-zones:account=...`) are recognised by their colon.
CDK_OWN_KEYS = frozenset({"acknowledged-issue-numbers", "cli-telemetry"})


def feature_flags(context: Mapping[str, Any]) -> set[str]:
    """The CDK feature flags of a context (`@aws-cdk/...` keys), i.e. the ones cdk.json sets."""
    return {key for key in context if key.startswith("@")}


def check_context_keys(keys: Iterable[str], settings: Iterable[str], known_flags: Iterable[str]) -> None:
    """Refuse a context key that is no setting (a typo), with the closest setting suggested.

    Feature flags (`@...`) are many and the CDK CLI adds its own, so one that cdk.json does not set
    is refused only when it is a near miss of one that it does (a misspelling).
    """
    setting_keys, flags = sorted(settings), sorted(set(known_flags))
    for key in sorted(keys):
        if key in setting_keys or key in flags or key in CDK_OWN_KEYS:
            continue
        if key.startswith("@"):
            close = difflib.get_close_matches(key, flags, n=1, cutoff=0.9)
            if close:
                raise SettingsError(f"unknown feature flag {key!r}: did you mean {close[0]}? (see cdk.json)")
            continue
        if ":" in key:  # the CLI's `aws:cdk:*` switches and cached lookups
            continue
        close = difflib.get_close_matches(key, setting_keys, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]}? " if close else ""
        raise SettingsError(
            f"unknown setting {key!r}: {hint}(the settings are the keys of cdk.json "
            '"context", listed in README.md "Configuration")'
        )
