import { loadProjectConfig } from '@fraudops/config';
import {
  componentHealthy,
  fetchClusterStatus,
  monitoringHooks,
  readStackProfile,
  readWorldProgress,
  runningPid,
  stackComponents,
  stackLayout,
  WORLD_COMPONENT,
} from '@fraudops/stack';
import { Command } from 'commander';
import { formatTable } from '../table.ts';

export function statusCommand(): Command {
  return new Command('status')
    .description(
      'Show each component of the embedded stack (pid, address, health), the replicas and the HPA twin.',
    )
    .action(async () => {
      const config = loadProjectConfig();
      const layout = stackLayout(config);
      const profile = await readStackProfile(layout);
      // Airflow's processes and the world are listed only when they run: they are optional (`up --airflow`,
      // `up --no-world`).
      const optional = (name: string): boolean => name.startsWith('airflow-') || name === WORLD_COMPONENT;
      const components = stackComponents(config, layout, profile, monitoringHooks(config), {
        airflow: true,
      }).filter((c) => !optional(c.name) || runningPid(config.run, c.name) !== null);
      const rows = await Promise.all(
        components.map(async (c) => {
          const pid = runningPid(config.run, c.name);
          const health = pid === null ? 'stopped' : (await componentHealthy(c)) ? 'healthy' : 'UNHEALTHY';
          return [c.name, pid === null ? '-' : String(pid), `${c.host}:${c.port}`, health];
        }),
      );
      console.log(formatTable(['component', 'pid', 'address', 'health'], rows));
      const world = await readWorldProgress(config);
      if (world !== null) {
        console.log(
          `\nworld: simulated ${world.simulatedDate} (day ${String(world.worldDay)}), scenario ${world.scenario} ` +
            `from ${world.scenarioStart}; ${world.transactionsPublished.toLocaleString('en-US')} transactions, ` +
            `${world.labelsPublished.toLocaleString('en-US')} labels published, ` +
            `${world.labelsPending.toLocaleString('en-US')} pending`,
        );
      }
      const cluster = await fetchClusterStatus(config).catch(() => null);
      if (cluster === null) {
        console.log('\nno cluster controller answering: start the stack with `npx --no-install fraudops up`');
        process.exitCode = rows.some((r) => r[3] !== 'stopped') ? 1 : 0;
        return;
      }
      const { hpa } = cluster;
      console.log(
        `\nprofile ${cluster.profile}; replicas ${hpa.currentReplicas} (desired ${hpa.desiredReplicas}, min ${hpa.minReplicas}, max ${hpa.maxReplicas}); last decision: ${hpa.lastDecision}\n`,
      );
      console.log(
        formatTable(
          ['pod', 'pid', 'port', 'state', 'cpu (cores)', 'cpu / request'],
          cluster.pods.map((p) => [
            p.name,
            String(p.pid),
            String(p.port),
            p.terminating ? 'terminating' : p.ready ? 'ready' : 'not ready',
            p.cpuUsageCores === null ? '-' : p.cpuUsageCores.toFixed(3),
            `${(p.cpuUtilization * 100).toFixed(0)}%`,
          ]),
        ),
      );
      if (rows.some((r) => r[3] !== 'healthy')) process.exitCode = 1;
    });
}
