// Entry of the standalone shim bundle (out/agent/aerie-agent-shim.mjs): the per-deployment
// monitor of the process runtime, `node aerie-agent-shim.mjs <config.json>`, for programs that are
// not the `aerie` CLI (the desktop app's demo node runs it with Electron in Node mode).
import { runShim } from './runtime/process-shim.js';

process.exitCode = await runShim(process.argv[2] ?? '');
