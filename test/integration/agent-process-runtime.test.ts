// Acceptance item 10 on the process runtime: the same scenarios as the Podman suite, with each
// deployment a local simulator process under its shim instead of a container.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import * as sc from '../helpers/agent-scenarios.js';
import { AERIE_BIN } from '../helpers/serve-process.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

let handStarted = 0;

const adapter: sc.RuntimeAdapter = {
  runtime: 'process',
  agentArgs: ['--runtime', 'process', '--image-repo', 'localhost/aerie-vllm-sim'],
  agentEnv: {},
  image: 'localhost/aerie-vllm-sim:test',
  // A process "container" is its directory in the runtime's state dir (removed with it).
  containerExists: (id) => Promise.resolve(existsSync(join(session.dataDir, 'processes', id))),
  startByHand: (dataDir, port) => {
    // A simulator someone started next to the agent, reporting to the simulated GPUs like any other.
    const proc = spawn(
      process.execPath,
      [AERIE_BIN, 'vllm-sim', '--model', 'hand/started', '--port', String(port)],
      {
        env: {
          ...process.env,
          AERIE_SIM_LOAD_S: '0.2',
          AERIE_SIM_STATE_FILE: join(dataDir, 'sim-gpus', `by-hand-${++handStarted}.json`),
        },
        stdio: 'ignore',
      },
    );
    const pid = proc.pid ?? 0;
    return Promise.resolve({
      kind: 'gpu-process' as const,
      id: String(pid),
      exists: () =>
        Promise.resolve(proc.exitCode === null && proc.signalCode === null && alive(pid)),
      // SIGTERM first: the simulator then removes its state file, so its GPU memory is released.
      cleanup: async () => {
        if (proc.exitCode !== null || proc.signalCode !== null) return;
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      },
    });
  },
};

let session: sc.Session;
let d: sc.Deployments;

beforeAll(async () => {
  session = await sc.openSession(adapter);
  d = await sc.pickDeployments();
});
afterAll(async () => {
  await sc.closeSession(session);
});

describe('aerie agent --runtime process --simulate-gpus 2xH100-80GB', () => {
  it('deploys a model that goes through its load phases to running', () =>
    sc.deployReachesRunning(session, d));
  it('answers a chat completion from the openai client on the deployment port', () =>
    sc.chatThroughDeploymentPort(session, d));
  it('keeps vLLM start-up lines and drops /health probes in the log tail and download', () =>
    sc.logsKeepStartupAndDropHealth(session, d));
  it('refuses a flag the target vLLM version removed with a 422 naming it, after the port check, and runs it on 0.11', () =>
    sc.versionAwareLaunch(session, d));
  it('pauses a warm deployment to RAM and resumes it, releasing and reclaiming GPU memory', () =>
    sc.warmPauseAndResume(session, d));
  it('refuses to pause a busy 0.11 model, whose engine a sleep with a request in flight kills', () =>
    sc.busyPauseRefusedOn011(session));
  it('wakes a paused model for a generation request through the wake proxy', () =>
    sc.generationWakesPausedModel(session, d));
  it('stops a deployment and removes its process, its log readable with the shutdown lines', () =>
    sc.stopRemovesContainer(session, d));
  it('re-adopts the running deployment after an agent restart, once, with its env restored', () =>
    sc.restartAdoptsRunning(session, d));
  it('lists a simulator started by hand as an untracked GPU process and kills it', () =>
    sc.handStartedIsRogue(session));
  it('classifies start-up failures: a missing repo without HF_TOKEN, a gated one, and the configuration faults', () =>
    sc.startupFailuresClassified(session));
  it('passes several --api-key values and a LoRA path with a comma to vLLM intact; a raw comma path fails as bad_args', () =>
    sc.cliDetailsReachVllm(session));
  it('guards a port with its own reservation and bind check, as a second vLLM would share it without an error', () =>
    sc.portReservationIsTheGuard(session));
  it('ends fault/gpu-oom in error gpu_oom after its restarts and removes it', () =>
    sc.gpuOomTripsBreaker(session));
});
