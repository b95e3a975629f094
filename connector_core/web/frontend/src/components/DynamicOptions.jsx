// "Load choices for FIELD" buttons for fields with `options: dynamic`: the draft connection
// goes to the host, which reads the choices from the account it names.
import { useState } from "react";
import { api, paths } from "../api.js";

export function DynamicOptions({ fields, connectorId, operation, connectionDraft, onLoaded, note }) {
  const [notes, setNotes] = useState({});
  if (fields.length === 0) return null;
  const load = async (key) => {
    const field = operation ? `${operation}.${key}` : key;
    setNotes((n) => ({ ...n, [key]: "loading…" }));
    try {
      const data = await api.post(paths.options(connectorId, field), { connection: connectionDraft });
      onLoaded(key, data.options);
      setNotes((n) => ({ ...n, [key]: `${data.options.length} choices loaded` }));
    } catch (error) {
      const detail = error.errors ? ": " + Object.entries(error.errors).map(([p, m]) => `${p} ${m.join("; ")}`).join(", ") : "";
      setNotes((n) => ({ ...n, [key]: `${error.message}${detail}` }));
    }
  };
  return (
    <div className="dynamic-options">
      {fields.map((key) => (
        <p key={key}>
          <button type="button" id={`load-options-${key}`} onClick={() => load(key)}>
            Load choices for {key}
          </button>{" "}
          <span className="muted" id={`options-note-${key}`}>{notes[key] || note}</span>
        </p>
      ))}
    </div>
  );
}
