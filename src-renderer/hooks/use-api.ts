import { createContext, useContext } from 'react';
import type { ApiClient } from '../api/api-client.js';

export const ApiContext = createContext<ApiClient | null>(null);

/** The console's API client (for actions; state comes from the store). */
export function useApi(): ApiClient {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi must be used inside <ApiContext.Provider>');
  return api;
}
