import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';

/** A `--config` file's top-level mapping, not yet checked against the commands' options. */
export type ConfigFile = Readonly<Record<string, unknown>>;

export type ConfigFileResult = { ok: true; file: ConfigFile } | { ok: false; message: string };

const PARSERS: Readonly<Record<string, { format: string; parse: (text: string) => unknown }>> = {
  '.json': { format: 'JSON', parse: (text): unknown => JSON.parse(text) },
  '.yaml': { format: 'YAML', parse: parseYaml },
  '.yml': { format: 'YAML', parse: parseYaml },
};

/**
 * Reads a JSON (`.json`) or YAML (`.yaml`, `.yml`) config file. Every failure (unknown
 * extension, unreadable, malformed, not a mapping) is one line naming the file.
 */
export function readConfigFile(path: string): ConfigFileResult {
  const parser = PARSERS[extname(path).toLowerCase()];
  if (parser === undefined) {
    return { ok: false, message: `config file ${path}: use a .json, .yaml or .yml file` };
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return { ok: false, message: `cannot read config file ${path}: ${firstLine(error)}` };
  }
  let value: unknown;
  try {
    value = text.trim() === '' ? {} : parser.parse(text);
  } catch (error) {
    return { ok: false, message: `config file ${path} is not valid ${parser.format}: ${firstLine(error)}` };
  }
  // An empty YAML document (only comments) parses to null: nothing is set.
  if (value === null) return { ok: true, file: {} };
  if (!isMapping(value)) {
    return {
      ok: false,
      message: `config file ${path} must hold a mapping of option names (or command sections) to values`,
    };
  }
  return { ok: true, file: value };
}

export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]?.replace(/:$/, '') ?? message;
}
