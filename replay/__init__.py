"""Put the records the ingest mappings gave up on back on their streams (`python -m replay --help`).

Repository code, never deployed: an operator runs it with their own credentials against AWS, or with
`python -m local replay` against the local stack, once the cause of the failures is fixed.
"""
