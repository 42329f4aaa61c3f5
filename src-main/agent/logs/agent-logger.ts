import { createCategoryLogger, type Logger } from '../../shared/node/structured-log.js';

/** Categories of the agent's own (process) log. */
export type AgentLogCategory =
  'agent' | 'http' | 'registration' | 'logs' | 'engine' | 'runtime' | 'gpu';

/** A logger for one category of the agent process. */
export function createAgentLogger(category: AgentLogCategory): Logger {
  return createCategoryLogger(category);
}
