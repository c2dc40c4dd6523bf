import { pino, type Logger } from 'pino';

/** Structured JSON logs on stderr, so stdout stays for command output. */
export function createLogger(level: string = process.env.KUBEBURNER_LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { service: 'kubeburner' } }, pino.destination(2));
}

export type { Logger };
