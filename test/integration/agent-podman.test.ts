// Acceptance item 10 against real Podman: a private `podman system service` on a temp socket, the
// simulator image built locally from a rootfs tarball, and the real `aerie agent` process with
// `--runtime podman` finding that service through PODMAN_SOCK.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, it } from 'vitest';
import * as sc from '../helpers/agent-scenarios.js';
import {
  type PodmanService,
  SIM_IMAGE,
  buildSimImage,
  startPodmanService,
} from '../helpers/podman.js';
import { simBundle } from '../helpers/sim-process.js';

let svc: PodmanService;
let session: sc.Session;
let d: sc.Deployments;

function podman(args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync('podman', ['--url', `unix://${svc.sock}`, ...args], {
    env: svc.env,
    encoding: 'utf8',
  });
  return { code: r.status, out: r.stdout.trim(), err: r.stderr.trim() };
}

/** Full ids of every container the service has, in any state (`podman ps -a`). */
function allContainerIds(): string[] {
  return podman(['ps', '-a', '-q', '--no-trunc']).out.split('\n').filter(Boolean);
}

let handStarted = 0;

const adapter: sc.RuntimeAdapter = {
  runtime: 'podman',
  agentArgs: ['--runtime', 'podman', '--image-repo', 'localhost/aerie-vllm-sim'],
  get agentEnv() {
    return { PODMAN_SOCK: svc.sock };
  },
  image: SIM_IMAGE,
  containerExists: (id) => Promise.resolve(id !== '' && allContainerIds().includes(id)),
  startByHand: (_dataDir, port) => {
    const r = podman([
      'run',
      '-d',
      '--network',
      'host',
      '--name',
      `by-hand-${port}-${++handStarted}`,
      '-e',
      'AERIE_SIM_LOAD_S=0.2',
      SIM_IMAGE,
      '--model',
      'hand/started',
      '--port',
      String(port),
    ]);
    if (r.code !== 0) throw new Error(`podman run failed: ${r.err}`);
    const id = r.out.split('\n').pop() ?? '';
    return Promise.resolve({
      kind: 'container' as const,
      id,
      exists: () => Promise.resolve(allContainerIds().includes(id)),
      cleanup: () => {
        podman(['rm', '--force', '--time', '0', id]);
        return Promise.resolve();
      },
    });
  },
};

beforeAll(async () => {
  svc = await startPodmanService();
  buildSimImage(svc.sock, simBundle());
  // The same simulator under a release tag: a `vllm_version: "0.11.0"` launch pulls nothing.
  const tagged = podman(['tag', SIM_IMAGE, 'localhost/aerie-vllm-sim:v0.11.0']);
  if (tagged.code !== 0) throw new Error(`podman tag failed: ${tagged.err}`);
  session = await sc.openSession(adapter);
  d = await sc.pickDeployments();
});
afterAll(async () => {
  await sc.closeSession(session);
  await svc?.stop();
});

describe('aerie agent --runtime podman --image-repo localhost/aerie-vllm-sim --simulate-gpus 2xH100-80GB', () => {
  it('deploys a model whose container goes through its load phases to running', () =>
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
  it('stops a deployment and removes its container from podman ps -a, its log readable with the shutdown lines', () =>
    sc.stopRemovesContainer(session, d));
  it('re-adopts the running container after an agent restart, once, with its env restored', () =>
    sc.restartAdoptsRunning(session, d));
  it('lists a container started by hand with podman run as untracked and removes it', () =>
    sc.handStartedIsRogue(session));
  it('classifies start-up failures: a missing repo without HF_TOKEN, a gated one, and the configuration faults', () =>
    sc.startupFailuresClassified(session));
  it('passes several --api-key values and a LoRA path with a comma to vLLM intact; a raw comma path fails as bad_args', () =>
    sc.cliDetailsReachVllm(session));
  it('guards a port with its own reservation and bind check, as a second vLLM would share it without an error', () =>
    sc.portReservationIsTheGuard(session));
  it('ends fault/gpu-oom in error gpu_oom after its restarts, the breaker removing the container', () =>
    sc.gpuOomTripsBreaker(session));
});
