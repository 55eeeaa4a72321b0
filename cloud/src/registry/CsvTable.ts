import { parse } from 'csv-parse/sync';

/** One data row of a CSV file, by lower-case column name, with its line in the file. */
export interface CsvRow {
  line: number;
  values: Record<string, string>;
}

/** A parsed CSV file: its rows and every problem found, as `file:line: message`. */
export interface CsvTable {
  rows: CsvRow[];
  errors: string[];
}

/**
 * The delimiter of a CSV text: `;` (what French Excel writes) or `,`, whichever appears more
 * often outside quotes in the header line.
 */
export function detectDelimiter(text: string): ';' | ',' {
  let semicolons = 0;
  let commas = 0;
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && ch === ';') semicolons += 1;
    else if (!quoted && ch === ',') commas += 1;
  }
  return semicolons > commas ? ';' : ',';
}

/**
 * Parses CSV text (RFC 4180 quoting, UTF-8 with or without BOM, `;` or `,`), checking the
 * header against the expected columns. Every problem is reported, none stops the parse:
 * a malformed record is skipped and named by its line.
 */
export function parseCsvTable(
  fileName: string,
  text: string,
  columns: { required: readonly string[]; optional: readonly string[] },
): CsvTable {
  const errors: string[] = [];
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const delimiter = detectDelimiter(body);
  let records: { record: string[]; info: { lines: number } }[] = [];
  try {
    records = parse(body, {
      delimiter,
      bom: true,
      info: true,
      relax_column_count: false,
      skip_empty_lines: true,
      skip_records_with_error: true,
      trim: true,
      on_skip: (err) => {
        if (err) errors.push(`${fileName}:${err.lines}: ${err.message}`);
        return undefined;
      },
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (e) {
    errors.push(`${fileName}:${(e as { lines?: number }).lines ?? 1}: ${(e as Error).message}`);
    return { rows: [], errors };
  }
  const [header, ...data] = records;
  if (!header) {
    errors.push(`${fileName}:1: empty file (a header line is required)`);
    return { rows: [], errors };
  }
  const names = header.record.map((h) => h.trim().toLowerCase());
  const known = new Set([...columns.required, ...columns.optional]);
  for (const n of names) {
    if (!known.has(n))
      errors.push(
        `${fileName}:${header.info.lines}: unknown column "${n}" (known: ${[...known].join(', ')})`,
      );
  }
  for (const r of columns.required) {
    if (!names.includes(r)) errors.push(`${fileName}:${header.info.lines}: missing column "${r}"`);
  }
  const duplicates = names.filter((n, i) => names.indexOf(n) !== i);
  for (const d of new Set(duplicates))
    errors.push(`${fileName}:${header.info.lines}: column "${d}" appears twice`);
  const rows = data.map(({ record, info }) => ({
    line: info.lines,
    values: Object.fromEntries(names.map((n, i) => [n, record[i] ?? ''])),
  }));
  return { rows, errors };
}
