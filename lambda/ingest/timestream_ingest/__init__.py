"""The ingest Lambda: Kinesis batches in, Timestream writes out, nothing lost (see handler.py).

This folder (`lambda/ingest/`) is the deployed asset as it is: the handler is
`timestream_ingest.handler.handler`, and nothing here imports from outside the folder at run time
(Powertools comes from the public layer, boto3 from the runtime).
"""
