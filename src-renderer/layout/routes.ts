// The console's screens, addressed by the URL hash (`#/nodes`) so a reload stays on the screen.
import { useEffect, useState } from 'react';

export const SCREENS = ['deployments', 'nodes', 'keys', 'usage', 'settings'] as const;
export type Screen = (typeof SCREENS)[number];

export const SCREEN_LABELS: Record<Screen, string> = {
  deployments: 'Deployments',
  nodes: 'Nodes',
  keys: 'API keys',
  usage: 'Usage',
  settings: 'Settings',
};

/** The screen a hash names; Deployments when it names none. */
export function screenOf(hash: string): Screen {
  const name = hash.replace(/^#\/?/, '').split('/')[0] ?? '';
  return (SCREENS as readonly string[]).includes(name) ? (name as Screen) : 'deployments';
}

/**
 * The deployment `#/deployments/<id>` points at (the desktop notifications open it): the raw
 * segment, so a malformed one can be told apart from none; null without one.
 */
export function deploymentFocusOf(hash: string): string | null {
  const [name, focus] = hash.replace(/^#\/?/, '').split('/');
  if (name !== 'deployments' || !focus) return null;
  try {
    return decodeURIComponent(focus);
  } catch {
    // A malformed escape: shown as typed.
    return focus;
  }
}

/** The current URL hash, following changes. */
function useHash(): string {
  const [hash, setHash] = useState(() => location.hash);
  useEffect(() => {
    const onHash = () => setHash(location.hash);
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  return hash;
}

/** The current screen, following hash changes. */
export function useScreen(): Screen {
  return screenOf(useHash());
}

/** The deployment the route points at (`deploymentFocusOf`), following hash changes. */
export function useDeploymentFocus(): string | null {
  return deploymentFocusOf(useHash());
}
