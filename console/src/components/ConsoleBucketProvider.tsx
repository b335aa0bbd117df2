import { type ReactNode, useCallback, useEffect, useMemo, useState } from 'react';
import type { Notify } from '../App';
import { type Clients, errorText } from '../clients';
import { findConsoleBucket } from '../consoleBucket';
import { ConsoleBucketContext } from '../useConsoleBucket';
import { FirstRunSetup } from './FirstRunSetup';

/** Looks the console bucket up once per sign-in and offers the first-run set-up when there is none. */
export function ConsoleBucketProvider({ clients, notify, children }: { clients: Clients; notify: Notify; children: ReactNode }) {
  const [bucket, setBucket] = useState<string | null | undefined>();
  const [setupOpen, setSetupOpen] = useState(false);

  useEffect(() => {
    let current = true;
    findConsoleBucket(clients.s3)
      .then((found) => {
        if (!current) return;
        setBucket(found ?? null);
        if (!found) setSetupOpen(true);
      })
      .catch((e: unknown) => {
        if (!current) return;
        setBucket(null);
        notify('error', `Could not look for the console bucket. ${errorText(e)}`);
      });
    return () => {
      current = false;
    };
  }, [clients, notify]);

  const requestSetup = useCallback(() => setSetupOpen(true), []);
  const state = useMemo(() => ({ bucket, requestSetup }), [bucket, requestSetup]);
  return (
    <ConsoleBucketContext.Provider value={state}>
      {children}
      {setupOpen && (
        <FirstRunSetup
          clients={clients}
          onClose={(created) => {
            setSetupOpen(false);
            if (created) {
              setBucket(created);
              notify('success', `Console bucket ${created} created.`);
            }
          }}
        />
      )}
    </ConsoleBucketContext.Provider>
  );
}
