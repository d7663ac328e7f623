"""The world: the handbook's simulated world continued day after day, in simulated time.

It continues the historic dataset (same customers, terminals and fraud scenarios), computes each
transaction's 15 model inputs with the project's feature code, lets each label become known
later (feedback delay, earlier card-holder reports), applies a scenario of change, and publishes
transactions and labels in event-time order (``python -m fraudops_ml world``).

Modules: ``scenarios`` (what changes, from which day), ``days`` (one simulated day),
``labels`` (when a label becomes known), ``engine`` (days, rolling features, pending labels,
events), ``pacing`` (simulated clock), ``records`` (contract records), ``settings`` (the config's
``world`` section), ``run`` (Kafka or JSON Lines, metrics, state file, signals).
"""
