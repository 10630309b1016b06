"""Resolve the CloudFormation references of a synthesized template to the local stack's values.

Only what the stream functions' properties use: `Ref` and `Fn::GetAtt .Arn` of resources with an
explicit physical name (the stack names its streams, buckets, database and tables), pseudo
parameters, and `Fn::Join`. Anything else is an error that names the construct, so a new kind of
reference is noticed rather than passed on as a token.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# The property that holds each resource type's physical name, and how its ARN is built.
_NAME_PROPERTY = {
    "AWS::Kinesis::Stream": "Name",
    "AWS::S3::Bucket": "BucketName",
    "AWS::Timestream::Database": "DatabaseName",
    "AWS::Timestream::Table": "TableName",
    "AWS::DynamoDB::Table": "TableName",
}
_ARN_FORMAT = {
    "AWS::Kinesis::Stream": "arn:aws:kinesis:{region}:{account}:stream/{name}",
    "AWS::S3::Bucket": "arn:aws:s3:::{name}",
    "AWS::DynamoDB::Table": "arn:aws:dynamodb:{region}:{account}:table/{name}",
}


class TemplateResolver:
    """`resolver(value)`: the value with every reference replaced by what it means locally."""

    def __init__(self, resources: Mapping[str, Any], account: str, region: str) -> None:
        self._resources = resources
        self._pseudo = {
            "AWS::AccountId": account,
            "AWS::Region": region,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        }

    def __call__(self, value: Any) -> Any:
        if isinstance(value, str | int | float | bool):
            return value
        if isinstance(value, list):
            return [self(item) for item in value]
        if not isinstance(value, Mapping) or len(value) != 1:
            raise ValueError(f"cannot resolve {value!r} from the template")
        ((function, argument),) = value.items()
        if function == "Ref":
            return self._pseudo[argument] if argument in self._pseudo else self._physical_name(argument)
        if function == "Fn::GetAtt" and argument[1] == "Arn":
            resource_type = self._resources[argument[0]]["Type"]
            name = self._physical_name(argument[0])
            return _ARN_FORMAT[resource_type].format(name=name, **self._arn_parts())
        if function == "Fn::Join":
            separator, parts = argument
            return separator.join(str(self(part)) for part in parts)
        raise ValueError(f"cannot resolve {function} in {value!r} from the template")

    def name_of(self, reference: Any) -> str:
        """The physical name behind a `Ref` or an ARN reference (a stream's or a bucket's name)."""
        if isinstance(reference, Mapping) and "Fn::GetAtt" in reference:
            return self._physical_name(reference["Fn::GetAtt"][0])
        if isinstance(reference, Mapping) and "Ref" in reference:
            return self._physical_name(reference["Ref"])
        raise ValueError(f"{reference!r} is not a reference to a named resource")

    def _physical_name(self, logical_id: str) -> str:
        resource = self._resources[logical_id]
        name_property = _NAME_PROPERTY.get(resource["Type"])
        if name_property is None or name_property not in resource["Properties"]:
            raise ValueError(
                f"{logical_id} ({resource['Type']}) has no explicit name the local stack can use"
            )
        return str(self(resource["Properties"][name_property]))

    def _arn_parts(self) -> dict[str, str]:
        return {"account": self._pseudo["AWS::AccountId"], "region": self._pseudo["AWS::Region"]}
