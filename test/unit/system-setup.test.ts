import { describe, expect, it } from 'vitest';
import {
  adminTokenHint,
  advertisedHost,
  agentCommand,
  controlPlaneUrl,
  shellQuote,
} from '../../src-main/system/agent-command.js';
import type { DemoAgent } from '../../src-main/demo-agent.js';
import { DemoNodeService } from '../../src-main/system/demo-node.service.js';
import { isLoopbackAddress } from '../../src-main/system/system.routes.js';

const lan = { address: '192.168.1.20', family: 'IPv4', internal: false };
const lo = { address: '127.0.0.1', family: 'IPv4', internal: true };
const v6 = { address: 'fd00::20', family: 'IPv6', internal: false };
const linkLocal = { address: 'fe80::1', family: 'IPv6', internal: false };

describe('the agent command of the first-run panel', () => {
  it('advertises the bind address, else the first LAN IPv4, then IPv6, then loopback', () => {
    expect(advertisedHost('10.0.0.5', [lan])).toBe('10.0.0.5');
    expect(advertisedHost('0.0.0.0', [lo, v6, lan])).toBe('192.168.1.20');
    expect(advertisedHost('::', [lo, linkLocal, v6])).toBe('fd00::20');
    expect(advertisedHost('0.0.0.0', [lo, linkLocal])).toBe('127.0.0.1');
    expect(controlPlaneUrl('fd00::20', 8000)).toBe('http://[fd00::20]:8000');
  });

  it('names the bundled agent, quoting a path with spaces for a POSIX shell', () => {
    expect(
      agentCommand({
        agentPath: '/Applications/Aerie.app/Contents/Resources/agent/aerie-agent.mjs',
        controlPlaneUrl: 'http://192.168.1.20:8000',
        clusterToken: 'tok_-AZ09',
      }),
    ).toBe(
      'node /Applications/Aerie.app/Contents/Resources/agent/aerie-agent.mjs --control-plane http://192.168.1.20:8000 --cluster-token tok_-AZ09',
    );
    expect(
      agentCommand({
        agentPath: "/opt/My Aerie/it's/aerie-agent.mjs",
        controlPlaneUrl: 'http://h:1',
        clusterToken: 't',
      }),
    ).toBe(
      `node '/opt/My Aerie/it'"'"'s/aerie-agent.mjs' --control-plane http://h:1 --cluster-token t`,
    );
  });

  it('falls back to the CLI when no bundle ships with this build', () => {
    expect(
      agentCommand({ agentPath: null, controlPlaneUrl: 'http://h:1', clusterToken: 't' }),
    ).toBe('npx aerie agent --control-plane http://h:1 --cluster-token t');
    expect(shellQuote('')).toBe("''");
    expect(shellQuote('a;rm -rf /')).toBe("'a;rm -rf /'");
  });

  it('hints at the admin token by its last four characters and where it comes from', () => {
    const hint = adminTokenHint('abcdefghijklmnopWXYZ', '/data/admin-token');
    expect(hint).toContain('…WXYZ');
    expect(hint).toContain('/data/admin-token');
    expect(hint).not.toContain('abcdefghijklmnop');
  });

  it('treats only 127.0.0.0/8 and ::1 (also IPv4-mapped) as this machine', () => {
    expect(isLoopbackAddress('127.0.0.1')).toBe(true);
    expect(isLoopbackAddress('127.8.0.1')).toBe(true);
    expect(isLoopbackAddress('::ffff:127.0.0.1')).toBe(true);
    expect(isLoopbackAddress('::1')).toBe(true);
    expect(isLoopbackAddress('192.168.1.2')).toBe(false);
    expect(isLoopbackAddress('::ffff:10.0.0.1')).toBe(false);
    expect(isLoopbackAddress(undefined)).toBe(false);
  });
});

/** A demo agent whose start the test releases by hand. */
function deferredLaunch() {
  const calls: { resolve: (a: DemoAgent) => void; reject: (e: Error) => void }[] = [];
  const stopped: string[] = [];
  const launch = () => new Promise<DemoAgent>((resolve, reject) => calls.push({ resolve, reject }));
  const agent = (url: string): DemoAgent => ({
    url,
    stop: () => {
      stopped.push(url);
      return Promise.resolve();
    },
  });
  return { calls, stopped, launch, agent };
}

describe('DemoNodeService', () => {
  it('shares one start between concurrent calls and returns the running node afterwards', async () => {
    const d = deferredLaunch();
    const svc = new DemoNodeService(d.launch);
    const a = svc.start();
    const b = svc.start();
    expect(d.calls).toHaveLength(1);
    d.calls[0]?.resolve(d.agent('http://127.0.0.1:1'));
    expect((await a).agent_url).toBe('http://127.0.0.1:1');
    expect((await b).agent_url).toBe('http://127.0.0.1:1');
    await svc.start();
    expect(d.calls).toHaveLength(1);
  });

  it('reports a failed start as 503 unavailable and lets the next call retry', async () => {
    const d = deferredLaunch();
    const svc = new DemoNodeService(d.launch);
    const first = svc.start();
    d.calls[0]?.reject(new Error('port in use'));
    await expect(first).rejects.toMatchObject({ code: 'unavailable' });
    await expect(first).rejects.toThrow(/port in use/);
    const second = svc.start();
    d.calls[1]?.resolve(d.agent('http://127.0.0.1:2'));
    expect((await second).running).toBe(true);
  });

  it('stops an agent whose start finishes while the control plane stops, and refuses new starts', async () => {
    const d = deferredLaunch();
    const svc = new DemoNodeService(d.launch);
    const starting = svc.start();
    const stopping = svc.stop();
    d.calls[0]?.resolve(d.agent('http://127.0.0.1:3'));
    await expect(starting).rejects.toThrow(/stopping/);
    await stopping;
    expect(d.stopped).toEqual(['http://127.0.0.1:3']);
    expect(svc.status()).toMatchObject({ running: false, agent_url: null });
    await expect(svc.start()).rejects.toThrow(/stopping/);
  });
});
