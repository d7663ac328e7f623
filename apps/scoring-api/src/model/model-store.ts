// Holds the model that serves, polls the source for a new version and swaps it in atomically: a request
// takes the current model once and finishes on it, whatever happens to the reference meanwhile.
import type { Transaction } from '@fraudops/contracts';
import { LoadedModel } from './loaded-model.ts';
import { ModelRejectedError } from './model-card.ts';
import type { ModelSource } from './model-source.ts';

export interface ModelStoreObserver {
  loaded(model: LoadedModel, previous: LoadedModel | null): void;
  rejected(error: ModelRejectedError, location: string): void;
  /** The source itself failed (unreachable, unreadable directory): not the artifact's fault. */
  sourceFailed(error: Error): void;
}

export class ModelStore {
  private model: LoadedModel | null = null;
  /** Fingerprint of what was last tried, loaded or refused, so a refused artifact is not retried each poll. */
  private lastFingerprint: string | null = null;
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private readonly source: ModelSource;
  private readonly smokeRows: readonly Transaction[];
  private readonly observer: ModelStoreObserver;

  constructor(source: ModelSource, smokeRows: readonly Transaction[], observer: ModelStoreObserver) {
    this.source = source;
    this.smokeRows = smokeRows;
    this.observer = observer;
  }

  get current(): LoadedModel | null {
    return this.model;
  }

  get sourceDescription(): string {
    return this.source.description;
  }

  /** Checks the source now; concurrent calls share one check. */
  refresh(): Promise<void> {
    this.refreshing ??= this.checkSource().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  startPolling(intervalMs: number): void {
    this.timer = setInterval(() => void this.refresh(), intervalMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.refreshing;
    await this.model?.retire();
    this.model = null;
  }

  private async checkSource(): Promise<void> {
    let fingerprint: string | null;
    try {
      fingerprint = await this.source.fingerprint();
    } catch (error) {
      this.observer.sourceFailed(error as Error);
      return;
    }
    if (fingerprint === null || fingerprint === this.lastFingerprint) return;
    this.lastFingerprint = fingerprint;
    let location = this.source.description;
    try {
      const artifact = await this.source.read();
      location = artifact.location;
      const candidate = await LoadedModel.load(artifact, this.smokeRows);
      const previous = this.model;
      this.model = candidate;
      this.observer.loaded(candidate, previous);
      await previous?.retire();
    } catch (error) {
      if (error instanceof ModelRejectedError) this.observer.rejected(error, location);
      else {
        // A read that failed half-way (the symlink moved under us) is retried at the next poll.
        this.lastFingerprint = null;
        this.observer.sourceFailed(error as Error);
      }
    }
  }
}
