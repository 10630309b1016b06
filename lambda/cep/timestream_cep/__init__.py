"""The CEP stage: the seed's Flink MATCH_RECOGNIZE as a Lambda on the raw stream (handler `handler.handler`).

`pattern` and `stage` are pure (stdlib only): the generators and the local stack import them too.
"""
