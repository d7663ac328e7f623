// A validated, warmed ONNX model with its card. Loading refuses anything that could serve wrong scores.
import { createHash } from 'node:crypto';
import type { ModelCard, Transaction } from '@fraudops/contracts';
import ort from 'onnxruntime-node';
import { encodeFeatures } from './features.ts';
import { ModelRejectedError, parseModelCard } from './model-card.ts';

export interface ModelArtifact {
  /** Where it came from, for logs. */
  location: string;
  cardText: string;
  onnx: Uint8Array;
  /** The model registry's name for it, when it came from one (MLflow); absent for a directory. */
  registry?: RegisteredVersion;
}

/** A version of a registered model: what `models:/<name>/<version>` names. */
export interface RegisteredVersion {
  name: string;
  version: string;
  /** Where the registry says its files are (`mlflow-artifacts:/...`). */
  source: string;
  runId: string;
}

/** The most rows one ONNX run takes from the queue: about 8 ms of a ~2 µs/row model on one core. */
export const MAX_ROWS_PER_RUN = 4096;

interface PendingScore {
  transactions: readonly Transaction[];
  resolve: (fraudProbabilities: Float32Array) => void;
  reject: (error: unknown) => void;
}

export class LoadedModel {
  readonly card: ModelCard;
  /** Its identity in the model registry, or null when it was loaded from a directory. */
  readonly registry: RegisteredVersion | null;
  private readonly session: ort.InferenceSession;
  private readonly featureOrder: readonly string[];
  private inFlight = 0;
  private retired = false;
  /** Score calls waiting for the next micro-batch. */
  private queue: PendingScore[] = [];
  private flushScheduled = false;

  private constructor(card: ModelCard, session: ort.InferenceSession, registry: RegisteredVersion | null) {
    this.card = card;
    this.registry = registry;
    this.session = session;
    this.featureOrder = card.feature_order;
  }

  get version(): string {
    return this.card.version;
  }

  /**
   * Checks the card, the checksum and the graph's interface, then runs a smoke prediction that also warms
   * the session. Throws ModelRejectedError with the cause; never returns a model that cannot serve.
   */
  static async load(artifact: ModelArtifact, smokeRows: readonly Transaction[]): Promise<LoadedModel> {
    const card = parseModelCard(artifact.cardText);
    const sha256 = createHash('sha256').update(artifact.onnx).digest('hex');
    if (sha256 !== card.artifact.sha256) {
      throw new ModelRejectedError(
        'checksum_mismatch',
        `model.onnx has sha256 ${sha256} but model.json promises ${card.artifact.sha256}`,
      );
    }
    let session: ort.InferenceSession;
    try {
      // One thread per replica: scaling happens by adding replicas, and a replica's CPU is what the HPA and
      // the alert measure against its request.
      session = await ort.InferenceSession.create(artifact.onnx, {
        intraOpNumThreads: 1,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
      });
    } catch (error) {
      throw new ModelRejectedError(
        'unreadable',
        `model.onnx is not a loadable ONNX model: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    const model = new LoadedModel(card, session, artifact.registry ?? null);
    try {
      model.checkGraphInterface();
      await model.smokeTest(smokeRows);
    } catch (error) {
      await session.release();
      throw error;
    }
    return model;
  }

  /**
   * Fraud probabilities, one per transaction, in order.
   *
   * Calls made while the event loop handles one batch of I/O are scored together in a single run (dynamic
   * batching, as model servers do): a run costs a fixed ~20-30 µs on top of its rows, and ONNX Runtime's
   * Node binding computes on the main thread, so one run per request would waste most of a busy replica.
   * A run takes at most MAX_ROWS_PER_RUN rows (a call is never split); the rest waits for the next turn, so
   * one run never blocks the event loop for long.
   */
  score(transactions: readonly Transaction[]): Promise<Float32Array> {
    return new Promise((resolve, reject) => {
      this.queue.push({ transactions, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        // Counted until the queue is empty, so that retire() cannot release the session under a run.
        this.inFlight++;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    let count = 0;
    let queuedRows = 0;
    for (const pending of this.queue) {
      if (count > 0 && queuedRows + pending.transactions.length > MAX_ROWS_PER_RUN) break;
      queuedRows += pending.transactions.length;
      count++;
    }
    const batch = this.queue.splice(0, count);
    try {
      const rows =
        batch.length === 1 ? (batch[0] as PendingScore).transactions : batch.flatMap((p) => p.transactions);
      const probabilities = (await this.infer(rows)).data as Float32Array;
      const fraud = new Float32Array(rows.length);
      for (let row = 0; row < fraud.length; row++) fraud[row] = probabilities[row * 2 + 1] as number;
      let offset = 0;
      for (const pending of batch) {
        pending.resolve(fraud.subarray(offset, offset + pending.transactions.length));
        offset += pending.transactions.length;
      }
    } catch (error) {
      for (const pending of batch) pending.reject(error);
    } finally {
      if (this.queue.length > 0) {
        setImmediate(() => void this.flush());
      } else {
        this.flushScheduled = false;
        this.inFlight--;
        if (this.retired && this.inFlight === 0) void this.session.release();
      }
    }
  }

  /** Runs the graph on the transactions and returns its probability output, [rows, 2]. */
  private async infer(transactions: readonly Transaction[]): Promise<ort.Tensor> {
    const { input_name: inputName, probability_output: outputName } = this.card.artifact;
    const input = new ort.Tensor('float32', encodeFeatures(transactions, this.featureOrder), [
      transactions.length,
      this.featureOrder.length,
    ]);
    const output = (await this.session.run({ [inputName]: input }, [outputName]))[outputName];
    if (output === undefined) throw new Error(`the graph returned no "${outputName}" output`);
    return output;
  }

  /** Frees the session once the requests still using it are done; the model must not be used afterwards. */
  async retire(): Promise<void> {
    this.retired = true;
    if (this.inFlight === 0) await this.session.release();
  }

  private checkGraphInterface(): void {
    const { input_name: inputName, probability_output: outputName } = this.card.artifact;
    if (!this.session.inputNames.includes(inputName)) {
      throw new ModelRejectedError(
        'incompatible_graph',
        `model.onnx has inputs [${this.session.inputNames.join(', ')}], not "${inputName}" as model.json says`,
      );
    }
    if (!this.session.outputNames.includes(outputName)) {
      throw new ModelRejectedError(
        'incompatible_graph',
        `model.onnx has outputs [${this.session.outputNames.join(', ')}], not "${outputName}" as model.json says`,
      );
    }
  }

  private async smokeTest(rows: readonly Transaction[]): Promise<void> {
    let probabilities: Float32Array;
    try {
      const output = await this.infer(rows);
      if (
        output.type !== 'float32' ||
        output.dims.length !== 2 ||
        output.dims[0] !== rows.length ||
        output.dims[1] !== 2
      ) {
        throw new Error(
          `expected float32 [${rows.length}, 2] probabilities, got ${output.type} [${output.dims.join(', ')}]`,
        );
      }
      probabilities = output.data as Float32Array;
    } catch (error) {
      throw new ModelRejectedError(
        'smoke_test_failed',
        `smoke prediction failed: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    for (let row = 0; row < rows.length; row++) {
      const legit = probabilities[row * 2] as number;
      const fraud = probabilities[row * 2 + 1] as number;
      if (!(fraud >= 0 && fraud <= 1) || Math.abs(legit + fraud - 1) > 1e-4) {
        throw new ModelRejectedError(
          'smoke_test_failed',
          `smoke prediction ${row} is not a probability pair: [${legit}, ${fraud}]`,
        );
      }
    }
  }
}
