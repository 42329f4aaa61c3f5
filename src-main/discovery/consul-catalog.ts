// Reads the agents Consul knows (interfaces.md §6.2): `GET /v1/health/service/aerie-agent`, each
// entry's checks folded into one status. Optional: only with `--consul-url`.
import { z } from 'zod';
import { CONSUL_SERVICE_NAME } from '../shared/agent-protocol/announce.js';
import { errorMessage } from '../shared/errors.js';

/** One catalogued agent: its service id (= node name), address, port and check status. */
export interface ConsulHealth {
  serviceId: string;
  address: string;
  port: number;
  agentVersion: string | null;
  /** All checks passing, any critical, otherwise warning; null when it has no checks. */
  status: 'passing' | 'warning' | 'critical' | null;
}

const EntrySchema = z.object({
  Node: z.object({ Address: z.string() }).partial().optional(),
  Service: z.object({
    ID: z.string(),
    Address: z.string().optional(),
    Port: z.number().int(),
    Meta: z.record(z.string(), z.string()).nullable().optional(),
  }),
  Checks: z.array(z.object({ Status: z.string(), ServiceID: z.string().optional() })).default([]),
});

function foldChecks(checks: readonly { Status: string }[]): ConsulHealth['status'] {
  if (checks.length === 0) return null;
  if (checks.some((c) => c.Status === 'critical')) return 'critical';
  return checks.every((c) => c.Status === 'passing') ? 'passing' : 'warning';
}

/** Reads the catalog; throws with the cause when Consul cannot be reached or answers oddly. */
export async function readConsulCatalog(
  consulUrl: string,
  timeoutMs = 5000,
): Promise<Map<string, ConsulHealth>> {
  const url = `${consulUrl.replace(/\/+$/, '')}/v1/health/service/${CONSUL_SERVICE_NAME}`;
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new Error(`Consul at ${consulUrl} is unreachable: ${errorMessage(err)}`);
  }
  if (!res.ok) throw new Error(`Consul at ${consulUrl} answered ${res.status} for ${url}`);
  const parsed = z.array(EntrySchema).safeParse(await res.json());
  if (!parsed.success) throw new Error(`Consul at ${consulUrl} answered an unexpected catalog`);
  const out = new Map<string, ConsulHealth>();
  for (const e of parsed.data) {
    out.set(e.Service.ID, {
      serviceId: e.Service.ID,
      // An empty service address means the node's (interfaces.md §6.2).
      address: e.Service.Address || e.Node?.Address || '',
      port: e.Service.Port,
      agentVersion: e.Service.Meta?.agent_version ?? null,
      status: foldChecks(e.Checks),
    });
  }
  return out;
}
