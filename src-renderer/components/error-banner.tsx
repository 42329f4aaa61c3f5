import { useConsole } from '../hooks/use-console.js';

export function ErrorBanner() {
  const error = useConsole((s) => s.error);
  if (!error) return null;
  return (
    <div className="banner" role="alert" data-testid="error-banner">
      {error}
    </div>
  );
}
