import { MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { useEffect, useState } from 'react';
import type { ApiClient } from './api/api-client.js';
import { TokenPrompt } from './components/token-prompt.js';
import { ApiContext } from './hooks/use-api.js';
import { ConsoleContext, useConsole } from './hooks/use-console.js';
import { AppLayout } from './layout/app-layout.js';
import { notifyWarn } from './notify.js';
import { createConsoleStore } from './store/console-store.js';
import { theme } from './theme.js';

function Shell() {
  const authRequired = useConsole((s) => s.authRequired);
  return (
    <div data-testid="console-page">
      <AppLayout />
      {authRequired ? <TokenPrompt /> : null}
    </div>
  );
}

/** The console; `api` is the page's one client (the first-run panel shares its event stream). */
export function App({ api }: { api: ApiClient }) {
  const [store] = useState(() => createConsoleStore(api, { warn: notifyWarn }));
  useEffect(() => store.getState().start(), [store]);
  return (
    // The CSP allows no inline <style>: Mantine's variables and global classes come from its CSS.
    <MantineProvider
      theme={theme}
      defaultColorScheme="dark"
      withCssVariables={false}
      withGlobalClasses={false}
    >
      <Notifications position="bottom-right" />
      <ApiContext.Provider value={api}>
        <ConsoleContext.Provider value={store}>
          <Shell />
        </ConsoleContext.Provider>
      </ApiContext.Provider>
    </MantineProvider>
  );
}
