import Table from 'cli-table3';
import type { DoctorReport } from '../types.js';
import { formatStatus, shouldUseColor } from './color.js';

/** Options of {@link renderSummaryTable}. */
export interface SummaryTableOptions {
  /** Default: {@link shouldUseColor} for stdout. */
  readonly color?: boolean;
  /** Wrap width of the summary column (default 72). */
  readonly summaryWidth?: number;
}

/**
 * The report as a table (check, status, summary), then the fix for every warning and failure, then the totals.
 * cli-table3 colours its borders and head even without a TTY, so both styles are cleared when colour is off.
 */
export function renderSummaryTable(report: DoctorReport, options: SummaryTableOptions = {}): string {
  const color = options.color ?? shouldUseColor();
  const table = new Table({
    head: ['Check', 'Status', 'Summary'],
    colWidths: [18, 8, options.summaryWidth ?? 72],
    wordWrap: true,
    style: color ? { head: ['bold'], border: ['gray'] } : { head: [], border: [] },
  });
  for (const r of report.results) table.push([r.id, formatStatus(r.status, color), r.summary]);

  const fixes = report.results
    .filter((r) => r.remedy !== undefined && (r.status === 'fail' || r.status === 'warn'))
    .map((r) => `${formatStatus(r.status, color)} ${r.id}: ${r.summary}\n  Fix: ${r.remedy ?? ''}`);
  const { summary } = report;
  const totals = `${summary.pass} passed, ${summary.warn} warned, ${summary.fail} failed, ${summary.skip} skipped (exit code ${report.exitCode})`;
  return [table.toString(), ...(fixes.length === 0 ? [] : ['', 'What to do:', ...fixes]), '', totals, ''].join('\n');
}
