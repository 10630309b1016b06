"""The DevOps fleet of the seeds' Kinesis ingestor: regions, cells, silos, microservices and hosts.

Fixes from the seed: region names are real (`us-east-1`, not `us_east_1`), availability zones look
like AWS's (`us-east-1a`), every instance name carries its silo (the seed repeated 10 names across
100 silos, merging their series), and the name prefix comes from the run's seed, so two generators
with different seeds simulate different fleets instead of overwriting each other's series.
"""

from __future__ import annotations

import hashlib
import random
import string
from dataclasses import dataclass

# region -> (cells, silos per cell): 100 silos in all, as in the seed.
REGIONS: dict[str, tuple[int, int]] = {
    "us-east-1": (15, 3),
    "us-east-2": (2, 2),
    "us-west-1": (6, 2),
    "us-west-2": (2, 2),
    "eu-west-1": (10, 2),
    "ap-northeast-1": (5, 3),
}


@dataclass(frozen=True)
class Microservice:
    name: str
    instances: int
    instance_type: str
    os_version: str
    processes: tuple[str, ...]
    jdk_version: str


MICROSERVICES: tuple[Microservice, ...] = (
    Microservice("apollo", 3, "r5.4xlarge", "AL2", ("server",), "JDK_11"),
    Microservice("athena", 1, "m5.8xlarge", "AL2012", ("server", "host_manager"), "JDK_8"),
    Microservice("demeter", 1, "c5.16xlarge", "AL2012", ("server", "host_manager"), "JDK_8"),
    Microservice("hercules", 2, "r5.4xlarge", "AL2012", ("server",), "JDK_8"),
    Microservice("zeus", 3, "m5.4xlarge", "AL2", ("server",), "JDK_11"),
)

LOW_UTILISATION_SHARE = 0.2
HIGH_UTILISATION_SHARE = 0.2


@dataclass(frozen=True)
class Host:
    """One instance: its metric dimensions, its utilisation group and a well-spread partition key."""

    region: str
    cell: str
    silo: str
    availability_zone: str
    microservice: Microservice
    instance_name: str
    utilisation: str  # "low" | "normal" | "high"

    @property
    def metric_dimensions(self) -> dict[str, str]:
        return {
            "region": self.region,
            "cell": self.cell,
            "silo": self.silo,
            "availability_zone": self.availability_zone,
            "microservice_name": self.microservice.name,
            "instance_type": self.microservice.instance_type,
            "os_version": self.microservice.os_version,
            "instance_name": self.instance_name,
        }

    def event_dimensions(self, process_name: str) -> dict[str, str]:
        return {
            "region": self.region,
            "cell": self.cell,
            "silo": self.silo,
            "availability_zone": self.availability_zone,
            "microservice_name": self.microservice.name,
            "instance_name": self.instance_name,
            "process_name": process_name,
            "jdk_version": self.microservice.jdk_version,
        }

    @property
    def partition_key(self) -> str:
        """A digest of the host's full identity: keys spread evenly over the shards' hash ranges."""
        identity = "|".join((self.region, self.cell, self.silo, self.instance_name))
        return hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32]


def fleet_prefix(rng: random.Random) -> str:
    """Eight letters naming this fleet (the seed always used `zaZswmJk`)."""
    return "".join(rng.choice(string.ascii_letters) for _ in range(8))


def build_fleet(rng: random.Random, host_scale: int) -> list[Host]:
    """Every host of the fleet, in a stable order, with 20% low- and 20% high-utilisation hosts."""
    prefix = fleet_prefix(rng)
    hosts: list[tuple[str, str, str, str, Microservice, str]] = []
    for region, (cells, silos) in REGIONS.items():
        for cell_number in range(1, cells + 1):
            cell = f"{region}-cell-{cell_number}"
            for silo_number in range(1, silos + 1):
                silo = f"{cell}-silo-{silo_number}"
                for service in MICROSERVICES:
                    for index in range(1, service.instances * host_scale + 1):
                        zone = f"{region}{'abc'[index % 3]}"
                        name = f"i-{prefix}-{silo}-{service.name}-{index:04}.amazonaws.com"
                        hosts.append((region, cell, silo, zone, service, name))
    order = list(range(len(hosts)))
    rng.shuffle(order)
    low_count = int(len(hosts) * LOW_UTILISATION_SHARE)
    high_count = int(len(hosts) * HIGH_UTILISATION_SHARE)
    groups = dict.fromkeys(order[:low_count], "low")
    groups.update(dict.fromkeys(order[len(order) - high_count :], "high"))
    return [Host(*fields, utilisation=groups.get(number, "normal")) for number, fields in enumerate(hosts)]
