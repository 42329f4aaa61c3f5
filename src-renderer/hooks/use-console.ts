import { createContext, useContext } from 'react';
import type { ConsoleState, ConsoleStore } from '../store/console-store.js';

export const ConsoleContext = createContext<ConsoleStore | null>(null);

/** Reads a slice of the console store; select primitives or stable references only. */
export function useConsole<T>(selector: (state: ConsoleState) => T): T {
  const store = useContext(ConsoleContext);
  if (!store) throw new Error('useConsole must be used inside <ConsoleContext.Provider>');
  return store(selector);
}
