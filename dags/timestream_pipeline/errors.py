"""The one error type for a setting or declaration the pipeline cannot use."""

from __future__ import annotations


class SettingsError(ValueError):
    """A setting has a value the pipeline cannot use; the message says which, why and how to fix it."""
