import Value from 'typebox/value';
import { err, ok, type Result } from '../../domain/result.ts';
import type { ReportDefinition, ReportError } from './report.ts';

const DAY_MS = 86_400_000;

/**
 * A report's parameters checked against its schema, defaults filled in, then what a schema
 * cannot say (to after from, the window no wider than the report allows). The first problem
 * is returned naming the parameter, with its JSON Pointer in the request body.
 */
export function validateParams(report: ReportDefinition, input: unknown): Result<Record<string, unknown>, ReportError> {
  const params = Value.Default(report.params, structuredClone(input ?? {})) as Record<string, unknown>;
  if (!Value.Check(report.params, params)) return err(schemaError(report, params));
  const from = Date.parse(String(params.from));
  const to = Date.parse(String(params.to));
  if (!(to > from)) return err(invalid('to', 'must be after params.from'));
  if (to - from > report.maxSpanDays * DAY_MS) return err(invalid('to', `the window of ${report.name} may span at most ${report.maxSpanDays} days`));
  return ok(params);
}

function invalid(param: string, problem: string): ReportError {
  return { code: 'REPORT_PARAMS_INVALID', message: `params.${param}: ${problem}`, path: `/params/${pointerToken(param)}` };
}

function schemaError(report: ReportDefinition, params: Record<string, unknown>): ReportError {
  const errors = Value.Errors(report.params, params);
  const first = errors[0];
  if (!first) return { code: 'REPORT_PARAMS_INVALID', message: 'params are not valid', path: '/params' };
  if (first.instancePath === '' && first.keyword === 'type') return { code: 'REPORT_PARAMS_INVALID', message: 'params must be an object', path: '/params' };
  const extra = errors.find((e) => e.keyword === 'additionalProperties');
  if (extra) {
    const name = ((extra.params as { additionalProperties: string[] }).additionalProperties[0] ?? '').slice(0, 64);
    const known = Object.keys(report.params.properties).join(', ');
    return invalid(name, `is not a parameter of ${report.name} (its parameters: ${known})`);
  }
  if (first.keyword === 'required') {
    const name = (first.params as { requiredProperties: string[] }).requiredProperties[0] ?? '';
    return invalid(name, 'is required');
  }
  const name = decodeURIComponent(first.instancePath.slice(1).split('/')[0] ?? '').replaceAll('~1', '/').replaceAll('~0', '~');
  const atPath = errors.filter((e) => e.instancePath === first.instancePath);
  const allowed = atPath.flatMap((e) => {
    const p = e.params as { allowedValues?: unknown[]; allowedValue?: unknown };
    return p.allowedValues ?? (e.keyword === 'const' ? [p.allowedValue] : []);
  });
  if (allowed.length > 0) return invalid(name, `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`);
  return invalid(name, first.message);
}

function pointerToken(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}
