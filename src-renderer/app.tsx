import { useEffect, useState } from 'react';
import { createApiClient } from './api/api-client.js';
import { ConsoleContext } from './hooks/use-console.js';
import { ConsolePage } from './pages/console-page.js';
import { createConsoleStore } from './store/console-store.js';

export function App() {
  const [store] = useState(() => createConsoleStore(createApiClient()));
  useEffect(() => store.getState().start(), [store]);
  return (
    <ConsoleContext.Provider value={store}>
      <ConsolePage />
    </ConsoleContext.Provider>
  );
}
