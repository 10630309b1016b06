-- The complex events (ERROR, 1-5 non-errors, ERROR within a minute) detected per sensor.
SELECT
    sensor_id,
    time AS event_time,
    non_errors,
    history,
    min_temperature,
    avg_temperature,
    max_temperature,
    elapsed
FROM $source
WHERE measure_name = $cep_measure
    AND $time_filter
ORDER BY event_time, sensor_id
