import {
  createCategoryLogger,
  registerSecret,
  setLogLevel,
  setLogSink,
  type Logger,
  type LogLevel,
  type LogSink,
} from '../../shared/node/structured-log.js';

/** Categories of the agent's own (process) log. */
export type AgentLogCategory =
  'agent' | 'http' | 'registration' | 'logs' | 'engine' | 'runtime' | 'gpu';

export type AgentLogger = Logger;
export type AgentLogLevel = LogLevel;
export type AgentLogSink = LogSink;

/** Registers a literal secret (the cluster token, env values) so that it never appears in the log. */
export const registerAgentSecret = registerSecret;
/** Replaces where agent log lines go (tests capture them). */
export const setAgentLogSink = setLogSink;
/** Drops lines below `level` (default info, or AERIE_LOG_LEVEL). */
export const setAgentLogLevel = setLogLevel;

/** A logger for one category of the agent process. */
export function createAgentLogger(category: AgentLogCategory): AgentLogger {
  return createCategoryLogger(category);
}
