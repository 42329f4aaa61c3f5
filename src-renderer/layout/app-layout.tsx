import { Loader, NavLink, Stack } from '@mantine/core';
import { lazy, Suspense } from 'react';
import { DeploymentsPage } from '../deployments/deployments-page.js';
import { HeaderBar } from '../components/header-bar.js';
import { ErrorBanner } from '../components/error-banner.js';
import { SCREENS, SCREEN_LABELS, useScreen, type Screen } from './routes.js';

// The other screens load on first visit: the Deployments screen (where the console opens) does
// not parse their code, nor uPlot's (the node charts), nor the settings editor's.
const NodesPage = lazy(() =>
  import('../nodes/nodes-page.js').then((m) => ({ default: m.NodesPage })),
);
const KeysPage = lazy(() => import('../keys/keys-page.js').then((m) => ({ default: m.KeysPage })));
const UsagePage = lazy(() =>
  import('../usage/usage-page.js').then((m) => ({ default: m.UsagePage })),
);
const SettingsPage = lazy(() =>
  import('../settings/settings-page.js').then((m) => ({ default: m.SettingsPage })),
);

function ScreenView({ screen }: { screen: Screen }) {
  switch (screen) {
    case 'deployments':
      return <DeploymentsPage />;
    case 'nodes':
      return <NodesPage />;
    case 'keys':
      return <KeysPage />;
    case 'usage':
      return <UsagePage />;
    case 'settings':
      return <SettingsPage />;
  }
}

/** Header, navigation on the left, the current screen in the middle. */
export function AppLayout() {
  const screen = useScreen();
  // A plain flex layout: Mantine's AppShell writes responsive <style> tags, which the CSP forbids.
  return (
    <div className="shell">
      <header className="shell-header">
        <HeaderBar />
      </header>
      <div className="shell-body">
        <nav className="shell-nav" aria-label="Screens">
          <Stack gap={2}>
            {SCREENS.map((s) => (
              <NavLink
                key={s}
                href={`#/${s}`}
                label={SCREEN_LABELS[s]}
                active={s === screen}
                aria-current={s === screen ? 'page' : undefined}
                data-testid={`nav-${s}`}
              />
            ))}
          </Stack>
        </nav>
        <main className="shell-main" data-testid={`screen-${screen}`}>
          <ErrorBanner />
          <Suspense fallback={<Loader size="sm" aria-label="Loading the screen" />}>
            <ScreenView screen={screen} />
          </Suspense>
        </main>
      </div>
    </div>
  );
}
