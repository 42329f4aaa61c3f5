import type { NodeMaintenance, NodeRead } from '../shared/nodes.js';
import type { NodeService } from './node.service.js';

/** Stops the active deployments of a node whose GPUs intersect `gpus`; returns their ids. */
export type Drainer = (nodeId: number, gpus: readonly number[]) => Promise<number[]>;

/**
 * GPU maintenance (behaviour.md §4.4): cordon or uncordon GPUs, and with `drain` stop the active
 * deployments on the GPUs this call newly cordoned. The drain is the deployments' to do; this is
 * the one place that asks for it.
 */
export class MaintenanceService {
  constructor(
    private readonly nodes: NodeService,
    private readonly drainer: Drainer | null,
  ) {}

  async apply(nodeId: number, req: NodeMaintenance): Promise<NodeRead> {
    const { node, newlyCordoned } = await this.nodes.setMaintenance(
      nodeId,
      req.gpu_ids,
      req.enabled,
    );
    if (req.enabled && req.drain && newlyCordoned.length > 0 && this.drainer)
      await this.drainer(nodeId, newlyCordoned);
    return node;
  }
}
