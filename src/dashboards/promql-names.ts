const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'inf',
  'nan',
]);

/**
 * The metric names a PromQL expression reads (a lexical scan, enough for the queries and
 * rules of this project): string literals, label matchers, ranges and grouping label lists
 * are removed first; what is left that names no function, keyword or number is a metric.
 * Grafana's `label_values(series, label)` reads `series`.
 */
export function metricNamesIn(expr: string): string[] {
  let text = expr.replace(/label_values\(([^,]+),[^)]*\)/g, '$1');
  text = text.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""');
  text = text.replace(/\{[^}]*\}/g, ' ').replace(/\[[^\]]*\]/g, ' ');
  text = text.replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  text = text.replace(/\boffset\s+\S+/g, ' ');
  const names = new Set<string>();
  for (const match of text.matchAll(/(?<![\w$.:])[A-Za-z_:][\w:]*(?![\w:])(?!\s*\()/g)) {
    const name = match[0];
    if (!KEYWORDS.has(name.toLowerCase())) names.add(name);
  }
  return [...names].sort();
}
