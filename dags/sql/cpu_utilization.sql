-- Per-host CPU statistics in 15 s bins over the DevOps metrics (single-measure `cpu_user`).
-- A host is identified by ALL its dimensions: instance names repeat in every silo.
SELECT
    region,
    cell,
    silo,
    availability_zone,
    microservice_name,
    instance_type,
    os_version,
    instance_name,
    bin(time, 15s) AS binned_timestamp,
    round(avg(measure_value::double), 2) AS avg_cpu_utilization,
    round(approx_percentile(measure_value::double, 0.9), 2) AS p90_cpu_utilization,
    round(approx_percentile(measure_value::double, 0.95), 2) AS p95_cpu_utilization,
    round(approx_percentile(measure_value::double, 0.99), 2) AS p99_cpu_utilization
FROM $source
WHERE measure_name = 'cpu_user'
    AND $time_filter
GROUP BY
    region, cell, silo, availability_zone, microservice_name, instance_type, os_version, instance_name,
    bin(time, 15s)
ORDER BY binned_timestamp, region, cell, silo, instance_name
