"""Live model quality: scores joined with the labels that arrived, per simulated day and version.

``kpis`` holds the detection and money measures, ``drift`` the comparison of live traffic with a
model card's reference distributions; ``window`` decides which simulated days are open and
final; ``service`` reads the lake and exports both to Prometheus.
"""
