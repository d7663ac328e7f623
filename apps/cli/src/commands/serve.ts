import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { loadProjectConfig } from '@fraudops/config';
import { Command, InvalidArgumentError } from 'commander';
import { scoringApiEntry } from '@fraudops/stack';
import { defaultModelUri, replicaEnv } from '../scoring-api-process.ts';

export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError('must be an integer 0..65535');
  return port;
}

export function serveCommand(): Command {
  const config = loadProjectConfig();
  return new Command('serve')
    .description(
      'Run one scoring-api replica in the foreground (Ctrl-C drains in-flight requests and stops it).',
    )
    .option('--host <host>', 'address to listen on', config.scoringApi.host)
    .option('--port <port>', 'port to listen on', parsePort, config.scoringApi.port)
    .option(
      '--model <uri>',
      'model location: file:<dir> or a directory holding model.onnx and model.json',
      defaultModelUri(config),
    )
    .action(async (options: { host: string; port: number; model: string }) => {
      const child = spawn(process.execPath, [scoringApiEntry(config)], {
        stdio: 'inherit',
        env: replicaEnv({ host: options.host, port: options.port, modelUri: options.model }),
      });
      // The terminal's Ctrl-C reaches the child too (same process group); a SIGTERM sent to us is passed on.
      process.on('SIGTERM', () => {
        child.kill('SIGTERM');
      });
      process.on('SIGINT', () => undefined);
      const [status] = (await once(child, 'exit')) as [number | null];
      process.exitCode = status ?? 1;
    });
}
