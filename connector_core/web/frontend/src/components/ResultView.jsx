// An operation's result: streamed pages as one table, lists of objects (put_events'
// per-entry outcomes) as tables, links for URLs and for files the host kept.
import { paths } from "../api.js";

const isRecordList = (value) => Array.isArray(value) && value.length > 0 && value.every((v) => v && typeof v === "object" && !Array.isArray(v));

function columnsOf(rows) {
  const columns = [];
  for (const row of rows) for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
  return columns;
}

function Cell({ value }) {
  if (value === undefined || value === null) return <span className="muted">—</span>;
  if (typeof value === "object") return <code>{JSON.stringify(value)}</code>;
  return String(value);
}

/** Rows as a table; a row with an error_code is an entry that failed. */
export function RecordTable({ id, rows, caption }) {
  const columns = columnsOf(rows);
  return (
    <table id={id} className="records">
      {caption && <caption>{caption}</caption>}
      <thead><tr>{columns.map((c) => <th key={c} scope="col">{c}</th>)}</tr></thead>
      <tbody>
        {rows.map((row, i) => (
          <tr key={i} className={row.error_code ? "failed" : undefined} data-ok={row.error_code ? "false" : "true"}>
            {columns.map((c) => <td key={c}><Cell value={row[c]} /></td>)}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Value({ name, value }) {
  if (name === "file_id" && typeof value === "string") {
    return <><code>{value}</code> <a id="result-file" href={paths.file(value)} download>Download the file</a></>;
  }
  if (typeof value === "string" && /^https?:\/\//.test(value)) {
    return <a id={`result-${name}`} className="result-link" href={value} target="_blank" rel="noreferrer noopener">{value}</a>;
  }
  return <Cell value={value} />;
}

export function ResultView({ result, items, id = "run-result" }) {
  const tables = result ? Object.entries(result).filter(([, v]) => isRecordList(v)) : [];
  const scalars = result ? Object.entries(result).filter(([, v]) => !isRecordList(v)) : [];
  return (
    <section id={id} aria-live="polite">
      {items && (
        <RecordTable id="result-items" rows={items} caption={`${items.length} item${items.length === 1 ? "" : "s"}`} />
      )}
      {scalars.length > 0 && (
        <dl className="result-values">
          {scalars.map(([key, value]) => (
            <div key={key} data-key={key}><dt>{key}</dt><dd><Value name={key} value={value} /></dd></div>
          ))}
        </dl>
      )}
      {tables.map(([key, rows]) => {
        const failed = rows.filter((r) => r.error_code).length;
        return (
          <RecordTable key={key} id={`result-${key}`} rows={rows}
            caption={`${key}: ${rows.length} entr${rows.length === 1 ? "y" : "ies"}, ${rows.length - failed} ok, ${failed} failed`} />
        );
      })}
    </section>
  );
}
