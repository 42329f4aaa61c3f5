import { Alert } from '@mantine/core';
import { useConsole } from '../hooks/use-console.js';

/** The last failure of a background refresh (a toast would repeat every poll). */
export function ErrorBanner() {
  const error = useConsole((s) => s.error);
  if (!error) return null;
  return (
    <Alert color="red" mb="sm" role="alert" data-testid="error-banner">
      {error}
    </Alert>
  );
}
