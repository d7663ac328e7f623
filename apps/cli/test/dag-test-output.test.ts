import { describe, expect, it } from 'vitest';
import { parseDagTestLine } from '../src/retraining/dag-test-output.ts';

// Lines as Airflow 3.3's `airflow dags test` prints them (trimmed of their trailing key=value fields).
const STARTING =
  '2026-11-26T21:34:40.663870Z [info     ] [DAG TEST] starting task_id=train_candidates map_index=-1 [airflow.sdk.definitions.dag] loc=dag.py:1501';
const ENDED =
  '2026-11-26T21:34:47.828195Z [info     ] [DAG TEST] end task task_id=train_candidates map_index=-1 [airflow.sdk.definitions.dag] loc=dag.py:1563';
const STATE =
  '2026-11-26T21:34:47.809487Z [info     ] Task instance state updated    [airflow.api_fastapi.execution_api.routes.task_instances] correlation_id=01a2 loc=task_instances.py:485 new_state=up_for_retry rows_affected=1';
const FINISHED =
  '2026-11-26T21:34:47.921324Z [info     ] DagRun Finished: dag_id=fraud_model_retraining, logical_date=2026-11-20 00:00:00+00:00, run_id=manual__2026-11-26T21:34:40.439476+00:00, run_start_date=2026-11-20 00:00:00+00:00, run_duration=5.9, state=failed, run_type=manual, [airflow.models.dagrun.DagRun] loc=dagrun.py:1315';

describe('parseDagTestLine', () => {
  it('reads task starts, ends and state changes', () => {
    expect(parseDagTestLine(STARTING)).toEqual({ kind: 'task-started', task: 'train_candidates' });
    expect(parseDagTestLine(ENDED)).toEqual({ kind: 'task-ended', task: 'train_candidates' });
    expect(parseDagTestLine(STATE)).toEqual({ kind: 'task-state', state: 'up_for_retry' });
  });

  it('reads how the run finished, with its run id', () => {
    expect(parseDagTestLine(FINISHED)).toEqual({
      kind: 'run-finished',
      state: 'failed',
      runId: 'manual__2026-11-26T21:34:40.439476+00:00',
    });
  });

  it("passes a task's own output through and leaves Airflow's other lines and tracebacks to the log", () => {
    expect(parseDagTestLine('candidate decision_tree: test AP 0.612')).toEqual({
      kind: 'output',
      text: 'candidate decision_tree: test AP 0.612',
    });
    expect(
      parseDagTestLine('2026-11-26T21:34:40.535304Z [info     ] creating dag run  [airflow]'),
    ).toBeNull();
    expect(parseDagTestLine('Traceback (most recent call last):')).toBeNull();
    expect(parseDagTestLine('  File "/x.py", line 1, in <module>')).toBeNull();
    expect(parseDagTestLine('')).toBeNull();
  });
});
