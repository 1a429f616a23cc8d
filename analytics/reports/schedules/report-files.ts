import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { lstat, mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReportFormat } from '../report.ts';
import { SCHEDULE_ID } from './schedule.ts';

/**
 * The files scheduled runs leave under DATA_DIR/reports: `<scheduleId>/<report>-<UTC
 * timestamp>.<ext>`, each with a sidecar `<file>.meta.json` saying what it holds. A file
 * is written under a temporary name in the same folder and renamed when whole, then its
 * sidecar the same way: a file is listed (and served) only once its sidecar exists, so a
 * reader never sees half a report. Paths are only ever built from names read back from
 * the folder that match these patterns, never from what a caller sent.
 */
export const REPORT_FILE = /^([a-z0-9][a-z0-9-]{0,62})-(\d{8}T\d{9}Z)\.(csv|parquet|json)$/;
const SIDECAR = '.meta.json';
/** Left-overs of a crashed write are removed once they are this old. */
const STALE_TEMP_MS = 24 * 3600_000;

export const CONTENT_TYPES: Readonly<Record<ReportFormat, string>> = {
  csv: 'text/csv; charset=utf-8',
  parquet: 'application/vnd.apache.parquet',
  json: 'application/json; charset=utf-8',
};

/** What the sidecar records about one run. */
export interface ReportFileMeta {
  file: string;
  report: string;
  format: ReportFormat;
  /** The report's parameters as the run used them: window resolved, defaults filled in. */
  params: Record<string, unknown>;
  rows: number;
  bytes: number;
  elapsedMs: number;
  schedule: { id: string; cron: string; timezone: string; window: unknown };
  trigger: 'cron' | 'manual';
  jobId: string;
  createdAt: string;
}

/** What the writer of a file adds to its sidecar; the rest comes from the file itself. */
export type SidecarFields = Omit<ReportFileMeta, 'file' | 'report' | 'format' | 'bytes' | 'createdAt'>;

export interface ReportFileEntry {
  scheduleId: string;
  file: string;
  report: string;
  format: ReportFormat;
  rows: number;
  bytes: number;
  elapsedMs: number;
  params: Record<string, unknown>;
  trigger: string;
  createdAt: string;
}

/** `20250317T060000123Z`: sortable, no characters a file system or URL minds. */
export function fileTimestamp(at: number): string {
  return new Date(at).toISOString().replace(/[-:.]/g, '');
}

export function timestampOf(file: string): number | undefined {
  const m = REPORT_FILE.exec(file);
  if (!m) return undefined;
  const t = m[2]!;
  return Date.parse(`${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 8)}T${t.slice(9, 11)}:${t.slice(11, 13)}:${t.slice(13, 15)}.${t.slice(15, 18)}Z`);
}

