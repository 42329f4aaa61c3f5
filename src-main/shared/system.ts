// First-run API (not in the seed): what the desktop window and the web console show a new
// operator, and the in-process demo node the control plane owns.
import { z } from 'zod';

/** The demo node's state: the in-process agent with simulated GPUs that `POST /api/system/demo` starts. */
export const DemoNodeSchema = z
  .object({
    running: z.boolean(),
    /** The demo agent's own URL (loopback), null while it is not running. */
    agent_url: z.string().nullable(),
    node_name: z.string(),
    gpus: z.string(),
  })
  .meta({ id: 'DemoNode' });
export type DemoNode = z.infer<typeof DemoNodeSchema>;

/** `GET /api/system/setup`: everything needed to connect the first GPU host. */
export const SystemSetupSchema = z
  .object({
    /** Agents present it on every call; it is part of `agent_command`. */
    cluster_token: z.string(),
    /**
     * The admin token for `/api` clients on other machines; only returned to callers on this
     * machine (the desktop window, a browser on loopback), null for anyone else.
     */
    admin_token: z.string().nullable(),
    /** Where the admin token is and how it ends, for callers that do not get the token itself. */
    admin_token_hint: z.string(),
    /** The URL an agent on another host uses to reach this control plane. */
    control_plane_url: z.string(),
    /** The bundled agent (one file, needs Node ≥ 20), null when not shipped with this build. */
    agent_path: z.string().nullable(),
    /** The exact command to run on a GPU host, ready to paste into a POSIX shell. */
    agent_command: z.string(),
    /** How many nodes are registered; 0 means this is a first run. */
    node_count: z.number().int(),
    demo: DemoNodeSchema,
  })
  .meta({ id: 'SystemSetup' });
export type SystemSetup = z.infer<typeof SystemSetupSchema>;
