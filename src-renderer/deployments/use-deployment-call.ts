import { useCallback, useContext } from 'react';
import { DeploymentReadSchema, type DeploymentRead } from '../../src-main/shared/deployments.js';
import { ConsoleContext } from '../hooks/use-console.js';
import { useApi } from '../hooks/use-api.js';
import { attempt, notifyOk } from '../notify.js';

/** A POST to `/api/deployments/…` answering a row: the row goes into the store at once. */
export function useDeploymentCall() {
  const api = useApi();
  const store = useContext(ConsoleContext);
  return useCallback(
    async (
      title: string,
      path: string,
      body: unknown,
      done?: string,
    ): Promise<DeploymentRead | null> => {
      const row = await attempt(title, () =>
        api.send('POST', `/api/deployments/${path}`, DeploymentReadSchema, { body }),
      );
      if (row) {
        store?.getState().putDeployment(row);
        if (done) notifyOk(done);
      }
      return row;
    },
    [api, store],
  );
}
