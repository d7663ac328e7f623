// Counts the gateway's responses by status code by following nginx's JSON access log.
import { open, stat } from 'node:fs/promises';

const STATUS = /"status":(\d{3})/;

export class AccessLogCounter {
  readonly counts = new Map<number, number>();
  private offset = 0;
  private partial = '';
  private reading: Promise<void> = Promise.resolve();
  private readonly file: string;

  constructor(file: string) {
    this.file = file;
  }

  /** Reads what nginx appended since the last call and adds it to the counts; calls never overlap. */
  poll(): Promise<void> {
    this.reading = this.reading.then(() => this.readAppended());
    return this.reading;
  }

  private async readAppended(): Promise<void> {
    let size: number;
    try {
      size = (await stat(this.file)).size;
    } catch {
      return; // not written yet
    }
    if (size < this.offset) {
      // Rotated or truncated: start over on the new file.
      this.offset = 0;
      this.partial = '';
    }
    if (size === this.offset) return;
    const handle = await open(this.file, 'r');
    try {
      const buffer = Buffer.alloc(size - this.offset);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.offset);
      this.offset += bytesRead;
      const lines = (this.partial + buffer.subarray(0, bytesRead).toString('utf8')).split('\n');
      this.partial = lines.pop() ?? '';
      for (const line of lines) {
        const status = STATUS.exec(line)?.[1];
        if (status !== undefined) this.counts.set(Number(status), (this.counts.get(Number(status)) ?? 0) + 1);
      }
    } finally {
      await handle.close();
    }
  }
}
