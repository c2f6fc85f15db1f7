/**
 * The real engine worker behind the page's typed client, for browser tests: every event is logged,
 * and `next` waits for the first one (after the `since`-th) that matches.
 */
import type { EngineEvent, EpPreference } from '../../src/engine/protocol';
import { createEngineClient } from '../../src/ui/engine-io/worker-client';

export function connectEngine(ep: EpPreference) {
  const events: EngineEvent[] = [];
  const waiters: { match: (e: EngineEvent) => boolean; resolve: (e: EngineEvent) => void }[] = [];
  const client = createEngineClient(
    (event) => {
      events.push(event);
      for (const w of waiters.filter((w) => w.match(event))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(event);
      }
    },
    { ackOn: 'delivery' },
  );
  client.send({ type: 'init', ep });
  const next = (match: (e: EngineEvent) => boolean, since = 0): Promise<EngineEvent> => {
    const seen = events.slice(since).find(match);
    return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ match, resolve }));
  };
  return { client, events, next };
}
