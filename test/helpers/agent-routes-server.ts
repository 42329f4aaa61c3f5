import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, lstatSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { loadAgentConfig } from '../../src-main/agent/config.js';
import { statfsFreeBytes } from '../../src-main/agent/files/file-deps.js';
import { startAgent, type RunningAgent } from '../../src-main/agent/bootstrap.js';
import { defaultHfCacheDir } from '../../src-main/agent/data-dir.js';
import type { TransferRecord } from '../../src-main/shared/agent-protocol/files.js';

/** A real agent (in this process, loopback, port 0) serving the file routes over a temp data dir. */
export interface FilesAgent {
  url: string;
  dataDir: string;
  hfCacheDir: string;
  /** An external `--model-dirs` base. */
  externalDir: string;
  /** Names and paths reported as in use by a deployment. */
  inUse: Set<string>;
  /** Overrides the free-disk figure when set (bytes). */
  free: { bytes: number | null };
  /** Overrides the clock when set (epoch ms). */
  clock: { now: number | null };
  progress: TransferRecord[];
  agent: RunningAgent;
  stop(): Promise<void>;
}

/**
 * Starts the agent with the files feature plugged in, as the lead wires it (one plug-in), over a
 * temp dir made under `opts.under` (default: the system temp dir).
 */
export async function startFilesAgent(opts: { under?: string } = {}): Promise<FilesAgent> {
  const root = mkdtempSync(join(opts.under ?? tmpdir(), 'aerie-files-'));
  const dataDir = join(root, 'data');
  const externalDir = join(root, 'external');
  mkdirSync(externalDir, { recursive: true });
  const loaded = loadAgentConfig(
    [
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--insecure',
      '--data-dir',
      dataDir,
      '--model-dirs',
      externalDir,
    ],
    {},
  );
  if (!loaded.ok) throw new Error(loaded.problems.join('; '));
  const config = { ...loaded.config, hfCacheDir: defaultHfCacheDir(dataDir) };
  const inUse = new Set<string>();
  const free: { bytes: number | null } = { bytes: null };
  const clock: { now: number | null } = { now: null };
  const progress: TransferRecord[] = [];
  const agent = await startAgent(config, {
    gpus: { list: () => Promise.resolve([]), computeApps: () => Promise.resolve([]) },
    files: {
      isModelInUse: (n) => inUse.has(n),
      freeBytes: (dir) =>
        free.bytes === null ? statfsFreeBytes(dir) : Promise.resolve(free.bytes),
      now: () => clock.now ?? Date.now(),
      onTransferProgress: (t) => progress.push(t),
    },
  });
  return {
    url: agent.url,
    dataDir,
    hfCacheDir: config.hfCacheDir,
    externalDir,
    inUse,
    free,
    clock,
    progress,
    agent,
    stop: async () => {
      await agent.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** A response: status and the parsed JSON body (or text). */
export interface RawResponse {
  status: number;
  body: unknown;
  detail: string;
}

/**
 * Sends a request with the path exactly as given (no client-side dot-segment normalisation, unlike
 * fetch), so traversal attempts reach the server untouched.
 */
export function rawRequest(
  base: string,
  method: string,
  path: string,
  body?: Buffer | string | Readable,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // Not JSON: keep the text.
        }
        const detail =
          typeof parsed === 'object' && parsed !== null && 'detail' in parsed
            ? JSON.stringify(parsed.detail)
            : '';
        resolve({ status: res.statusCode ?? 0, body: parsed, detail });
      });
    });
    req.on('error', reject);
    if (body === undefined) req.end();
    else if (typeof body === 'string' || Buffer.isBuffer(body)) req.end(body);
    else body.pipe(req);
  });
}

/** JSON request helper over `rawRequest`. */
export function jsonRequest(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<RawResponse> {
  if (body === undefined) return rawRequest(base, method, path);
  const text = JSON.stringify(body);
  return rawRequest(base, method, path, text, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
  });
}

/** Every path under `dir` with its type and size, sorted: equal snapshots mean nothing on disk changed. */
export function snapshotTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      const full = join(d, n);
      const st = lstatSync(full);
      const r = rel ? `${rel}/${n}` : n;
      out.push(
        `${r} ${st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'link' : 'file'} ${st.isDirectory() ? 0 : st.size}`,
      );
      if (st.isDirectory()) walk(full, r);
    }
  };
  walk(dir, '');
  return out.sort();
}

/** Writes `files` (relative path → content) under `dir`. */
export function writeTree(dir: string, files: Record<string, string | Buffer>): void {
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), content);
  }
}

/** Builds an archive with the system `tar` (gzip) or python3's zipfile from the files under `srcDir`. */
export function buildArchive(
  srcDir: string,
  out: string,
  kind: 'tar.gz' | 'zip',
  tarArgs: string[] = [],
): void {
  if (kind === 'tar.gz') {
    execFileSync('tar', ['-czf', out, ...tarArgs, '-C', srcDir, '.']);
    return;
  }
  const py = `import os,sys,zipfile
src,out=sys.argv[1],sys.argv[2]
with zipfile.ZipFile(out,'w',zipfile.ZIP_DEFLATED) as z:
  for root,dirs,files in os.walk(src):
    for f in files:
      p=os.path.join(root,f); z.write(p, os.path.relpath(p,src))`;
  execFileSync('python3', ['-c', py, srcDir, out]);
}

/** Builds a zip from explicit members with python3 (names are written verbatim, so hostile ones are possible). */
export function buildZip(
  out: string,
  members: { name: string; data?: string; symlinkTo?: string }[],
  opts: { zip64?: boolean; stored?: boolean } = {},
): void {
  const py = `import json,sys,zipfile
out,spec,z64,stored=sys.argv[1],json.load(sys.stdin),sys.argv[2]=='1',sys.argv[3]=='1'
if z64:
  zipfile.ZIP64_LIMIT=8
  zipfile.ZIP_FILECOUNT_LIMIT=1
with zipfile.ZipFile(out,'w',zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED) as z:
  for m in spec:
    i=zipfile.ZipInfo(m['name'])
    i.create_system=3
    i.compress_type=zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    if 'symlinkTo' in m:
      i.external_attr=(0o120777<<16)
      z.writestr(i,m['symlinkTo'])
    else:
      i.external_attr=(0o100644<<16)
      z.writestr(i,m.get('data',''))`;
  execFileSync('python3', ['-c', py, out, opts.zip64 ? '1' : '0', opts.stored ? '1' : '0'], {
    input: JSON.stringify(members),
  });
}
