/**
 * The error catalogue. Every error the project raises on purpose has a stable code,
 * says whether retrying can help, and keeps its cause. `docs/errors.md` lists the
 * same codes; a test keeps the two in step.
 */
export const ERROR_CODES = {
  LYAP_E_CONFIG: { retriable: false, summary: 'A configuration value or command-line option is invalid.' },
  LYAP_E_INPUT: { retriable: false, summary: 'An input file or stream cannot be read or is malformed.' },
  LYAP_E_STRICT_INPUT: {
    retriable: false,
    summary: 'Strict mode: the input held at least one line that was dead-lettered.',
  },
  LYAP_E_BUS_CLOSED: {
    retriable: false,
    summary: 'A message was published to, or consumed from, a closed bus.',
  },
  LYAP_E_BUS_GROUP_BUSY: {
    retriable: true,
    summary: 'The in-memory bus already has an active consumer for this group.',
  },
  LYAP_E_KAFKA: {
    retriable: true,
    summary:
      'A Kafka request failed in a way that may pass on retry (broker unreachable, leader moving, timeout).',
  },
  LYAP_E_KAFKA_REJECTED: {
    retriable: false,
    summary:
      'Kafka refused a request that retrying cannot fix (authentication, authorization, invalid topic or configuration, message too large).',
  },
  LYAP_E_KAFKA_AUTH: {
    retriable: false,
    summary:
      'The connection to Kafka could not be authenticated: a TLS certificate that is not trusted, expired or for another host, or a SASL user name or password the brokers reject.',
  },
  LYAP_E_KAFKA_DENIED: {
    retriable: false,
    summary:
      "Kafka's ACLs do not allow this user what it asked for (a topic read or write, a consumer group, creating a topic).",
  },
  LYAP_E_INTERNAL: { retriable: false, summary: 'A bug: an invariant of the program did not hold.' },
} as const satisfies Record<string, { retriable: boolean; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class LyapError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; context?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LyapError';
    this.code = code;
    this.retriable = ERROR_CODES[code].retriable;
    this.context = Object.freeze({ ...options.context });
  }
}

export function isLyapError(error: unknown, code?: ErrorCode): error is LyapError {
  return error instanceof LyapError && (code === undefined || error.code === code);
}
