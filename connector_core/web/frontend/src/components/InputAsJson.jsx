// The input as JSON text, for batches a form is slow to fill in (25 events, say): paste,
// then "Use this JSON" puts it in the form, where it is checked like typed input. Opening
// seeds the text with the form's values unless something was typed: the toggle event comes
// after the click, so a fast paste would otherwise be overwritten by the seed.
// `onSubmit` (with `submitLabel`) adds a button that sends the JSON as it is, without
// rendering it into the form first: a form of thousands of entries would take minutes to
// draw, and the server checks the input anyway (its field errors are shown).
import { useState } from "react";

export function InputAsJson({ value, onUse, onSubmit, submitLabel }) {
  const [text, setText] = useState("");
  const [edited, setEdited] = useState(false);
  const [problem, setProblem] = useState(null);
  const parsed = () => {
    try {
      const data = JSON.parse(text);
      if (!data || typeof data !== "object" || Array.isArray(data)) throw new Error("the input must be a JSON object");
      setProblem(null);
      return data;
    } catch (e) {
      setProblem(e.message);
      return null;
    }
  };
  const use = () => { const data = parsed(); if (data) onUse(data); };
  const send = () => { const data = parsed(); if (data) onSubmit(data); };
  return (
    <details className="input-json" onToggle={(e) => e.target.open && !edited && setText(JSON.stringify(value ?? {}, null, 2))}>
      <summary>Input as JSON</summary>
      <textarea id="input-json" aria-label="Input as JSON" spellCheck={false} value={text} onChange={(e) => { setEdited(true); setText(e.target.value); }} />
      <button type="button" id="use-input-json" onClick={use}>Use this JSON</button>
      {onSubmit && <>{" "}<button type="button" id="submit-input-json" onClick={send}>{submitLabel}</button></>}
      {problem && <p className="error-detail" role="alert">Not valid JSON: {problem}</p>}
    </details>
  );
}
