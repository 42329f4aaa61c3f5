import { createCategoryLogger, type Logger } from '../shared/node/structured-log.js';

export {
  redact,
  registerSecret,
  setLogLevel,
  setLogSink,
  type Logger,
  type LogLevel,
  type LogSink,
} from '../shared/node/structured-log.js';

/** Every log category of the control plane; a logger is created for one of these. */
export type LogCategory =
  | 'startup'
  | 'http'
  | 'db'
  | 'settings'
  | 'loops'
  | 'ws'
  | 'events'
  | 'health'
  | 'shell'
  | 'agent'
  | 'webhooks'
  | 'gateway'
  | 'sim';

/** A structured logger for one control-plane category; every line is redacted first. */
export function createLogger(category: LogCategory): Logger {
  return createCategoryLogger(category);
}
