// Writes the oracle comparison's traces (test/traces/<scenario>.json) from scripts/trace-scenarios.ts and the
// project's HPA in deploy/k8s. Run after changing either: node packages/autoscaler/scripts/generate-traces.ts
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { loadAutoscalerManifests } from '../src/manifests.ts';
import { generateTrace, SCENARIOS } from './trace-scenarios.ts';

export const TRACES_DIR = join(import.meta.dirname, '..', 'test', 'traces');

const manifests = loadAutoscalerManifests();
mkdirSync(TRACES_DIR, { recursive: true });
for (const scenario of SCENARIOS) {
  const file = join(TRACES_DIR, `${scenario.name}.json`);
  const trace = generateTrace(scenario, manifests);
  const options = { ...(await resolveConfig(file)), parser: 'json' };
  writeFileSync(file, await format(JSON.stringify(trace), options));
  console.log(`${file}: ${trace.steps.length} steps`);
}
