// Keeps a Model in step with the master through the operator event stream:
// POST /api/v1 {type: SUBSCRIBE}, a RecordIO stream whose first event,
// SUBSCRIBED, carries the whole state and whose later events are changes.
// When the stream ends or fails (the master stopped, or a failover), or
// stays silent for three heartbeat intervals, it subscribes again with
// backoff (0.5 s doubling to 10 s, reset once a stream is up); the next
// SUBSCRIBED replaces the model. Events are handed to the model as they
// come; re-rendering is throttled elsewhere (app.js).
// A master that does not serve SUBSCRIBE (501: older than the event
// stream) is polled instead: GET_STATE every POLL_MS, shown as 'polling'.
import { operatorCall, subscribe } from './api.js';
import { RecordIODecoder } from './recordio.js';

const MIN_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 10000;
const POLL_MS = 2000;

// onChange(events, ms) after each batch of events (how many, and the
// milliseconds the model took to apply them); onStatus(state, text) with state
// one of 'connecting', 'live', 'polling', 'down'. `api` replaces the calls
// to the master (for tests). Returns stop().
export function startFeed(model, onChange, onStatus, api = { subscribe, operatorCall }) {
  let backoff = MIN_BACKOFF_MS;
  let polling = false;
  let stopped = false;
  let current = null;  // the AbortController of the stream open now
  let wake = null;     // ends the wait between attempts
  const pause = (ms) => new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    wake = () => {
      clearTimeout(timer);
      resolve();
    };
  });

  async function connectOnce() {
    const abort = new AbortController();
    current = abort;
    let watchdog = null;
    const arm = (seconds) => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => abort.abort(new Error('no heartbeat from the master')), seconds * 3000);
    };
    try {
      if (!polling) onStatus('connecting', 'connecting…');
      const response = await api.subscribe(abort.signal);
      const reader = response.body.getReader();
      const decoder = new RecordIODecoder();
      let heartbeat = 15;
      arm(heartbeat);
      for (;;) {
        const { value, done } = await reader.read();
        if (done) throw new Error('the master ended the event stream');
        arm(heartbeat);
        const start = performance.now();
        const records = decoder.push(value);
        for (const record of records) {
          const event = JSON.parse(record);
          if (event.type === 'SUBSCRIBED') {
            heartbeat = event.subscribed.heartbeat_interval_seconds || heartbeat;
            arm(heartbeat);
            backoff = MIN_BACKOFF_MS;
            polling = false;
            onStatus('live', 'live');
          }
          model.apply(event);
        }
        onChange(records.length, performance.now() - start);
      }
    } finally {
      clearTimeout(watchdog);
      abort.abort();
    }
  }

  async function pollOnce() {
    polling = true;
    try {
      const response = await api.operatorCall({ type: 'GET_STATE' });
      const start = performance.now();
      model.load(response.get_state);
      onChange(1, performance.now() - start);
      onStatus('polling', 'polling (this master has no event stream)');
    } catch (error) {
      onStatus('down', `disconnected (${error.message})`);
    }
    await pause(POLL_MS);
  }

  (async () => {
    while (!stopped) {
      try {
        await connectOnce();
      } catch (error) {
        if (stopped) break;
        if (error.status === 501) {
          await pollOnce();
          continue;
        }
        const seconds = (backoff / 1000).toFixed(1);
        onStatus('down', `disconnected (${error.message}); retrying in ${seconds} s`);
        console.warn('tepui: event stream:', error);
      }
      await pause(backoff);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  })();
  return () => {
    stopped = true;
    current?.abort();
    wake?.();
  };
}
