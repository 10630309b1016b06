-- Per sensor and minute: temperature statistics and how many readings had each status.
SELECT
    sensor_id,
    bin(time, 1m) AS minute,
    avg(measure_value::double) AS avg_temperature,
    min(measure_value::double) AS min_temperature,
    max(measure_value::double) AS max_temperature,
    count_if(status = 'OK') AS ok_count,
    count_if(status = 'WARNING') AS warning_count,
    count_if(status = 'ERROR') AS error_count
FROM $source
WHERE measure_name = $temperature_measure
    AND $time_filter
GROUP BY sensor_id, bin(time, 1m)
ORDER BY minute, sensor_id
