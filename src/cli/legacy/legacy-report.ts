import { LEGACY_TABLES, LegacyTable } from './legacy-source';

/** A row that needs the operator's eye: taken with a change (a note) or not taken (a rejection). */
export interface RowIssue {
  table: LegacyTable;
  id: number;
  message: string;
}

export interface TableCounts {
  present: boolean;
  read: number;
  inserted: number;
  updated: number;
  skipped: number;
  rejected: number;
}

export interface LegacyImportReport {
  dryRun: boolean;
  tables: Record<LegacyTable, TableCounts>;
  /**
   * Bursts re-derived by §5 over the imported clips: new ones, those already stored, and how many
   * old rows of the imported streamers that replaced beyond one per burst (the folded duplicates).
   */
  bursts: { created: number; existing: number; folded: number };
  /** burst_clips after the import: imported clips that sit in a burst. */
  clipsInBursts: number;
  /** Old delivery rows that repeated a user and clip already taken (kept once). */
  deliveriesFolded: number;
  notes: RowIssue[];
  rejections: RowIssue[];
}

export function emptyReport(dryRun: boolean): LegacyImportReport {
  const tables = Object.fromEntries(
    LEGACY_TABLES.map((table) => [
      table,
      { present: false, read: 0, inserted: 0, updated: 0, skipped: 0, rejected: 0 },
    ]),
  ) as Record<LegacyTable, TableCounts>;
  return {
    dryRun,
    tables,
    bursts: { created: 0, existing: 0, folded: 0 },
    clipsInBursts: 0,
    deliveriesFolded: 0,
    notes: [],
    rejections: [],
  };
}

/** Rejects a row: counted on its table and listed with its id. */
export function reject(
  report: LegacyImportReport,
  table: LegacyTable,
  id: number,
  reasons: readonly string[],
): void {
  report.tables[table].rejected++;
  report.rejections.push({ table, id, message: reasons.join('; ') });
}

export function note(
  report: LegacyImportReport,
  table: LegacyTable,
  id: number,
  notes: readonly string[],
): void {
  for (const message of notes) report.notes.push({ table, id, message });
}

/** `<table> id <id>: <message>`, in table order then id order. */
export function issueLines(issues: readonly RowIssue[]): string[] {
  const order = (table: LegacyTable) => LEGACY_TABLES.indexOf(table);
  return [...issues]
    .sort((a, b) => order(a.table) - order(b.table) || a.id - b.id)
    .map((issue) => `${issue.table} id ${issue.id}: ${issue.message}`);
}

/** One line per table, in the order of LEGACY-SCHEMA.md. */
export function summaryLines(report: LegacyImportReport): string[] {
  const lines: string[] = [];
  for (const table of LEGACY_TABLES) {
    const counts = report.tables[table];
    if (!counts.present) {
      lines.push(
        `${table}: no such table in the old database, ${missingTableSummary(table, report)}`,
      );
      continue;
    }
    lines.push(`${table}: ${tableSummary(table, counts, report)}`);
  }
  return lines;
}

/** Bursts are re-derived from the clips whether or not the old tables are there. */
function missingTableSummary(table: LegacyTable, report: LegacyImportReport): string {
  if (table === 'bursts') {
    return (
      `${count(report.bursts.created + report.bursts.existing, 'burst')} derived by the burst rule over ` +
      `the imported clips (created ${report.bursts.created}, already stored ${report.bursts.existing})`
    );
  }
  if (table === 'burst_clips') return `${count(report.clipsInBursts, 'imported clip')} in bursts`;
  return 'nothing to import';
}

function tableSummary(table: LegacyTable, counts: TableCounts, report: LegacyImportReport): string {
  const plain =
    `read ${counts.read}, inserted ${counts.inserted}, updated ${counts.updated}, ` +
    `skipped ${counts.skipped}, rejected ${counts.rejected}`;
  switch (table) {
    case 'bursts': {
      const derived = report.bursts.created + report.bursts.existing;
      return (
        `read ${count(counts.read, 'old row')}, replaced by ${count(derived, 'burst')} re-derived by the burst ` +
        `rule over the imported clips (created ${report.bursts.created}, already stored ` +
        `${report.bursts.existing}); ${count(report.bursts.folded, 'old row')} folded`
      );
    }
    case 'burst_clips':
      return (
        `read ${count(counts.read, 'old row')}, replaced by the re-derived bursts' ` +
        `${report.clipsInBursts} clips (one burst per clip)`
      );
    case 'clip_deliveries':
      return `${plain}; ${count(report.deliveriesFolded, 'repeat')} of a user and clip folded`;
    case 'streamer_status':
      return `read ${counts.read}, not imported (history only: "online" meant a burst was delivered)`;
    default:
      return plain;
  }
}

export function rejectedCount(report: LegacyImportReport): number {
  return report.rejections.length;
}

/** `1 burst`, `2 bursts`. */
function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
