"""`-c` keys: settings and cdk.json's flags pass, CDK's own keys pass, a typo is refused with a suggestion."""

from __future__ import annotations

import pytest

from pipeline_config.context_keys import check_context_keys, feature_flags
from pipeline_config.settings import SETTING_KEYS, SettingsError, load_settings, read_cdk_json_context

FLAGS = feature_flags(read_cdk_json_context())


@pytest.mark.parametrize(
    "key",
    [
        "lambda_batch_size",
        "@aws-cdk/aws-s3:publicAccessBlockedByDefault",  # a flag cdk.json sets
        "@aws-cdk/core:failSynthOnValidationErrors",  # one the CDK CLI adds, far from cdk.json's
        "aws:cdk:enable-path-metadata",
        "availability-zones:account=123456789012:region=eu-west-1",
        "acknowledged-issue-numbers",
    ],
)
def test_known_keys_pass(key: str) -> None:
    """Settings, feature flags and the CDK CLI's own context keys are accepted."""
    check_context_keys([key], SETTING_KEYS, FLAGS)


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("lambda_batchsize", "unknown setting 'lambda_batchsize': did you mean lambda_batch_size?"),
        ("stackname", "unknown setting 'stackname': did you mean stack_name?"),
        ("zzz", "unknown setting 'zzz': (the settings are the keys of cdk.json"),
        (
            "@aws-cdk/aws-s3:publicAccessBlokedByDefault",
            "unknown feature flag '@aws-cdk/aws-s3:publicAccessBlokedByDefault': "
            "did you mean @aws-cdk/aws-s3:publicAccessBlockedByDefault?",
        ),
    ],
)
def test_a_misspelt_key_is_refused_with_the_closest_one(key: str, message: str) -> None:
    """The message names the key and, when one is close, the key that was meant."""
    with pytest.raises(SettingsError) as refused:
        check_context_keys([key], SETTING_KEYS, FLAGS)
    assert str(refused.value).startswith(message)


def test_load_settings_checks_override_keys() -> None:
    """Overrides (deploy_dags' -c) go through the same check."""
    with pytest.raises(SettingsError, match="did you mean lambda_batch_size"):
        load_settings({"lambda_batchsize": "10"})
