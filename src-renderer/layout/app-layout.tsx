import { NavLink, Stack } from '@mantine/core';
import { DeploymentsPage } from '../deployments/deployments-page.js';
import { KeysPage } from '../keys/keys-page.js';
import { NodesPage } from '../nodes/nodes-page.js';
import { SettingsPage } from '../settings/settings-page.js';
import { UsagePage } from '../usage/usage-page.js';
import { HeaderBar } from '../components/header-bar.js';
import { ErrorBanner } from '../components/error-banner.js';
import { SCREENS, SCREEN_LABELS, useScreen, type Screen } from './routes.js';

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
          <ScreenView screen={screen} />
        </main>
      </div>
    </div>
  );
}
