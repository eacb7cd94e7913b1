/** Where recorded lines go: a file, stdout, or memory in tests. `write` honours backpressure. */
export interface LineWriter {
  write(line: string): Promise<void>;
  close(): Promise<void>;
}
