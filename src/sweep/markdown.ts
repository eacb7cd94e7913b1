/** A number to `digits` significant digits; `–` for what is missing. */
export const num = (x: number | null | undefined, digits = 3): string =>
  x === null || x === undefined
    ? '–'
    : Number.isFinite(x)
      ? Number(x.toPrecision(digits)).toString()
      : String(x);

/** A Markdown table; `|` inside a cell is escaped. */
export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`;
  return [line(header), `| ${header.map(() => '---').join(' | ')} |`, ...rows.map(line)].join('\n');
}
