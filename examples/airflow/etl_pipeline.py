"""vitals-lakehouse as Airflow DAGs of BashOperator tasks.

The seed's pipeline, scheduled: drain Kafka into Bronze, Silver and Gold
in a bounded run (every partition read to its end, exactly once), load
Gold into BigQuery, refresh the three materialized views, rebuild the
report; and, weekly, retrain the model.  Every task runs one step of
examples/cron/lake-job, the same bounded runs the crontab runs, so a task
that fails or is killed is simply run again: each table keeps its own
Kafka position, and bq-load its own, so nothing is written twice.

Settings come from the worker's environment (LAKE, BROKERS, TOPIC,
BQ_PROJECT, BQ_DATASET, REPORT, ...; see lake-job), or a file named by
VL_ENV.  LAKE_JOB is the path of lake-job (default: on PATH).
"""
import os
from datetime import datetime, timedelta

from airflow import DAG

try:  # Airflow 3
    from airflow.providers.standard.operators.bash import BashOperator
except ImportError:  # Airflow 2
    from airflow.operators.bash import BashOperator

LAKE_JOB = os.environ.get("LAKE_JOB", "lake-job")

DEFAULT_ARGS = {
    "owner": "vitals-lakehouse",
    "retries": 3,
    "retry_delay": timedelta(minutes=1),
    # A step never needs long; one that hangs is killed and retried.
    "execution_timeout": timedelta(minutes=30),
}


def step(name):
    """One lake-job step.  env adds to the worker's environment, not
    replaces it (append_env), so PATH and the credentials stay."""
    return BashOperator(
        task_id=name,
        bash_command=f"{LAKE_JOB} {name}",
        env={"VL_ENV": os.environ.get("VL_ENV", "")},
        append_env=True,
    )


with DAG(
    dag_id="vitals_lakehouse_etl",
    description="Kafka -> Delta Bronze/Silver/Gold -> BigQuery, views, report",
    start_date=datetime(2026, 1, 1),
    schedule=timedelta(minutes=5),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["vitals-lakehouse"],
) as etl:
    drain = step("drain")
    load = step("load")
    views = step("views")
    report = step("report")
    drain >> [load, report]
    load >> views

with DAG(
    dag_id="vitals_lakehouse_retrain",
    description="A new Isolation Forest from Silver, for the next drains",
    start_date=datetime(2026, 1, 1),
    schedule="0 4 * * 0",
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["vitals-lakehouse"],
) as retrain_dag:
    retrain = step("retrain")
