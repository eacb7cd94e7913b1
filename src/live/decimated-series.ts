import type { SeriesDelta } from './live-protocol.js';

/**
 * A series that holds at most `maxRows` rows, evenly spaced over everything pushed.
 *
 * Decimation by stride: the row with arrival index i is kept when i is a multiple of the
 * stride (1 at first). When a push makes the series longer than `maxRows`, every other
 * kept row is dropped (those at odd positions) and the stride doubles, so the rows left are
 * again those whose index is a multiple of the stride. Memory is O(maxRows); the newest
 * stride − 1 rows may be missing from the series until the next multiple arrives.
 *
 * Rows kept since the last `drain()` are reported there; a decimation in between makes the
 * delta a reset carrying the whole series. `settled()` is the series as of the last drain
 * (or all of it when a reset is pending), so that `settled()` followed by the next `drain()`
 * rebuilds `all()` exactly.
 */
export class DecimatedSeries<Row> {
  private rows: Row[] = [];
  private stride = 1;
  private seen = 0;
  private fresh = 0;
  private reset = false;

  constructor(private readonly maxRows: number) {
    if (!Number.isSafeInteger(maxRows) || maxRows < 2) {
      throw new RangeError(`maxRows must be an integer >= 2, received ${maxRows}`);
    }
  }

  get length(): number {
    return this.rows.length;
  }

  get currentStride(): number {
    return this.stride;
  }

  push(row: Row): void {
    const keep = this.seen % this.stride === 0;
    this.seen += 1;
    if (!keep) return;
    this.rows.push(row);
    this.fresh += 1;
    if (this.rows.length > this.maxRows) {
      this.rows = this.rows.filter((_, i) => i % 2 === 0);
      this.stride *= 2;
      this.reset = true;
    }
  }

  all(): Row[] {
    return [...this.rows];
  }

  settled(): Row[] {
    // After a decimation the next delta replaces the series, so all rows are as good.
    return this.reset ? [...this.rows] : this.rows.slice(0, this.rows.length - this.fresh);
  }

  /** What changed since the last drain, or undefined if nothing did. */
  drain(): SeriesDelta<Row> | undefined {
    if (!this.reset && this.fresh === 0) return undefined;
    const delta = this.reset
      ? { reset: true, rows: [...this.rows] }
      : { reset: false, rows: this.rows.slice(this.rows.length - this.fresh) };
    this.reset = false;
    this.fresh = 0;
    return delta;
  }
}
