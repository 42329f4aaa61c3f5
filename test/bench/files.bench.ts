// Model-file transfer benchmark: a streamed folder-upload file and an archive upload, each measured
// against a plain local baseline in the same run (fs.copyFile / a stream copy; `tar -xzf`), and the
// agent's RSS growth while it streams. The agent's file routes run in a child process.
// BENCH_BYTES sets the payload size (default 2 GiB).
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { filesFeature } from '../../src-main/agent/files/files-feature.js';
import { createAgentServer, listenAgent } from '../../src-main/agent/http/agent-server.js';
import { createAgentLogger } from '../../src-main/agent/logs/agent-logger.js';

const BYTES = Number(process.env.BENCH_BYTES ?? 2 * 1024 ** 3);

async function serve(dataDir: string): Promise<void> {
  const feature = filesFeature({
    dataDir,
    hfCacheDir: join(dataDir, 'hf-cache'),
    modelDirs: [],
    isModelInUse: () => false,
  });
  await feature.start?.();
  const { server } = createAgentServer(feature.routes, {
    clusterToken: undefined,
    logger: createAgentLogger('http'),
  });
  const port = await listenAgent(server, '127.0.0.1', 0);
  process.stdout.write(`listening ${port}\n`);
}

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) * 1024;
}

function send(
  port: number,
  method: string,
  path: string,
  body: string | NodeJS.ReadableStream,
  length: number,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        headers: { 'content-length': String(length), 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    if (typeof body === 'string') req.end(body);
    else body.pipe(req);
  });
}

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const r = await fn();
  return [(performance.now() - t0) / 1000, r];
}

async function writePayload(file: string): Promise<void> {
  const block = randomBytes(8 * 1024 * 1024);
  const out = createWriteStream(file);
  for (let done = 0; done < BYTES; done += block.length) {
    if (!out.write(block.subarray(0, Math.min(block.length, BYTES - done))))
      await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'aerie-bench-files-'));
  const dataDir = join(work, 'data');
  const child = spawn(process.execPath, [process.argv[1] ?? '', 'serve', dataDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, AERIE_LOG_LEVEL: 'warn' },
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        const m = /listening (\d+)/.exec(d.toString());
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
    });
    const src = join(work, 'payload.bin');
    await writePayload(src);
    const gib = (BYTES / 1024 ** 3).toFixed(2);
    const mbps = (s: number) => `${(BYTES / 1e6 / s).toFixed(0)} MB/s`;
    console.log(`payload ${gib} GiB`);

    const [copyS] = await timed(() => copyFile(src, join(work, 'copy.bin')));
    rmSync(join(work, 'copy.bin'));
    const [streamS] = await timed(() =>
      pipeline(createReadStream(src), createWriteStream(join(work, 'copy2.bin'))),
    );
    rmSync(join(work, 'copy2.bin'));

    const begun = await send(
      port,
      'POST',
      '/local-models/upload/begin',
      JSON.stringify({ name: 'bench', total_bytes: BYTES, file_count: 1 }),
      Buffer.byteLength(JSON.stringify({ name: 'bench', total_bytes: BYTES, file_count: 1 })),
    );
    const sid = (JSON.parse(begun.text) as { session_id: string }).session_id;
    const rss0 = rssBytes(child.pid ?? 0);
    let peak = rss0;
    const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(child.pid ?? 0))), 50);
    const [uploadS, put] = await timed(() =>
      send(
        port,
        'PUT',
        `/local-models/upload/${sid}/file?path=payload.bin`,
        createReadStream(src, { highWaterMark: 1024 * 1024 }),
        BYTES,
      ),
    );
    clearInterval(sampler);
    if (put.status !== 200) throw new Error(`upload failed: ${put.status} ${put.text}`);
    const fin = await send(port, 'POST', `/local-models/upload/${sid}/finish`, '{}', 2);
    if (fin.status !== 200) throw new Error(`finish failed: ${fin.text}`);
    console.log(`fs.copyFile            ${copyS.toFixed(2)} s  ${mbps(copyS)}`);
    console.log(`stream copy            ${streamS.toFixed(2)} s  ${mbps(streamS)}`);
    console.log(
      `PUT …/file upload      ${uploadS.toFixed(2)} s  ${mbps(uploadS)}   ratio vs copyFile ${((copyS / uploadS) * 100).toFixed(0)} %, vs stream copy ${((streamS / uploadS) * 100).toFixed(0)} % (target ≥ 80 %)`,
    );
    console.log(
      `agent RSS              ${(rss0 / 1e6).toFixed(0)} MB before, peak ${(peak / 1e6).toFixed(0)} MB, growth ${((peak - rss0) / 1e6).toFixed(1)} MB (target ≤ 64 MB)`,
    );
    rmSync(join(dataDir, 'models', 'bench'), { recursive: true, force: true });

    const tree = join(work, 'tree', 'model');
    mkdirSync(tree, { recursive: true });
    execFileSync('mv', [src, join(tree, 'weights.bin')]);
    const tgz = join(work, 'model.tar.gz');
    execFileSync('sh', ['-c', `tar -cf - -C '${join(work, 'tree')}' model | gzip -1 > '${tgz}'`]);
    const size = statSync(tgz).size;
    const untar = join(work, 'untar');
    mkdirSync(untar);
    const [tarS] = await timed(() =>
      Promise.resolve(execFileSync('tar', ['-xzf', tgz, '-C', untar])),
    );
    rmSync(untar, { recursive: true });
    peak = rssBytes(child.pid ?? 0);
    const rss1 = peak;
    const sampler2 = setInterval(() => (peak = Math.max(peak, rssBytes(child.pid ?? 0))), 50);
    const [archS, arch] = await timed(() =>
      send(
        port,
        'POST',
        '/local-models/archive?name=bench-arch&filename=model.tar.gz',
        createReadStream(tgz, { highWaterMark: 1024 * 1024 }),
        size,
      ),
    );
    clearInterval(sampler2);
    if (arch.status !== 200) throw new Error(`archive upload failed: ${arch.status} ${arch.text}`);
    console.log(`tar -xzf               ${tarS.toFixed(2)} s`);
    console.log(
      `archive upload+extract ${archS.toFixed(2)} s   ratio ${((tarS / archS) * 100).toFixed(0)} %   RSS growth ${((peak - rss1) / 1e6).toFixed(1)} MB`,
    );
  } finally {
    child.kill('SIGTERM');
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'serve') await serve(process.argv[3] ?? '');
else await main();
