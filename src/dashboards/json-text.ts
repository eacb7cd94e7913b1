/**
 * JSON text laid out the way prettier lays out a `.json` file (`printWidth` 110, two spaces):
 * non-empty objects one key per line, arrays of primitives on one line when they fit and one
 * item per line otherwise, arrays holding objects one item per line. The committed dashboards
 * are this text byte for byte, so `prettier --check` and the generation test agree.
 */
export function jsonText(value: unknown, printWidth = 110): string {
  return `${render(value, 0, 0, printWidth)}\n`;
}

/** `column`: characters already on the line before the value; `tail`: characters after it. */
function render(value: unknown, indent: number, column: number, width: number, tail = 0): string {
  if (Array.isArray(value)) return renderArray(value, indent, column, width, tail);
  if (value !== null && typeof value === 'object') return renderObject(value, indent, width);
  return primitive(value);
}

function renderObject(value: object, indent: number, width: number): string {
  const entries = Object.entries(value).filter(([, v]) => v !== undefined && typeof v !== 'function');
  if (entries.length === 0) return '{}';
  const pad = ' '.repeat(indent + 2);
  const lines = entries.map(([key, v], i) => {
    const prefix = `${pad}${JSON.stringify(key)}: `;
    const comma = i < entries.length - 1 ? 1 : 0;
    return prefix + render(v, indent + 2, prefix.length, width, comma);
  });
  return `{\n${lines.join(',\n')}\n${' '.repeat(indent)}}`;
}

function renderArray(items: unknown[], indent: number, column: number, width: number, tail: number): string {
  if (items.length === 0) return '[]';
  if (items.every(isPrimitive)) {
    const flat = `[${items.map(primitive).join(', ')}]`;
    if (column + flat.length + tail <= width) return flat;
  }
  const pad = ' '.repeat(indent + 2);
  const lines = items.map(
    (item, i) => pad + render(item, indent + 2, pad.length, width, i < items.length - 1 ? 1 : 0),
  );
  return `[\n${lines.join(',\n')}\n${' '.repeat(indent)}]`;
}

function isPrimitive(value: unknown): boolean {
  return value === null || typeof value !== 'object';
}

function primitive(value: unknown): string {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new RangeError(`JSON has no ${String(value)}`);
  }
  const text = JSON.stringify(value) as string | undefined;
  if (text === undefined) throw new TypeError(`not JSON: ${typeof value}`);
  return text;
}
