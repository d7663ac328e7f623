// Reads the output of `airflow dags test` line by line and turns what matters to a user into events: a
// task starting, a task's state changing, what a task printed, and how the run finished. Airflow's own
// structured log lines are otherwise left to the log file.
export type DagTestEvent =
  | { kind: 'task-started'; task: string }
  | { kind: 'task-state'; state: string }
  | { kind: 'task-ended'; task: string }
  | { kind: 'output'; text: string }
  | { kind: 'run-finished'; state: string; runId: string };

/** Airflow's structlog lines start with an ISO timestamp; a task's own prints do not. */
const STRUCTURED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z \[/;

export function parseDagTestLine(line: string): DagTestEvent | null {
  if (!STRUCTURED.test(line)) {
    const text = line.trimEnd();
    // Tracebacks and their indented frames belong to the log file; the failure is reported from there.
    if (text === '' || /^\s/.test(text) || text.startsWith('Traceback ')) return null;
    return { kind: 'output', text };
  }
  let match = /\[DAG TEST\] starting task_id=(\S+)/.exec(line);
  if (match?.[1] !== undefined) return { kind: 'task-started', task: match[1] };
  match = /\[DAG TEST\] end task task_id=(\S+)/.exec(line);
  if (match?.[1] !== undefined) return { kind: 'task-ended', task: match[1] };
  match = /Task instance state updated .*\bnew_state=(\w+)/.exec(line);
  if (match?.[1] !== undefined) return { kind: 'task-state', state: match[1] };
  match = /DagRun Finished: .*\brun_id=([^,]+),.*\bstate=(\w+)/.exec(line);
  if (match?.[1] !== undefined && match[2] !== undefined)
    return { kind: 'run-finished', runId: match[1], state: match[2] };
  return null;
}
