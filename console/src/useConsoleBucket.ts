import { createContext, useContext } from 'react';

/** The console bucket as every page sees it: undefined while it is looked up, null when there is none yet. */
export interface ConsoleBucketState {
  bucket: string | null | undefined;
  /** Opens the first-run set-up, for a page that needs the bucket. */
  requestSetup(): void;
}

export const ConsoleBucketContext = createContext<ConsoleBucketState>({ bucket: undefined, requestSetup: () => undefined });

export function useConsoleBucket(): ConsoleBucketState {
  return useContext(ConsoleBucketContext);
}
