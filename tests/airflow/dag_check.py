"""Checks an Airflow DAG file without Airflow, which cannot be installed
here (it is neither in Debian nor on npm): the file runs against a small
stand-in for the parts of Airflow's API it uses (DAG as a context
manager, BashOperator, the >> dependencies), which records what the file
asks for.  It then checks what a scheduler would need (a schedule, no
catch-up, one run at a time, retries, no cycles, env added to the
worker's environment rather than replacing it) and prints each DAG's
tasks in an order that respects the dependencies:

    DAG_ID<TAB>TASK_ID<TAB>BASH_COMMAND

    /usr/bin/python3 tests/airflow/dag_check.py examples/airflow/etl_pipeline.py
"""
import sys
import types

dags = []
current = []


class DAG:
    def __init__(self, dag_id, **kwargs):
        self.dag_id = dag_id
        self.kwargs = kwargs
        self.tasks = []
        dags.append(self)

    def __enter__(self):
        current.append(self)
        return self

    def __exit__(self, *exc):
        current.pop()
        return False


class BashOperator:
    def __init__(self, task_id, bash_command, **kwargs):
        if not current:
            raise SystemExit(f"{task_id}: a task outside any DAG")
        self.task_id = task_id
        self.bash_command = bash_command
        self.kwargs = kwargs
        self.downstream = []
        self.dag = current[-1]
        if any(t.task_id == task_id for t in self.dag.tasks):
            raise SystemExit(f"{task_id}: two tasks with one id")
        self.dag.tasks.append(self)

    def __rshift__(self, other):
        for o in other if isinstance(other, (list, tuple)) else [other]:
            self.downstream.append(o)
        return other

    def __rrshift__(self, other):
        for o in other if isinstance(other, (list, tuple)) else [other]:
            o.downstream.append(self)
        return self


def stand_in(name, **attrs):
    m = types.ModuleType(name)
    m.__dict__.update(attrs)
    sys.modules[name] = m


stand_in("airflow", DAG=DAG)
stand_in("airflow.operators")
stand_in("airflow.operators.bash", BashOperator=BashOperator)
stand_in("airflow.providers")
stand_in("airflow.providers.standard")
stand_in("airflow.providers.standard.operators")
stand_in("airflow.providers.standard.operators.bash",
         BashOperator=BashOperator)


def fail(msg):
    sys.exit(f"dag_check: {msg}")


path = sys.argv[1]
with open(path) as f:
    code = compile(f.read(), path, "exec")
exec(code, {"__name__": "dag_file", "__file__": path})
if not dags:
    fail("no DAG")
for d in dags:
    k = d.kwargs
    if k.get("schedule") is None:
        fail(f"{d.dag_id}: no schedule (Airflow 3 runs it only by hand)")
    if k.get("catchup") is not False:
        fail(f"{d.dag_id}: catchup must be False")
    if k.get("max_active_runs") != 1:
        fail(f"{d.dag_id}: max_active_runs must be 1")
    if not (k.get("default_args") or {}).get("retries"):
        fail(f"{d.dag_id}: no retries")
    if not d.tasks:
        fail(f"{d.dag_id}: no task")
    for t in d.tasks:
        if "env" in t.kwargs and t.kwargs.get("append_env") is not True:
            fail(f"{t.task_id}: env without append_env replaces PATH")
        if t.bash_command.strip().endswith(".sh"):
            fail(f"{t.task_id}: a command ending in .sh needs a space")
    # Kahn's algorithm, in the order the tasks were defined.
    indeg = {t.task_id: 0 for t in d.tasks}
    for t in d.tasks:
        for o in t.downstream:
            if o.dag is not d:
                fail(f"{t.task_id} >> {o.task_id}: across DAGs")
            indeg[o.task_id] += 1
    order, ready = [], [t for t in d.tasks if indeg[t.task_id] == 0]
    while ready:
        t = ready.pop(0)
        order.append(t)
        for o in t.downstream:
            indeg[o.task_id] -= 1
            if indeg[o.task_id] == 0:
                ready.append(o)
    if len(order) != len(d.tasks):
        fail(f"{d.dag_id}: a cycle")
    for t in order:
        print(f"{d.dag_id}\t{t.task_id}\t{t.bash_command}")
