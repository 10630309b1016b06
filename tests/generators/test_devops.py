"""The DevOps workload: fleet shape, value ranges, unique names, spread keys, late delivery."""

from __future__ import annotations

import json
import random
import re

from generators.devops import EVENT_MEASURES, METRIC_MEASURES, DevopsOptions, devops_records, metric_values
from generators.devops_fleet import build_fleet
from generators.records import epoch_ms
from generators.workloads import generate
from tests.generators.conftest import START

REAL_REGION = re.compile(r"^[a-z]{2}-[a-z]+-\d$")


def _sweep(**options: object) -> list[dict]:
    opts = DevopsOptions(**options)  # type: ignore[arg-type]
    per_sweep = 2200 if opts.format == "wide" else 26_000
    return [
        json.loads(r.data) for r in generate("devops", seed=5, start=START, count=per_sweep, options=opts)
    ]


def test_a_sweep_covers_1000_hosts_and_1200_processes() -> None:
    """At scale 1 a single-format sweep is 1,000 hosts x 20 metrics and 1,200 processes x 5 events."""
    # GIVEN / WHEN one sweep
    records = _sweep()
    # THEN the counts match the seed's model, all at one time
    metrics = [r for r in records if "instance_type" in r]
    events = [r for r in records if "process_name" in r]
    assert (len(metrics), len(events)) == (20_000, 6_000)
    assert {r["MeasureName"] for r in metrics} == set(METRIC_MEASURES)
    assert {r["MeasureName"] for r in events} == set(EVENT_MEASURES)
    assert {r["Time"] for r in records} == {str(epoch_ms(START))}


def test_instance_names_are_unique_per_host() -> None:
    """Every host of the fleet has its own instance name (the seed repeated 10 names in 100 silos)."""
    # GIVEN / WHEN a fleet at scale 2
    fleet = build_fleet(random.Random(1), host_scale=2)
    # THEN 2,000 hosts carry 2,000 distinct names and distinct partition keys
    assert len(fleet) == 2000
    assert len({host.instance_name for host in fleet}) == 2000
    assert len({host.partition_key for host in fleet}) == 2000


def test_region_and_zone_names_are_real_aws_shapes() -> None:
    """Regions look like `us-east-1` (never `us_east_1`) and zones like `us-east-1a`."""
    # GIVEN / WHEN a fleet
    fleet = build_fleet(random.Random(1), host_scale=1)
    # THEN every region and zone has AWS's shape
    assert all(REAL_REGION.match(host.region) for host in fleet)
    assert all(re.fullmatch(re.escape(host.region) + "[abc]", host.availability_zone) for host in fleet)


def test_cpu_idle_is_never_negative_and_cpu_sums_to_100() -> None:
    """cpu_idle >= 0 and the CPU shares add up to 100 on every host, high-utilisation ones included."""
    # GIVEN many draws for high-utilisation hosts (where the seed went below zero)
    rng = random.Random(3)
    high = next(host for host in build_fleet(rng, 1) if host.utilisation == "high")
    cpu = [name for name in METRIC_MEASURES if name.startswith("cpu_")]
    # WHEN values are drawn
    draws = [metric_values(rng, high) for _ in range(20_000)]
    # THEN idle is >= 0 and the shares sum to 100
    assert min(values["cpu_idle"] for values in draws) >= 0.0
    assert all(abs(sum(values[name] for name in cpu) - 100.0) < 1e-9 for values in draws)


def test_wide_format_rounds_to_2_places_and_keeps_idle_non_negative() -> None:
    """Wide records carry "@type", time in seconds, doubles with at most 2 decimals, cpu_idle >= 0."""
    # GIVEN / WHEN one wide sweep
    records = _sweep(format="wide")
    metrics = [r for r in records if r["@type"] == "metrics"]
    # THEN the shape and rounding hold
    assert len(metrics) == 1000 and len(records) == 2200
    assert {r["time"] for r in records} == {epoch_ms(START) // 1000}
    assert all(round(r[name], 2) == r[name] for r in metrics for name in METRIC_MEASURES)
    assert min(r["cpu_idle"] for r in metrics) >= 0.0
    assert all(isinstance(r["task_completed"], int) for r in records if r["@type"] == "events")


def test_cpu_user_follows_the_utilisation_groups() -> None:
    """20% of hosts run at 0-10% user CPU, 20% at 85-95%, the rest at 35-65%."""
    # GIVEN / WHEN one wide sweep
    users = sorted(r["cpu_user"] for r in _sweep(format="wide") if r["@type"] == "metrics")
    # THEN the three groups have the seed's sizes and ranges
    assert users[199] <= 10 and 35 <= users[200] and users[799] <= 65 and users[800] >= 85
    assert max(users) <= 95


def test_late_sweeps_keep_their_time_and_arrive_after_later_sweeps() -> None:
    """With --percent-late 100, each sweep is delivered late_seconds after its own, true, timestamp."""
    # GIVEN every sweep late by 120 s, ticks of 60 s, a tiny fleet
    options = DevopsOptions(max_hosts=1, events=False, percent_late=100, late_seconds=120, tick_seconds=60)
    # WHEN three sweeps are generated
    records = [r for _, r in zip(range(60), devops_records(random.Random(1), 0, options), strict=False)]
    # THEN event times are the ticks and each is due 120 s later
    times = sorted({(r.event_time_ms, r.due_ms) for r in records})
    assert times == [(0, 120_000), (60_000, 180_000), (120_000, 240_000)]


def test_the_same_seed_gives_the_same_fleet_and_another_seed_a_different_one() -> None:
    """The fleet prefix comes from the seed, so parallel generators with different seeds never collide."""
    # GIVEN / WHEN fleets for seeds 1, 1 and 2
    first, again, other = (build_fleet(random.Random(s), 1) for s in (1, 1, 2))
    # THEN the same seed repeats the names and a different seed shares none
    assert [h.instance_name for h in first] == [h.instance_name for h in again]
    assert not {h.instance_name for h in first} & {h.instance_name for h in other}
