import type { DeploymentEngine } from '../engine/deployment-engine.js';
import { imageRoutes } from '../http/images.routes.js';
import { warmArtifactRoutes } from '../http/warm-artifacts.routes.js';
import type { AgentPluginFactory } from '../main.js';
import { ImageCache, type ImageRuntimes } from './image-cache.js';

export interface HousekeepingPluginOptions {
  runtimes: ImageRuntimes;
  /** The deployment engine (its plug-in must come first): what is tracked is not rogue. */
  engine: () => DeploymentEngine | undefined;
}

/** The image cache, warm-artifact and rogue-summary routes as an agent plug-in (no lifecycle). */
export function housekeepingPlugin(opts: HousekeepingPluginOptions): AgentPluginFactory {
  return (ctx) => {
    const engine = opts.engine();
    if (!engine) throw new Error('the housekeeping plug-in needs the deployment plug-in before it');
    return {
      routes: [
        ...imageRoutes(
          new ImageCache({ runtimes: opts.runtimes, imageRepo: ctx.config.imageRepo }),
        ),
        ...warmArtifactRoutes(engine.ctx),
      ],
    };
  };
}
