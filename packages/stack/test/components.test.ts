import { loadProjectConfig } from '@fraudops/config';
import { describe, expect, it } from 'vitest';
import { stackComponents } from '../src/components.ts';
import { stackLayout } from '../src/layout.ts';
import { monitoringHooks } from '../src/monitoring-hooks.ts';
import { PROFILES } from '../src/profiles.ts';
import { STACK_DAEMONS } from '../src/stack-control.ts';
import { AIRFLOW_DAEMONS } from '../src/airflow/airflow-components.ts';
import { WORLD_COMPONENT } from '../src/world/world-component.ts';

const config = loadProjectConfig();
const components = (options: Parameters<typeof stackComponents>[4] = {}, profile = PROFILES.fast) =>
  stackComponents(config, stackLayout(config), profile, monitoringHooks(config), options);

describe('the component list', () => {
  it('is what `down` stops, in the same order, with the world last', () => {
    const names = components().map((c) => c.name);
    expect(names).toEqual([...STACK_DAEMONS, WORLD_COMPONENT]);
    expect(components().map((c) => c.daemon.name)).toEqual(names);
  });

  it("puts Airflow's processes before the world when asked for them", () => {
    const names = components({ airflow: true }).map((c) => c.name);
    expect(names).toEqual([...STACK_DAEMONS, ...AIRFLOW_DAEMONS, WORLD_COMPONENT]);
    expect(components({ airflow: true }).map((c) => c.daemon.name)).toEqual(names);
  });

  it('has no world with `up --no-world`', () => {
    expect(components({ world: false }).map((c) => c.name)).toEqual([...STACK_DAEMONS]);
  });
});

describe('the world and the lake sink', () => {
  const daemon = (
    name: string,
    options: Parameters<typeof stackComponents>[4] = {},
    profile = PROFILES.fast,
  ) => components(options, profile).find((c) => c.name === name)?.daemon;

  it("run the ml/ package's commands on the project's config, the world at the profile's speed", () => {
    expect(daemon(WORLD_COMPONENT)?.args).toEqual([
      '-m',
      'fraudops_ml',
      'world',
      '--config',
      config.configFile,
      '--fast',
    ]);
    expect(daemon(WORLD_COMPONENT, {}, PROFILES.prod)?.args).not.toContain('--fast');
    expect(daemon(WORLD_COMPONENT, { world: { scenario: 'card-testing' } })?.args.slice(-2)).toEqual([
      '--scenario',
      'card-testing',
    ]);
    expect(daemon('lake-sink')?.args).toEqual([
      '-m',
      'fraudops_ml',
      'lake-sink',
      '--config',
      config.configFile,
    ]);
  });

  it("tell the lake sink where Airflow's api-server is only when Airflow runs", () => {
    const { host, port } = config.stack.airflow.apiServer;
    expect(daemon('lake-sink', { airflow: true })?.args.slice(-2)).toEqual([
      '--airflow-url',
      `http://${host}:${String(port)}`,
    ]);
  });
});
