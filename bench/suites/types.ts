export interface SuiteResult {
  suite: string;
  params: Record<string, number | string>;
  rows: Record<string, number | string>[];
  notes: string[];
}
