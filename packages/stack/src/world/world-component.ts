// The world (ml/src/fraudops_ml/world): new days of transactions in simulated time, published to
// `transactions` as ordinary traffic, and each fraud label published to `labels` when it becomes known. It
// runs last in `up` so that everything that reads its events (the stream scorer, the lake sink) is there.
import { readFile } from 'node:fs/promises';
import type { ProjectConfig } from '@fraudops/config';
import type { Component } from '../components.ts';
import { BACKGROUND_NICENESS } from '../daemon.ts';
import type { Profile } from '../profiles.ts';

export const WORLD_COMPONENT = 'world';

/** What `up` may change for one run of the stack; everything else comes from the config's `world` section. */
export interface WorldOptions {
  /** A scenario of change (world-settings.schema.json lists them); the config's when absent. */
  scenario?: string;
}

/** The world's command line: the config file, and the speed of the profile (prod: `speed`, fast: `fastSpeed`). */
export function worldArgs(config: ProjectConfig, profile: Profile, options: WorldOptions = {}): string[] {
  return [
    '-m',
    'fraudops_ml',
    'world',
    '--config',
    config.configFile,
    ...(profile.name === 'fast' ? ['--fast'] : []),
    ...(options.scenario === undefined ? [] : ['--scenario', options.scenario]),
  ];
}

export function worldComponent(
  config: ProjectConfig,
  profile: Profile,
  options: WorldOptions = {},
): Component {
  const { world } = config;
  const speed = profile.name === 'fast' ? world.fastSpeed : world.speed;
  const days = (86_400 / speed).toFixed(speed >= 86_400 ? 1 : 0);
  return {
    name: WORLD_COMPONENT,
    description:
      `the world: scenario ${options.scenario ?? world.scenario}, a simulated day every ${days} s, ` +
      `labels after ${String(world.feedbackDelayDays)} simulated days`,
    host: world.host,
    port: world.port,
    healthPath: '/metrics',
    prepare: async () => undefined,
    daemon: {
      name: WORLD_COMPONENT,
      command: config.ml.python,
      args: worldArgs(config, profile, options),
      cwd: config.root,
      // Its clock slips rather than bursting when it falls behind (ml/src/fraudops_ml/world/pacing.py).
      niceness: BACKGROUND_NICENESS,
      env: { ...process.env, PYTHONUNBUFFERED: '1' },
    },
  };
}

/** What the world's state file says about its progress (written by ml/src/fraudops_ml/world/run.py). */
export interface WorldProgress {
  simulatedDate: string;
  /** Simulated time up to which everything was published, 'YYYY-MM-DD HH:MM:SS'. */
  publishedThrough: string;
  worldDay: number;
  scenario: string;
  scenarioStart: string;
  transactionsPublished: number;
  labelsPublished: number;
  labelsPending: number;
}

/** The world's progress from its state file, or null when it never ran (or the file is not the world's). */
export async function readWorldProgress(config: ProjectConfig): Promise<WorldProgress | null> {
  let state: Record<string, unknown>;
  try {
    state = JSON.parse(await readFile(config.world.stateFile, 'utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
  const text = (key: string): string => (typeof state[key] === 'string' ? state[key] : '?');
  const count = (key: string): number => (typeof state[key] === 'number' ? state[key] : Number.NaN);
  if (typeof state.simulated_date !== 'string') return null;
  return {
    simulatedDate: text('simulated_date'),
    publishedThrough: text('published_through'),
    worldDay: count('world_day'),
    scenario: text('scenario'),
    scenarioStart: text('scenario_start'),
    transactionsPublished: count('transactions_published'),
    labelsPublished: count('labels_published'),
    labelsPending: count('labels_pending'),
  };
}
