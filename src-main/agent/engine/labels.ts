import {
  LaunchManifestSchema,
  type LaunchManifest,
} from '../../shared/agent-protocol/deployments.js';

/** Label that marks every container the agent launched (adoption lists by it). */
export const MANAGED_LABEL = 'aerie.managed';

/** Container labels of a deployment. Only env keys travel in the manifest; values stay in state.json. */
export function deploymentLabels(
  key: string,
  port: number,
  version: string,
  runtime: string,
  manifest: LaunchManifest,
): Record<string, string> {
  return {
    [MANAGED_LABEL]: 'true',
    'aerie.key': key,
    'aerie.port': String(port),
    'aerie.version': version,
    'aerie.runtime': runtime,
    'aerie.launch': JSON.stringify(manifest),
  };
}

/** What adoption reads back from a managed container's labels. */
export interface ParsedLabels {
  key: string;
  port: number;
  version: string;
  manifest: LaunchManifest;
}

/** Parses the labels of a managed container; null when they are missing or malformed. */
export function parseDeploymentLabels(labels: Record<string, string>): ParsedLabels | null {
  const key = labels['aerie.key'];
  const port = Number(labels['aerie.port']);
  const raw = labels['aerie.launch'];
  if (labels[MANAGED_LABEL] !== 'true' || !key || !Number.isInteger(port) || raw === undefined)
    return null;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return null;
  }
  const m = LaunchManifestSchema.safeParse(json);
  if (!m.success) return null;
  return { key, port, version: labels['aerie.version'] ?? '', manifest: m.data };
}
