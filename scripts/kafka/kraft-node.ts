import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scramUsers, type BrokerSecurity } from './broker-security.js';
import { LOG4J2_CONFIG_FILE } from './kafka-paths.js';
import { serverProperties, type KraftNodeSpec } from './server-properties.js';

export interface KraftNodeOptions {
  readonly spec: KraftNodeSpec;
  readonly voters: readonly KraftNodeSpec[];
  /** The node's folder: server.properties, data/ and logs/ go here. */
  readonly dir: string;
  readonly classpath: string;
  readonly heapMb?: number;
  readonly extraProperties?: Readonly<Record<string, string | number>>;
  /** Leaves the JVM running after this process exits (`npm run kafka:start`). */
  readonly detached?: boolean;
  /** A secured node: TLS, SASL/SCRAM users created at format time, ACLs (server-properties.ts). */
  readonly security?: BrokerSecurity;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * A cluster id as Kafka's `StorageTool random-uuid` makes one: 16 random bytes in
 * URL-safe base64 without padding, never starting with '-' (it would read as a flag).
 * Made here to save a JVM start.
 */
export function randomClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function javaBinary(): string {
  const home = process.env['JAVA_HOME'];
  return home !== undefined && home !== '' ? join(home, 'bin', 'java') : 'java';
}

function jvmArgs(options: { classpath: string; logsDir: string; heapMb: number }): string[] {
  return [
    `-Xms${Math.min(256, options.heapMb)}m`,
    `-Xmx${options.heapMb}m`,
    '-XX:+UseSerialGC',
    '-XX:+ExitOnOutOfMemoryError',
    '-XX:-UsePerfData',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${LOG4J2_CONFIG_FILE}`,
    `-Dkafka.logs.dir=${options.logsDir}`,
    '-cp',
    options.classpath,
  ];
}

/**
 * One KRaft node (broker and controller in one JVM) of a local cluster: writes its
 * server.properties, formats its storage once, starts and stops the JVM. Its log is
 * `<dir>/logs/server.log`; the JVM's own output goes to `<dir>/logs/stdout.log`.
 */
export class KraftNode {
  readonly nodeId: number;
  readonly bootstrap: string;
  readonly propertiesFile: string;
  readonly logsDir: string;
  private child: ChildProcess | undefined;
  private exit: Promise<ExitStatus> | undefined;

  constructor(private readonly options: KraftNodeOptions) {
    this.nodeId = options.spec.nodeId;
    this.bootstrap = `127.0.0.1:${options.spec.brokerPort}`;
    this.propertiesFile = join(options.dir, 'server.properties');
    this.logsDir = join(options.dir, 'logs');
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Writes server.properties and formats the storage (only the first time: restarts keep the data). */
  async format(clusterId: string): Promise<void> {
    mkdirSync(this.logsDir, { recursive: true });
    const { extraProperties: extra, security } = this.options;
    writeFileSync(
      this.propertiesFile,
      serverProperties({
        node: this.options.spec,
        voters: this.options.voters,
        ...(extra === undefined ? {} : { extra }),
        ...(security === undefined ? {} : { security }),
      }),
      { mode: 0o600 },
    );
    if (existsSync(join(this.options.spec.dataDir, 'meta.properties'))) return;
    const quorumFlag = this.options.voters.length === 1 ? ['--standalone'] : [];
    const args = [
      // A short-lived tool: the C1 compiler alone starts it about a second sooner.
      '-XX:TieredStopAtLevel=1',
      ...jvmArgs({ classpath: this.options.classpath, logsDir: this.logsDir, heapMb: 256 }),
      'kafka.tools.StorageTool',
      'format',
      '-t',
      clusterId,
      '-c',
      this.propertiesFile,
      ...quorumFlag,
      ...(security === undefined
        ? []
        : scramUsers(security).flatMap((u) => [
            '--add-scram',
            `SCRAM-SHA-512=[name=${u.username},password=${u.password}]`,
          ])),
    ];
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const tool = spawn(javaBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      tool.stdout.setEncoding('utf8').on('data', (s: string) => (text += s));
      tool.stderr.setEncoding('utf8').on('data', (s: string) => (text += s));
      tool.once('error', (error) => {
        resolve({ code: -1, output: error.message });
      });
      tool.once('close', (exitCode) => {
        resolve({ code: exitCode, output: text });
      });
    });
    if (code !== 0) throw new Error(`formatting node ${this.nodeId} failed (exit ${code}): ${output}`.trim());
  }

  start(): void {
    if (this.running) return;
    const out = openSync(join(this.logsDir, 'stdout.log'), 'a');
    const child = spawn(
      javaBinary(),
      [
        ...jvmArgs({
          classpath: this.options.classpath,
          logsDir: this.logsDir,
          heapMb: this.options.heapMb ?? 512,
        }),
        'kafka.Kafka',
        this.propertiesFile,
      ],
      { stdio: ['ignore', out, out], detached: this.options.detached === true },
    );
    closeSync(out);
    this.child = child;
    this.exit = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        resolve({ code, signal });
      });
      child.once('error', () => {
        resolve({ code: -1, signal: null });
      });
    });
    if (this.options.detached === true) child.unref();
  }

  /** Settles when the JVM exits; undefined if it was never started. */
  exited(): Promise<ExitStatus> | undefined {
    return this.exit;
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.running) this.child?.kill(signal);
  }

  /** SIGTERM (a controlled shutdown), then SIGKILL if the JVM is still there after `timeoutMs`. */
  async stop(timeoutMs = 30_000): Promise<ExitStatus | undefined> {
    const exit = this.exit;
    if (exit === undefined) return undefined;
    if (!this.running) return exit;
    this.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(resolve, timeoutMs, 'late')));
    const first = await Promise.race([exit, late]);
    clearTimeout(timer);
    if (first === 'late') this.kill('SIGKILL');
    return exit;
  }

  /** The last lines of the node's logs, for error messages. */
  logTail(lines = 30): string {
    return ['stdout.log', 'server.log']
      .map((name) => join(this.logsDir, name))
      .filter((file) => existsSync(file))
      .map((file) => `--- ${file}\n${readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n')}`)
      .join('\n');
  }
}
