import { describe, expect, it } from 'vitest';
import { buildRoutes, routeBanner } from '../../src-main/sim/server.js';

const BASE_BANNER = [
  'Route: /health, Methods: GET',
  'Route: /ping, Methods: GET',
  'Route: /ping, Methods: POST',
  'Route: /load, Methods: GET',
  'Route: /version, Methods: GET',
  'Route: /v1/models, Methods: GET',
  'Route: /tokenize, Methods: POST',
  'Route: /detokenize, Methods: POST',
  'Route: /v1/chat/completions, Methods: POST',
  'Route: /v1/completions, Methods: POST',
  'Route: /v1/embeddings, Methods: POST',
  'Route: /metrics, Methods: GET',
];

describe('vllm-sim route list and start-up banner', () => {
  it('lists one line per registered route of a default server, in registration order', () => {
    const routes = buildRoutes({ devMode: false, allowRuntimeLora: false });
    expect(routeBanner(routes)).toEqual(BASE_BANNER);
  });

  it('adds the dev-mode routes under VLLM_SERVER_DEV_MODE and the LoRA admin routes after them', () => {
    const routes = buildRoutes({ devMode: true, allowRuntimeLora: true });
    expect(routeBanner(routes)).toEqual([
      ...BASE_BANNER,
      'Route: /sleep, Methods: POST',
      'Route: /wake_up, Methods: POST',
      'Route: /is_sleeping, Methods: GET',
      'Route: /reset_prefix_cache, Methods: POST',
      'Route: /collective_rpc, Methods: POST',
      'Route: /server_info, Methods: GET',
      'Route: /v1/load_lora_adapter, Methods: POST',
      'Route: /v1/unload_lora_adapter, Methods: POST',
    ]);
  });

  it('serves /metrics/ as an alias of /metrics that the banner does not list', () => {
    const routes = buildRoutes({ devMode: false, allowRuntimeLora: false });
    const metrics = routes.filter((r) => r.path === '/metrics' || r.aliases.length > 0);
    expect(metrics.map((r) => [r.path, r.aliases])).toEqual([['/metrics', ['/metrics/']]]);
  });
});
