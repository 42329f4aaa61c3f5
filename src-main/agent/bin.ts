// Entry of the standalone agent bundle (out/agent/aerie-agent.mjs): `node aerie-agent.mjs [agent flags]`.
import { runAgent } from './main.js';

process.exitCode = await runAgent(process.argv.slice(2));
