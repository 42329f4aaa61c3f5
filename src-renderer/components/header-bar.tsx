import { useConsole } from '../hooks/use-console.js';
import { HealthIndicator } from './health-indicator.js';
import { StreamIndicator } from './stream-indicator.js';

export function HeaderBar() {
  const version = useConsole((s) => s.health?.version ?? null);
  return (
    <header className="header" data-testid="header">
      <div className="brand">
        <img className="logo" src="./favicon.svg" alt="" width={28} height={28} />
        <span className="name">Aerie</span>
        <span className="version" data-testid="app-version">
          {version ? `v${version}` : ''}
        </span>
      </div>
      <div className="status">
        <HealthIndicator />
        <StreamIndicator />
      </div>
    </header>
  );
}
