// The fraudops command line. Each command lives in its own module under commands/.
import { Command } from 'commander';
import { attackCommand } from './commands/attack.ts';
import { demoCommand } from './commands/demo.ts';
import { downCommand } from './commands/down.ts';
import { replayCommand } from './commands/replay.ts';
import { reportCommand } from './commands/report.ts';
import { retrainCommand } from './commands/retrain.ts';
import { serveCommand } from './commands/serve.ts';
import { statusCommand } from './commands/status.ts';
import { trainCommand } from './commands/train.ts';
import { upCommand } from './commands/up.ts';
import { worldCommand } from './commands/world.ts';
import { CliError } from './cli-error.ts';

const program = new Command('fraudops')
  .description(
    'Fraud detection in production: train the model, serve it, run the embedded stack (Kafka, replicas under a local HPA twin following the MLflow champion, Prometheus, Alertmanager, nginx, the stream scorer, the lake sink, the world of simulated days with late fraud labels, optionally Airflow), attack it until the administrator is paged, report, and retrain with the Airflow DAG.',
  )
  .showHelpAfterError('(run with --help for usage)')
  .addCommand(demoCommand())
  .addCommand(upCommand())
  .addCommand(statusCommand())
  .addCommand(attackCommand())
  .addCommand(reportCommand())
  .addCommand(retrainCommand())
  .addCommand(trainCommand())
  .addCommand(worldCommand())
  .addCommand(replayCommand())
  .addCommand(serveCommand())
  .addCommand(downCommand());

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CliError) {
    console.error(`fraudops: ${error.message}`);
    process.exit(error.exitCode);
  }
  throw error;
}
