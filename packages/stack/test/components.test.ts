import { loadProjectConfig } from '@fraudops/config';
import { describe, expect, it } from 'vitest';
import { stackComponents } from '../src/components.ts';
import { stackLayout } from '../src/layout.ts';
import { monitoringHooks } from '../src/monitoring-hooks.ts';
import { PROFILES } from '../src/profiles.ts';
import { STACK_DAEMONS } from '../src/stack-control.ts';
import { AIRFLOW_DAEMONS } from '../src/airflow/airflow-components.ts';

describe('the component list', () => {
  it('is what `down` stops, in the same order', () => {
    const config = loadProjectConfig();
    const components = stackComponents(config, stackLayout(config), PROFILES.fast, monitoringHooks(config));
    expect(components.map((c) => c.name)).toEqual([...STACK_DAEMONS]);
    expect(components.map((c) => c.daemon.name)).toEqual([...STACK_DAEMONS]);
  });

  it("ends with Airflow's processes when asked for them", () => {
    const config = loadProjectConfig();
    const components = stackComponents(config, stackLayout(config), PROFILES.fast, monitoringHooks(config), {
      airflow: true,
    });
    expect(components.map((c) => c.name)).toEqual([...STACK_DAEMONS, ...AIRFLOW_DAEMONS]);
    expect(components.map((c) => c.daemon.name)).toEqual([...STACK_DAEMONS, ...AIRFLOW_DAEMONS]);
  });
});
