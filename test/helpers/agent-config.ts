import { loadAgentConfig, type AgentConfig } from '../../src-main/agent/config.js';

/** A validated agent config on 127.0.0.1, a free port and `dataDir`, plus `extra` flags; throws on a problem. */
export function testAgentConfig(dataDir: string, extra: string[] = []): AgentConfig {
  const r = loadAgentConfig(
    ['--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir, ...extra],
    {},
  );
  if (!r.ok) throw new Error(r.problems.join('\n'));
  return r.config;
}
