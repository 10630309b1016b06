-- The CEP stage as Flink SQL: the same pattern, order and measures as the CEP Lambda
-- (lambda/cep/timestream_cep), for users who run it on Amazon Managed Service for Apache Flink
-- (a Studio notebook: one %flink.ssql paragraph per statement) instead of the Lambda the CDK app deploys.
-- `make flink-test` runs these statements on Apache Flink and compares its matches with the Lambda's.
--
-- Pattern, per sensor: an ERROR (A), then 1 to 5 readings that are not ERROR (B), then an ERROR (C),
-- all within one minute; after a match, matching resumes past its last row.
-- Output: one JSON record per match on the CEP stream, in the format the ingest Lambda decodes for
-- the CEP table. min/avg/max run over every row of the match (A, B and C).
--
-- Differences from the seed notebook, on purpose:
-- * rows are ordered by EVENT time (event_time, watermark 5 s behind the latest), not PROCTIME(), so
--   a replay finds the same matches as live traffic; a reading more than 5 s older than the latest
--   one of its shard is late and takes no part in matching (Flink drops it, as the Lambda does);
-- * the Kinesis connector is the current one (flink-connector-aws 5.x, `stream.arn`), and the CEP
--   stream is partitioned by sensor_id, as the raw stream is;
-- * the stream ARNs and region are placeholders: arn:aws:kinesis:<region>:<account>:stream/<name>,
--   with the names from the stack outputs RawStreamName and CepStreamName.

CREATE TABLE sensor_data (
    sensor_id   VARCHAR(16),
    temperature DOUBLE,
    status      VARCHAR(7),
    event_time  BIGINT,
    ts AS TO_TIMESTAMP_LTZ(event_time, 3),
    WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
)
WITH (
    'connector' = 'kinesis',
    'stream.arn' = '<RawStreamArn>',
    'aws.region' = '<region>',
    'source.init.position' = 'LATEST',
    'format' = 'json'
);

CREATE TABLE cep_data (
    sensor_id       VARCHAR(16),
    event_time      BIGINT,
    non_errors      BIGINT NOT NULL,
    history         STRING,
    min_temperature DOUBLE,
    avg_temperature DOUBLE,
    max_temperature DOUBLE,
    elapsed         BIGINT
)
PARTITIONED BY (sensor_id)
WITH (
    'connector' = 'kinesis',
    'stream.arn' = '<CepStreamArn>',
    'aws.region' = '<region>',
    'format' = 'json'
);

INSERT INTO cep_data
SELECT sensor_id, event_time, non_errors, history,
       min_temperature, avg_temperature, max_temperature, elapsed
FROM sensor_data
    MATCH_RECOGNIZE (
        PARTITION BY sensor_id
        ORDER BY ts
        MEASURES
            A.event_time                                     AS event_time,
            CAST(COUNT(B.status) AS BIGINT)                  AS non_errors,
            CONCAT_WS('-', FIRST(B.status, 0), FIRST(B.status, 1), FIRST(B.status, 2),
                           FIRST(B.status, 3), FIRST(B.status, 4)) AS history,
            MIN(temperature)                                 AS min_temperature,
            ROUND(AVG(temperature), 2)                       AS avg_temperature,
            MAX(temperature)                                 AS max_temperature,
            CAST((C.event_time - A.event_time) / 1000 AS BIGINT) AS elapsed
        ONE ROW PER MATCH
        AFTER MATCH SKIP PAST LAST ROW
        PATTERN (A B{1,5} C) WITHIN INTERVAL '1' MINUTE
        DEFINE
            A AS A.status = 'ERROR',
            B AS B.status <> 'ERROR',
            C AS C.status = 'ERROR'
    );
