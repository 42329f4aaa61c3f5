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

/** The current screen, following hash changes. */
export function useScreen(): Screen {
  const [screen, setScreen] = useState(() => screenOf(location.hash));
  useEffect(() => {
    const onHash = () => setScreen(screenOf(location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  return screen;
}
