import type { DoctorReport } from '../types.js';

/** The report as one JSON document (schema/doctor-report.schema.json), newline-terminated: what `--json` prints. */
export function renderJson(report: DoctorReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
