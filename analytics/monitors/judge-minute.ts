import type { ClickHouseClient } from '@clickhouse/client';
import type { Alert } from '../alerts/alert.ts';
import type { AlertStore } from '../alerts/alert-store.ts';
import { detectAnomalies } from './detect-anomalies.ts';
import { monitorAlertOf } from './monitor-alert.ts';
import type { MonitorConfig } from './monitor-config.ts';
import { readMinuteRows, seriesOf } from './minute-series.ts';

export interface MonitorDeps {
  client: ClickHouseClient;
  database: string;
  config: MonitorConfig;
  alerts: Pick<AlertStore, 'raiseMonitor'>;
  /** Pushes a raised or grouped alert to the consoles. */
  publish(kind: 'created' | 'updated', alert: Alert): void;
}

export interface MonitorRunResult {
  minute: string;
  /** Corridors and participants seen in the minute or its history. */
  subjects: number;
  findings: number;
  created: string[];
  grouped: string[];
}

/** One run of the monitors: reads the minute and its history, judges every subject, raises what is abnormal. */
export async function judgeMinute(deps: MonitorDeps, minuteMs: number): Promise<MonitorRunResult> {
  const minute = Math.floor(minuteMs / 60_000) * 60_000;
  const series = seriesOf(await readMinuteRows(deps.client, deps.database, minute, deps.config), minute, deps.config);
  const findings = detectAnomalies(series, minute, deps.config);
  const result: MonitorRunResult = { minute: new Date(minute).toISOString(), subjects: series.length, findings: findings.length, created: [], grouped: [] };
  for (const finding of findings) {
    const raised = await deps.alerts.raiseMonitor(monitorAlertOf(finding, deps.config));
    if (!raised) continue;
    (raised.kind === 'created' ? result.created : result.grouped).push(raised.alert.id);
    deps.publish(raised.kind === 'created' ? 'created' : 'updated', raised.alert);
  }
  return result;
}
