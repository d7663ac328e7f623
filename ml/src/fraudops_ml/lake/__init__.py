"""The lake: scored transactions and fraud labels from Kafka in Apache Iceberg tables.

``schema`` derives the tables from the JSON Schemas in packages/contracts, ``records`` turns Kafka
values into rows, ``tables`` appends de-duplicated batches and applies retention, ``sink`` is the
consumer that commits offsets only after the Iceberg commit, ``weeks`` and ``airflow`` signal the
retraining when a simulated week of labels has landed, ``read`` reads labelled rows as of a date.
"""
