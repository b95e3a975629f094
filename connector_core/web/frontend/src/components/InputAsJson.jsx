// The input as JSON text, for batches a form is slow to fill in (25 events, say): paste,
// then "Use this JSON" puts it in the form, where it is checked like typed input.
import { useState } from "react";

export function InputAsJson({ value, onUse }) {
  const [text, setText] = useState("");
  const [problem, setProblem] = useState(null);
  const use = () => {
    try {
      const data = JSON.parse(text);
      if (!data || typeof data !== "object" || Array.isArray(data)) throw new Error("the input must be a JSON object");
      setProblem(null);
      onUse(data);
    } catch (e) {
      setProblem(e.message);
    }
  };
  return (
    <details className="input-json" onToggle={(e) => e.target.open && setText(JSON.stringify(value ?? {}, null, 2))}>
      <summary>Input as JSON</summary>
      <textarea id="input-json" aria-label="Input as JSON" spellCheck={false} value={text} onChange={(e) => setText(e.target.value)} />
      <button type="button" id="use-input-json" onClick={use}>Use this JSON</button>
      {problem && <p className="error-detail" role="alert">Not valid JSON: {problem}</p>}
    </details>
  );
}
