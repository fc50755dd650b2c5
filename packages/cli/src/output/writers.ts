/**
 * Output writers for `--output table|list|json|csv`. Each writes as objects arrive: JSON lines and CSV from the
 * first object, a table once its first rows have sized the columns. None colours or decorates piped output.
 */
import { PSObject, psValueToDisplayString, psValueToJson } from '@exops/contracts';
import type { PSValue } from '@exops/contracts';
import { stringify as stringifyCsv } from 'csv-stringify/sync';
import { chooseColumns } from './columns.js';

export type OutputFormat = 'table' | 'list' | 'json' | 'csv';

export interface OutputSink {
  write(text: string): void;
}

export interface OutputWriterOptions {
  readonly select?: readonly string[] | undefined;
  /** Terminal width for tables; undefined means no truncation (piped output). */
  readonly width?: number | undefined;
  /** How many rows size a table's columns before it starts printing. */
  readonly sizingRows?: number;
  /** Put `"@types"` first in JSON objects. */
  readonly typed?: boolean;
}

export interface OutputWriter {
  write(value: PSValue): void;
  /** Flushes what is buffered. */
  end(): void;
  /** Objects written so far. */
  readonly count: number;
}

function cell(value: PSValue, column: string): string {
  if (value instanceof PSObject) return psValueToDisplayString(value.get(column)).replace(/[\r\n]+/g, ' ');
  return column === '' ? psValueToDisplayString(value) : '';
}

function selectJson(value: PSValue, select: readonly string[] | undefined, typed: boolean): unknown {
  const json = psValueToJson(value, { typed });
  if (select === undefined || select.length === 0 || !(value instanceof PSObject)) return json;
  const out: Record<string, unknown> = {};
  for (const name of select) out[name] = psValueToJson(value.get(name), { typed });
  return out;
}

class JsonLinesWriter implements OutputWriter {
  count = 0;
  constructor(private readonly sink: OutputSink, private readonly options: OutputWriterOptions) {}
  write(value: PSValue): void {
    this.count += 1;
    this.sink.write(`${JSON.stringify(selectJson(value, this.options.select, this.options.typed === true))}\n`);
  }
  end(): void {}
}

class CsvWriter implements OutputWriter {
  count = 0;
  private columns: string[] | undefined;
  constructor(private readonly sink: OutputSink, private readonly options: OutputWriterOptions) {}
  write(value: PSValue): void {
    this.count += 1;
    if (this.columns === undefined) {
      this.columns = this.options.select !== undefined && this.options.select.length > 0
        ? [...this.options.select]
        : value instanceof PSObject ? value.propertyNames() : ['Value'];
      this.sink.write(stringifyCsv([this.columns]));
    }
    const row = value instanceof PSObject ? this.columns.map((c) => cell(value, c)) : [psValueToDisplayString(value)];
    this.sink.write(stringifyCsv([row]));
  }
  end(): void {}
}

class ListWriter implements OutputWriter {
  count = 0;
  constructor(private readonly sink: OutputSink, private readonly options: OutputWriterOptions) {}
  write(value: PSValue): void {
    this.count += 1;
    if (!(value instanceof PSObject) || value.propertyNames().length === 0) {
      this.sink.write(`${psValueToDisplayString(value)}\n`);
      return;
    }
    const names = this.options.select !== undefined && this.options.select.length > 0 ? [...this.options.select] : value.propertyNames();
    const pad = Math.max(...names.map((n) => n.length));
    const lines = names.map((n) => `${n.padEnd(pad)} : ${cell(value, n)}`);
    this.sink.write(`\n${lines.join('\n')}\n`);
  }
  end(): void {}
}

function fit(text: string, width: number): string {
  if (text.length <= width) return text.padEnd(width);
  return width <= 1 ? text.slice(0, width) : `${text.slice(0, width - 1)}…`;
}

class TableWriter implements OutputWriter {
  count = 0;
  private readonly buffered: PSValue[] = [];
  private columns: string[] | undefined;
  private widths: number[] = [];
  constructor(private readonly sink: OutputSink, private readonly options: OutputWriterOptions) {}

  write(value: PSValue): void {
    this.count += 1;
    if (this.columns !== undefined) {
      this.printRow(value);
      return;
    }
    this.buffered.push(value);
    if (this.buffered.length >= (this.options.sizingRows ?? 20)) this.flushBuffered();
  }

  end(): void {
    if (this.columns === undefined && this.buffered.length > 0) this.flushBuffered();
  }

  private flushBuffered(): void {
    const columns = chooseColumns(this.buffered, this.options.select);
    this.columns = columns.length === 0 ? [''] : columns;
    this.widths = this.columns.map((c) => Math.max(c.length, ...this.buffered.map((v) => cell(v, c).length)));
    const total = this.options.width;
    if (total !== undefined) this.shrink(total);
    if (this.columns.length > 1 || this.columns[0] !== '') {
      this.sink.write(`\n${this.columns.map((c, i) => fit(c, this.widths[i]!)).join(' ').trimEnd()}\n`);
      this.sink.write(`${this.columns.map((c, i) => fit('-'.repeat(Math.min(c.length, this.widths[i]!)), this.widths[i]!)).join(' ').trimEnd()}\n`);
    }
    for (const v of this.buffered.splice(0)) this.printRow(v);
  }

  /** Narrows the widest columns until the row fits the terminal, as Format-Table -AutoSize does. */
  private shrink(total: number): void {
    const sep = this.widths.length - 1;
    while (this.widths.reduce((a, b) => a + b, 0) + sep > total) {
      const widest = this.widths.indexOf(Math.max(...this.widths));
      if (this.widths[widest]! <= 4) break;
      this.widths[widest]! -= 1;
    }
  }

  private printRow(value: PSValue): void {
    const row = this.columns!.map((c, i) => fit(cell(value, c), this.widths[i]!)).join(' ').trimEnd();
    this.sink.write(`${row}\n`);
  }
}

/** A writer for one command's output. */
export function createOutputWriter(format: OutputFormat, sink: OutputSink, options: OutputWriterOptions = {}): OutputWriter {
  switch (format) {
    case 'json': return new JsonLinesWriter(sink, options);
    case 'csv': return new CsvWriter(sink, options);
    case 'list': return new ListWriter(sink, options);
    case 'table': return new TableWriter(sink, options);
  }
}
