import { ErrorBanner } from '../components/error-banner.js';
import { HeaderBar } from '../components/header-bar.js';
import { LoopsPanel } from '../components/loops-panel.js';
import { SettingsTable } from '../components/settings-table.js';
import { TokenPrompt } from '../components/token-prompt.js';
import { useConsole } from '../hooks/use-console.js';

export function ConsolePage() {
  const authRequired = useConsole((s) => s.authRequired);
  return (
    <div className="page" data-testid="console-page">
      <HeaderBar />
      <main className="content">
        <ErrorBanner />
        <LoopsPanel />
        <SettingsTable />
      </main>
      {authRequired ? <TokenPrompt /> : null}
    </div>
  );
}
