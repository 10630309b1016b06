-- Per sensor and second: the linearly interpolated temperature and the last status reported (LOCF),
-- for every whole second between the sensor's first and last reading of the hour (seed query Q1).
-- The status is a dimension of the raw table, so its series is built from the same temperature rows.
WITH series AS (
    SELECT
        sensor_id,
        INTERPOLATE_LINEAR(
            CREATE_TIME_SERIES(time, measure_value::double),
            SEQUENCE($window_start, $window_end, 1s)
        ) AS temperatures,
        INTERPOLATE_LOCF(
            CREATE_TIME_SERIES(time, status),
            SEQUENCE($window_start, $window_end, 1s)
        ) AS statuses
    FROM $source
    WHERE measure_name = $temperature_measure
        AND $time_filter
    GROUP BY sensor_id
)
SELECT
    sensor_id,
    t.time AS time,
    t.value AS temperature,
    s.value AS status
FROM series
CROSS JOIN UNNEST(temperatures) AS t (time, value)
CROSS JOIN UNNEST(statuses) AS s (time, value)
WHERE t.time = s.time
ORDER BY sensor_id, time
