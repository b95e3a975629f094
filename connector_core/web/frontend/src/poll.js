// Polling a JSON resource while it is live: the next read is scheduled after the last one
// answered (never two at once), sooner while things change, backing off while they do not.
import { useEffect, useRef, useState } from "react";
import { api } from "./api.js";

export const FIRST_DELAY = 400;
export const MAX_DELAY = 3000;

/** `{data, error, reload}` of GET `path`, re-read while `isLive(data)`; a new path starts over. */
export function usePolling(path, isLive) {
  const [state, setState] = useState({ data: null, error: null });
  const [generation, setGeneration] = useState(0);
  const liveRef = useRef(isLive);
  liveRef.current = isLive;
  useEffect(() => {
    let stopped = false;
    let timer = null;
    let delay = FIRST_DELAY;
    let last = null;
    const read = async () => {
      try {
        const data = await api.get(path);
        if (stopped) return;
        const text = JSON.stringify(data);
        delay = text === last ? Math.min(MAX_DELAY, Math.round(delay * 1.6)) : FIRST_DELAY;
        last = text;
        setState({ data, error: null });
        if (liveRef.current(data)) timer = setTimeout(read, delay);
      } catch (error) {
        if (stopped) return;
        setState((s) => ({ data: s.data, error }));
        delay = Math.min(MAX_DELAY, delay * 2);
        if (error.status === 0 || error.status >= 500) timer = setTimeout(read, delay);  // the host may be back soon
      }
    };
    read();
    return () => { stopped = true; clearTimeout(timer); };
  }, [path, generation]);
  return { ...state, reload: () => setGeneration((g) => g + 1) };
}
