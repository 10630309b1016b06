"""`python -m local.timestream.functions`: print the README's support table from the registry."""

from __future__ import annotations

from local.timestream.functions import support_table

print(support_table())