export function createReportFiles(root: string) {
  /** Schedule folders as the disk has them: real directories with a schedule id's name. */
  async function folders(): Promise<string[]> {
    const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
    return entries.filter((e) => e.isDirectory() && SCHEDULE_ID.test(e.name)).map((e) => e.name);
  }

  async function entriesOf(scheduleId: string): Promise<ReportFileEntry[]> {
    const dir = path.join(root, scheduleId);
    const names = await readdir(dir).catch(() => [] as string[]);
    const present = new Set(names);
    const out: ReportFileEntry[] = [];
    for (const file of names) {
      if (!REPORT_FILE.test(file) || !present.has(file + SIDECAR)) continue;
      const stat = await lstat(path.join(dir, file)).catch(() => undefined);
      if (!stat?.isFile()) continue;
      let meta: ReportFileMeta;
      try {
        meta = JSON.parse(await readFile(path.join(dir, file + SIDECAR), 'utf8')) as ReportFileMeta;
      } catch {
        continue;
      }
      out.push({
        scheduleId,
        file,
        report: meta.report,
        format: meta.format,
        rows: meta.rows,
        bytes: stat.size,
        elapsedMs: meta.elapsedMs,
        params: meta.params,
        trigger: meta.trigger,
        createdAt: meta.createdAt,
      });
    }
    return out;
  }

  return {
    root,

    /** Every finished report file, newest first. */
    async list(filter: { scheduleId?: string } = {}): Promise<ReportFileEntry[]> {
      const ids = (await folders()).filter((id) => filter.scheduleId === undefined || id === filter.scheduleId);
      const all = (await Promise.all(ids.map(entriesOf))).flat();
      return all.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.file.localeCompare(a.file));
    },

    /** The listed file with exactly this schedule and name, and its path built from the listing. */
    async find(scheduleId: string, file: string): Promise<{ entry: ReportFileEntry; path: string } | undefined> {
      if (!SCHEDULE_ID.test(scheduleId) || !REPORT_FILE.test(file)) return undefined;
      const folder = (await folders()).find((id) => id === scheduleId);
      if (!folder) return undefined;
      const entry = (await entriesOf(folder)).find((e) => e.file === file);
      return entry && { entry, path: path.join(root, folder, entry.file) };
    },

    /**
     * Writes one report file under a temporary name and renames it into place; it is not
     * listed until `publish` has written its sidecar the same way. `onBytes` hears how many
     * bytes have been written so far, as they go.
     */
    async write(
      scheduleId: string,
      report: string,
      format: ReportFormat,
      content: Readable | Buffer,
      onBytes: (bytes: number) => void = () => undefined,
    ): Promise<{ file: string; bytes: number; createdAt: string; publish(meta: SidecarFields): Promise<ReportFileMeta> }> {
      if (!SCHEDULE_ID.test(scheduleId)) throw new Error('not a schedule id');
      const dir = path.join(root, scheduleId);
      await mkdir(dir, { recursive: true });
      let at = Date.now();
      let file = `${report}-${fileTimestamp(at)}.${format}`;
      // Two runs of one schedule in the same millisecond: the second takes the next one.
      while (await lstat(path.join(dir, file)).then(() => true, () => false)) file = `${report}-${fileTimestamp(++at)}.${format}`;
      if (!REPORT_FILE.test(file)) throw new Error(`not a report file name: ${file}`);

      let bytes = 0;
      await writeAtomically(path.join(dir, file), async (temp) => {
        if (Buffer.isBuffer(content)) {
          await writeFile(temp, content, WRITE_OPTIONS);
          bytes = content.length;
          onBytes(bytes);
          return;
        }
        const counter = new Transform({
          transform(chunk: Buffer, _encoding, callback) {
            bytes += chunk.length;
            onBytes(bytes);
            callback(null, chunk);
          },
        });
        await pipeline(content, counter, createWriteStream(temp, { flags: WRITE_OPTIONS.flag, mode: WRITE_OPTIONS.mode, flush: true }));
      });
      const createdAt = new Date(at).toISOString();
      return {
        file,
        bytes,
        createdAt,
        async publish(fields) {
          const meta: ReportFileMeta = { file, report, format, ...fields, bytes, createdAt };
          await writeAtomically(path.join(dir, file + SIDECAR), (temp) => writeFile(temp, JSON.stringify(meta, null, 2), WRITE_OPTIONS));
          return meta;
        },
      };
    },

    /**
     * Deletes report files older than `cutoff` (by the time in their name) with their
     * sidecars, and any other file in a schedule folder whose mtime is older: left-over
     * temporary files after a day, sidecars without a file. Returns what was deleted.
     */
    async expire(cutoff: number, now = Date.now()): Promise<Array<{ scheduleId: string; file: string }>> {
      const deleted: Array<{ scheduleId: string; file: string }> = [];
      for (const scheduleId of await folders()) {
        const dir = path.join(root, scheduleId);
        const names = await readdir(dir).catch(() => [] as string[]);
        const present = new Set(names);
        for (const name of names) {
          const stat = await lstat(path.join(dir, name)).catch(() => undefined);
          if (!stat || stat.isDirectory()) continue;
          const stamped = timestampOf(name);
          const isSidecar = name.endsWith(SIDECAR) && REPORT_FILE.test(name.slice(0, -SIDECAR.length));
          let expired: boolean;
          if (stamped !== undefined) expired = stamped < cutoff;
          else if (isSidecar) expired = !present.has(name.slice(0, -SIDECAR.length)) || timestampOf(name.slice(0, -SIDECAR.length))! < cutoff;
          else if (name.endsWith('.tmp')) expired = stat.mtimeMs < Math.max(cutoff, now - STALE_TEMP_MS);
          else expired = stat.mtimeMs < cutoff;
          if (!expired) continue;
          await unlink(path.join(dir, name)).catch(() => undefined);
          if (stamped !== undefined) deleted.push({ scheduleId, file: name });
        }
      }
      return deleted;
    },
  };
}

export type ReportFiles = ReturnType<typeof createReportFiles>;

/** A new file only (never through an existing name or link), flushed to disk before it is closed. */
const WRITE_OPTIONS = { flag: 'wx', mode: 0o640, flush: true } as const;

/** Writes through `write` into a temporary sibling, then renames it to `target`: readers see all of it or none. */
async function writeAtomically(target: string, write: (temp: string) => Promise<void>): Promise<void> {
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${randomUUID()}.tmp`);
  try {
    await write(temp);
  } catch (e) {
    await unlink(temp).catch(() => undefined);
    throw e;
  }
  await rename(temp, target);
}
