import { createRequire } from 'node:module';
import { connect } from 'node:net';

export interface ApiRange {
  readonly apiKey: number;
  readonly min: number;
  readonly max: number;
}

/** The broker's supported version range of every API, from an ApiVersions v0 request (API key 18). */
export function brokerApiVersions(broker: string): Promise<ApiRange[]> {
  const [host = '127.0.0.1', port = '9092'] = broker.split(/:(?=\d+$)/);
  const clientId = Buffer.from('lyap-compat');
  const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length);
  body.writeInt16BE(18, 0);
  body.writeInt16BE(0, 2);
  body.writeInt32BE(1, 4);
  body.writeInt16BE(clientId.length, 8);
  clientId.copy(body, 10);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port: Number(port) }, () => socket.write(Buffer.concat([size, body])));
    let received = Buffer.alloc(0);
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 4 || received.length < 4 + received.readInt32BE(0)) return;
      socket.end();
      const errorCode = received.readInt16BE(8);
      if (errorCode !== 0) {
        reject(new Error(`ApiVersions error code ${errorCode}`));
        return;
      }
      const count = received.readInt32BE(10);
      const ranges: ApiRange[] = [];
      for (let i = 0, at = 14; i < count; i++, at += 6) {
        ranges.push({
          apiKey: received.readInt16BE(at),
          min: received.readInt16BE(at + 2),
          max: received.readInt16BE(at + 4),
        });
      }
      resolve(ranges);
    });
  });
}

interface KafkajsRequests {
  requests: Record<string, { versions: string[] }>;
}

/** Each API kafkajs implements, with the versions it can speak (from its own protocol tables). */
export function kafkajsApiVersions(): { name: string; apiKey: number; versions: number[] }[] {
  const require = createRequire(import.meta.url);
  const { requests } = require('kafkajs/src/protocol/requests/index.js') as KafkajsRequests;
  const apiKeys = require('kafkajs/src/protocol/requests/apiKeys.js') as Record<string, number>;
  return Object.entries(requests)
    .map(([name, definition]) => ({
      name,
      apiKey: apiKeys[name] ?? -1,
      versions: definition.versions.map(Number),
    }))
    .filter((api) => api.versions.length > 0 && api.apiKey >= 0);
}

export interface Negotiated {
  readonly name: string;
  readonly apiKey: number;
  readonly kafkajsMax: number;
  readonly broker?: ApiRange;
  /** What kafkajs sends: min(its highest, the broker's highest); it never looks at the broker's minimum. */
  readonly used?: number;
  readonly ok: boolean;
}

export function negotiate(broker: readonly ApiRange[]): Negotiated[] {
  return kafkajsApiVersions().map((api) => {
    const range = broker.find((r) => r.apiKey === api.apiKey);
    const kafkajsMax = Math.max(...api.versions);
    if (range === undefined) return { name: api.name, apiKey: api.apiKey, kafkajsMax, ok: false };
    const used = Math.min(kafkajsMax, range.max);
    return { name: api.name, apiKey: api.apiKey, kafkajsMax, broker: range, used, ok: used >= range.min };
  });
}
