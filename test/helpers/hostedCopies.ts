import type { RunningVigil } from '../../src/app.js';

/** The copies of models a node's runtime has loaded and not stopped, counted around the real runtime. */
export interface HostedCopies {
  /** Loads that finished. */
  loads: number;
  /** Copies loaded and not stopped since. */
  live: Set<unknown>;
  /** Lets the loads held back by `holdLoads` go on. */
  releaseLoads(): void;
  /** Puts the runtime back as it was. */
  restore(): void;
}

/**
 * Watches the node's own model runtime (the one its hosting uses): each load and each stop is counted.
 * With holdLoads, a load waits for releaseLoads() before it starts, so a test can send requests while
 * a start is known to be loading.
 */
export function watchHostedCopies(vigil: RunningVigil, options: { holdLoads?: boolean } = {}): HostedCopies {
  // biome-ignore lint/complexity/useLiteralKeys: deps is private; the test watches the node's own runtime.
  const runtime = vigil.services.hosting['deps'].runtime;
  const host = runtime.host;
  let release!: () => void;
  const released = options.holdLoads ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve();
  const copies: HostedCopies = {
    loads: 0,
    live: new Set(),
    releaseLoads: () => release?.(),
    restore: () => {
      runtime.host = host;
    },
  };
  runtime.host = async (artifact, units) => {
    await released;
    const hosted = await host(artifact, units);
    copies.loads++;
    copies.live.add(hosted);
    const stop = hosted.stop.bind(hosted);
    hosted.stop = async () => {
      copies.live.delete(hosted);
      await stop();
    };
    return hosted;
  };
  return copies;
}
