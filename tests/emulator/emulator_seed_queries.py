"""The seed systems' Timestream queries (seed-systems.md §3), Grafana macros expanded, as test fixtures.

Placeholders: {raw}, {cep} (quoted "db"."table" names), {start}/{end} (timestamp text), {start_iso}/{end_iso}
(ISO-8601 with Z, as the Grafana plugin's $__timeFilter renders them), {interval} ($__interval_ms).
"""

from __future__ import annotations

# Repo A's DAG: hourly p90/p95/p99 CPU per instance (strings keep the '+00:00' offset the DAG rendered).
REPO_A_CPU = """
SELECT instance_name, BIN(time, 15s) AS binned_timestamp,
    ROUND(AVG(measure_value::double), 2) AS avg_cpu_utilization,
    ROUND(APPROX_PERCENTILE(measure_value::double, 0.9), 2) AS p90_cpu_utilization,
    ROUND(APPROX_PERCENTILE(measure_value::double, 0.95), 2) AS p95_cpu_utilization,
    ROUND(APPROX_PERCENTILE(measure_value::double, 0.99), 2) AS p99_cpu_utilization
FROM demoAirflow.kinesisdata1
WHERE measure_name = 'cpu_nice' AND time BETWEEN '{start}+00:00' AND '{end}+00:00'
GROUP BY region, instance_name, availability_zone, BIN(time, 15s)
ORDER BY binned_timestamp ASC
"""

# queries.txt Q1: interpolated and flattened per sensor (timeseries functions).
Q1_INTERPOLATED_FLATTENED = """
WITH interpolated AS (
  SELECT sensor_id,
    INTERPOLATE_LINEAR(CREATE_TIME_SERIES(time, measure_value::double),
      SEQUENCE(min(time), max(time), 1s)) AS temp_ts,
    INTERPOLATE_LOCF(CREATE_TIME_SERIES(time, status), SEQUENCE(min(time), max(time), 1s)) AS status_ts
  FROM {raw}
  WHERE measure_name = 'temperature' AND time >= ago(15m)
  GROUP BY sensor_id
)
SELECT sensor_id, t.time, min(s.status) AS status, avg(t.temp) AS temperature
FROM interpolated
CROSS JOIN UNNEST(temp_ts) AS t (time, temp)
CROSS JOIN UNNEST(status_ts) AS s (time, status)
WHERE t.time = s.time
GROUP BY sensor_id, t.time
ORDER BY sensor_id, t.time
"""

# Q2: the CTE body alone.
Q2_TIME_SERIES_PER_SENSOR = """
SELECT sensor_id,
  INTERPOLATE_LINEAR(CREATE_TIME_SERIES(time, measure_value::double),
    SEQUENCE(min(time), max(time), 1s)) AS temp_ts,
  INTERPOLATE_LOCF(CREATE_TIME_SERIES(time, status), SEQUENCE(min(time), max(time), 1s)) AS status_ts
FROM {raw}
WHERE measure_name = 'temperature' AND time >= ago(15m)
GROUP BY sensor_id
"""

# Q3: raw time series.
Q3_RAW_TIME_SERIES = """
SELECT sensor_id, CREATE_TIME_SERIES(time, measure_value::double) AS temp_ts,
  CREATE_TIME_SERIES(time, status) AS status_ts
FROM {raw}
WHERE measure_name = 'temperature' AND time >= ago(1m)
GROUP BY sensor_id
"""

GRAFANA_CEP_PIVOT = """
SELECT sensor_id, bin(time, {interval}) AS t, history,
  MAX(CASE WHEN measure_name = 'avg_temperature' THEN measure_value::double END) AS avg_temperature,
  MAX(CASE WHEN measure_name = 'elapsed' THEN measure_value::double END) AS elapsed
FROM {cep}
WHERE time BETWEEN from_iso8601_timestamp('{start_iso}') AND from_iso8601_timestamp('{end_iso}')
GROUP BY sensor_id, bin(time, {interval}), history
ORDER BY t
"""

GRAFANA_CEP_MAX = """
SELECT sensor_id, MAX(measure_value::double) AS max_value FROM {cep}
WHERE time BETWEEN from_iso8601_timestamp('{start_iso}') AND from_iso8601_timestamp('{end_iso}')
  AND measure_name = 'avg_temperature'
GROUP BY sensor_id ORDER BY sensor_id
"""

GRAFANA_RAW_ALL = """
SELECT * FROM {raw}
WHERE time BETWEEN from_iso8601_timestamp('{start_iso}') AND from_iso8601_timestamp('{end_iso}')
ORDER BY time DESC
"""

GRAFANA_STATUS_COUNTS = """
SELECT COUNT(*) AS total,
  SUM(CASE WHEN status = 'OK' THEN 1 ELSE 0 END) AS STATUS_OK,
  SUM(CASE WHEN status = 'WARNING' THEN 1 ELSE 0 END) AS STATUS_WARNING,
  SUM(CASE WHEN status = 'ERROR' THEN 1 ELSE 0 END) AS STATUS_ERROR
FROM {raw}
WHERE time BETWEEN from_iso8601_timestamp('{start_iso}') AND from_iso8601_timestamp('{end_iso}')
"""

GRAFANA_PERCENTILES_30S = """
SELECT BIN(time, 30s) AS binned, AVG(measure_value::double) AS avg_temperature,
  APPROX_PERCENTILE(measure_value::double, 0.9) AS p90_temperature,
  APPROX_PERCENTILE(measure_value::double, 0.75) AS p75_temperature
FROM {raw}
WHERE time BETWEEN from_iso8601_timestamp('{start_iso}') AND from_iso8601_timestamp('{end_iso}')
  AND measure_name = 'temperature'
GROUP BY BIN(time, 30s) ORDER BY binned
"""

GRAFANA_MAX_LAST_10S = """
SELECT sensor_id, BIN(time, 10s) AS binned, MAX(measure_value::double) AS max_temperature
FROM {raw}
WHERE time between ago(10s) and now() AND measure_name = 'temperature'
GROUP BY sensor_id, BIN(time, 10s) ORDER BY binned, sensor_id
"""

GRAFANA_MAX_PER_SENSOR = """
SELECT sensor_id, MAX(measure_value::double) AS max_temperature FROM {raw}
WHERE time BETWEEN from_iso8601_timestamp('{start_iso}') AND from_iso8601_timestamp('{end_iso}')
  AND measure_name = 'temperature'
GROUP BY sensor_id ORDER BY sensor_id
"""

TUTORIAL = "select * from DemoDatabase.WeatherMetrics where time >= ago(1m)"
