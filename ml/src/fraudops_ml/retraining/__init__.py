"""Retraining: the newest window, candidates logged to MLflow, registry versions, promotion.

The Airflow DAG ``fraud_model_retraining`` (``ml/dags``) only calls ``pipeline``'s functions.
"""
