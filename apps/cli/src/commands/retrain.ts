import { loadProjectConfig, mlflowTrackingUri, type ProjectConfig } from '@fraudops/config';
import { mlflowComponent, prepareAirflowHome, syncDagsRepository } from '@fraudops/stack';
import { Command } from 'commander';
import { CliError } from '../cli-error.ts';
import { step } from '../model-data.ts';
import { RegistryClient, type ModelVersion } from '../retraining/registry.ts';
import { runDagTest } from '../retraining/run-dag.ts';
import { startComponent } from '../start-component.ts';
import { formatTable } from '../table.ts';

export function retrainCommand(): Command {
  return new Command('retrain')
    .description(
      "Run the retraining DAG once, for real, with Airflow (`airflow dags test`) against the stack's MLflow: " +
        "the DAG is read from its git repository (the project's DAG folder is committed to the local bare " +
        'repository first), trains and evaluates the candidates on the newest window, logs every run to MLflow, ' +
        'registers the best as a new version and moves the champion alias only if it beats the champion. ' +
        "Starts MLflow when it is not running. Prints each task's progress and the outcome.",
    )
    .option(
      '--logical-date <iso>',
      "the DAG run's logical date (default: now); a rerun of the same date reuses its result",
    )
    .action(async (options: { logicalDate?: string }) => {
      const config = loadProjectConfig();
      const logicalDate = parseLogicalDate(options.logicalDate);
      await retrain(config, logicalDate);
    });
}

function parseLogicalDate(text: string | undefined): string {
  const date = text === undefined ? new Date() : new Date(text);
  if (Number.isNaN(date.getTime()))
    throw new CliError(`--logical-date ${text}: not an ISO date such as 2026-11-23T00:00:00Z`);
  return date.toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

/** The registry's champion; runs the retraining DAG once when there is none (a fresh stack). */
export async function ensureChampion(config: ProjectConfig): Promise<void> {
  const registry = new RegistryClient(mlflowTrackingUri(config));
  const { name } = config.model;
  const { championAlias } = config.retraining;
  const champion = await registry.versionByAlias(name, championAlias).catch((error: unknown) => {
    throw new CliError((error as Error).message);
  });
  if (champion !== null) {
    step(`champion: ${name} version ${champion.version} (${champion.tags.card_version ?? champion.source})`);
    return;
  }
  step(`no ${name}@${championAlias} in the registry yet: running the retraining DAG once`);
  await retrain(config, parseLogicalDate(undefined));
}

export async function retrain(config: ProjectConfig, logicalDate: string): Promise<void> {
  await startComponent(config, mlflowComponent(config));

  const registry = new RegistryClient(mlflowTrackingUri(config));
  const { name } = config.model;
  const { championAlias, dagId, dagsRepository } = config.retraining;
  const before = await registry.versionByAlias(name, championAlias);

  const dags = await syncDagsRepository(config).catch((error: unknown) => {
    throw new CliError(`cannot publish the DAGs to ${dagsRepository.url}: ${(error as Error).message}`);
  });
  step(
    dags.commit === ''
      ? `DAGs: Airflow reads ${dagsRepository.url} (${dagsRepository.branch}) as it is`
      : `DAGs: ${dagsRepository.url} ${dagsRepository.branch} at ${dags.commit.slice(0, 12)}` +
          (dags.changed ? ` (committed ${config.retraining.dagsFolder})` : ' (unchanged)'),
  );
  step(`preparing Airflow in ${config.stack.airflow.home}`);
  const env = await prepareAirflowHome(config).catch((error: unknown) => {
    throw new CliError((error as Error).message);
  });
  step(`running ${dagId} for ${logicalDate} (airflow dags test; MLflow ${mlflowTrackingUri(config)})`);
  const run = await runDagTest(config, env, logicalDate);
  console.log(
    `  run ${run.runId} succeeded in ${run.seconds.toFixed(0)} s; Airflow's output: ${run.logFile}`,
  );

  const versions = await registry.versions(name);
  const created = versions.find((v) => sameInstant(v.tags.logical_date, logicalDate));
  const after = await registry.versionByAlias(name, championAlias);
  if (created === undefined) {
    throw new CliError(`the DAG run succeeded but no version of ${name} carries logical_date ${logicalDate}`);
  }
  console.log('');
  console.log(await outcome(registry, created, before, after, championAlias));
}

const CANDIDATE_PREFIX = 'promotion_candidate_';
const CHAMPION_PREFIX = 'promotion_champion_';

function sameInstant(a: string | undefined, b: string): boolean {
  return a !== undefined && new Date(a).getTime() === new Date(b).getTime();
}

/** What a user needs after a run: the new version, promoted or not and why, the metrics side by side. */
async function outcome(
  registry: RegistryClient,
  created: ModelVersion,
  before: ModelVersion | null,
  after: ModelVersion | null,
  alias: string,
): Promise<string> {
  const decision = created.tags.promotion_decision ?? 'unknown';
  const lines = [
    `${created.name} version ${created.version} (${created.tags.card_version ?? created.source}): ${decision}`,
    // The recorded reason starts with the decision, already on the line above.
    `  reason: ${(created.tags.promotion_reason ?? '(none recorded)').replace(/^(promoted|declined): /, '')}`,
    `  ${alias}: version ${after?.version ?? 'none'}` +
      (before === null ? ' (there was none before)' : ` (was version ${before.version})`),
  ];
  // Both models scored on the same rows (the newest test week), as the promotion rule compared them.
  const metrics = await registry.runMetrics(created.runId);
  const names = Object.keys(metrics)
    .filter((k) => k.startsWith(CANDIDATE_PREFIX))
    .map((k) => k.slice(CANDIDATE_PREFIX.length))
    .sort();
  if (names.length > 0) {
    const cell = (value: number | undefined): string => value?.toFixed(4) ?? '-';
    const rows = names.map((name) => [
      name,
      cell(metrics[`${CANDIDATE_PREFIX}${name}`]),
      cell(metrics[`${CHAMPION_PREFIX}${name}`]),
    ]);
    const championHeader = before === null ? 'champion (none)' : `champion (version ${before.version})`;
    lines.push(
      '',
      'on the newest test week, the same rows for both:',
      formatTable(['metric', `version ${created.version}`, championHeader], rows),
    );
  }
  return lines.join('\n');
}
