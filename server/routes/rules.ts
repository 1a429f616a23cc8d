import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import type { FastifyRequest } from 'fastify';
import type { AuditLog } from '../../analytics/audit-log.ts';
import type { ErrorCode } from '../../domain/error-codes.ts';
import { isListName, LIST_NAMES, type RuleMode, type RuleStore } from '../../rules/index.ts';
import { sendError } from '../http-errors.ts';
import type { Change } from '../../rules/change-sets.ts';
import type { Rule } from '../../rules/rule-schema.ts';
import type { DirectChangeRecorder } from '../capabilities/change-sets.ts';
import { errorResponses } from '../schemas/common.ts';

const RuleView = Type.Object({}, { additionalProperties: true, description: 'A stored rule: see docs/rules.md' });
const IdParams = Type.Object({ id: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,63}$' }) });
const ListParams = Type.Object({ name: Type.String({ pattern: '^[a-z-]{1,40}$' }) });
const ListValues = Type.Object({ values: Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { minItems: 1, maxItems: 1000 }) }, { additionalProperties: false });

/**
 * Rule management (docs/api.md) and the risk lists. Changes are versioned in Redis, take
 * effect on every node through pub/sub, and are audited by the rule store; a refused change
 * (an invalid rule, an unknown list, a bad value) is audited here as denied, with its code.
 */
export default async function ruleRoutes(
  app: FastifyInstance,
  options: { store: RuleStore; audit?: AuditLog; /** Records a direct change as a change set live without a second officer, to be ratified. */ recordDirect?: DirectChangeRecorder },
) {
  const shared: Shared = {
    store: options.store,
    recorded: async (request, title, change, ruleSetVersion) => {
      await options.recordDirect?.(request.operator!.username, title, change, ruleSetVersion).catch((e: unknown) => request.log.error({ err: (e as Error).message }, 'direct rule change not recorded for ratification'));
    },
    refused: async (request, action, target, code) =>
      options.audit
        ?.record({ actor: request.operator!.username, actorRole: request.operator!.role, action, target: target.slice(0, 200), outcome: 'denied', details: { code } })
        .catch((e: unknown) => request.log.error({ err: (e as Error).message }, 'audit write failed')),
    readers: app.requireRole('risk_officer', 'compliance', 'admin'),
    editors: app.requireRole('risk_officer', 'admin'),
    base: { tags: ['rules'], security: [{ operatorToken: [] }] },
  };
  versionRoutes(app, shared);
  listRoutes(app, shared);
}

/** What the rule routes and the list routes share. */
interface Shared {
  store: RuleStore;
  /** A direct change made: recorded for its approval after the fact. */
  recorded(request: FastifyRequest, title: string, change: Change, ruleSetVersion: string): Promise<void>;
  /** Audits a refused change (the store audits those it makes). */
  refused(request: FastifyRequest, action: string, target: string, code: ErrorCode): Promise<void>;
  readers: ReturnType<FastifyInstance['requireRole']>;
  editors: ReturnType<FastifyInstance['requireRole']>;
  base: { tags: string[]; security: Array<Record<string, never[]>> };
}

/** Rules: read them, put a new version, change a rule's mode. */
function versionRoutes(app: FastifyInstance, { store, refused, recorded, readers, editors, base }: Shared): void {
  app.get('/v1/rules', {
    preValidation: readers,
    schema: { ...base, summary: 'Every rule, current version and mode', response: { 200: Type.Object({ ruleSetVersion: Type.String(), rules: Type.Array(RuleView) }), ...errorResponses } },
  }, async () => {
    const set = await store.ruleSet();
    return { ruleSetVersion: set.version, rules: await store.list() };
  });

  app.get<{ Params: Static<typeof IdParams> }>('/v1/rules/:id', {
    preValidation: readers,
    schema: { ...base, summary: 'One rule with all its versions', params: IdParams, response: { 200: Type.Object({ rule: RuleView, versions: Type.Array(RuleView) }), ...errorResponses } },
  }, async (request, reply) => {
    const found = await store.get(request.params.id);
    if (!found) return sendError(reply, { code: 'RULE_NOT_FOUND', message: `no rule ${request.params.id}` });
    return found;
  });

  app.put<{ Params: Static<typeof IdParams>; Body: unknown }>('/v1/rules/:id', {
    preValidation: editors,
    schema: {
      ...base,
      summary: 'A new version of a rule (created if new); invalid rules get 400 with the JSON path of the error',
      params: IdParams,
      body: Type.Object({}, { additionalProperties: true }),
      response: { 200: Type.Object({ rule: RuleView, ruleSetVersion: Type.String() }), ...errorResponses },
    },
  }, async (request, reply) => {
    const changed = await store.put(request.params.id, request.body, request.operator!.username);
    if (!changed.ok) {
      await refused(request, 'rule.put', `rule:${request.params.id}`, changed.error.code);
      return sendError(reply, changed.error);
    }
    const { version: _v, createdAt: _c, createdBy: _b, approvedBy: _a, changeSet: _s, ...rule } = changed.value.rule;
    await recorded(request, `Direct change: rule ${request.params.id} version ${changed.value.rule.version}`, { kind: 'rule', rule: rule as Rule }, changed.value.ruleSetVersion);
    return changed.value;
  });

  for (const [action, mode] of [['enable', 'enforce'], ['disable', 'off'], ['shadow', 'shadow']] as const) {
    app.post<{ Params: Static<typeof IdParams> }>(`/v1/rules/:id/${action}`, {
      preValidation: editors,
      schema: { ...base, summary: `Set a rule's mode to ${mode}`, params: IdParams, response: { 200: Type.Object({ rule: RuleView, ruleSetVersion: Type.String() }), ...errorResponses } },
    }, async (request, reply) => {
      const before = (await store.get(request.params.id))?.rule.mode;
      const changed = await store.setMode(request.params.id, mode as RuleMode, request.operator!.username);
      if (!changed.ok) {
        await refused(request, 'rule.mode', `rule:${request.params.id}`, changed.error.code);
        return sendError(reply, changed.error);
      }
      if (before !== mode) await recorded(request, `Direct change: rule ${request.params.id} ${mode}`, { kind: 'mode', ruleId: request.params.id, mode }, changed.value.ruleSetVersion);
      return changed.value;
    });
  }
}

/** Risk lists: read them, add and remove entries. */
function listRoutes(app: FastifyInstance, { store, refused, readers, editors, base }: Shared): void {
  app.get('/v1/lists', {
    preValidation: readers,
    schema: { ...base, summary: 'The risk lists and their entries', response: { 200: Type.Object({ lists: Type.Record(Type.String(), Type.Array(Type.String())) }), ...errorResponses } },
  }, async () => {
    const lists: Record<string, string[]> = {};
    for (const name of LIST_NAMES) lists[name] = await store.lists.get(name);
    return { lists };
  });

  const listAction = (kind: 'add' | 'remove') => async (request: FastifyRequest<{ Params: Static<typeof ListParams>; Body: Static<typeof ListValues> }>, reply: Parameters<typeof sendError>[0]) => {
    const name = request.params.name;
    if (!isListName(name)) {
      await refused(request, `risk-list.${kind}`, `list:${name}`, 'LIST_NOT_FOUND');
      return sendError(reply, { code: 'LIST_NOT_FOUND', message: `no list ${name}; lists: ${LIST_NAMES.join(', ')}` });
    }
    const result = kind === 'add'
      ? await store.lists.add(name, request.body.values, request.operator!.username)
      : await store.lists.remove(name, request.body.values, request.operator!.username);
    if (!result.ok) {
      await refused(request, `risk-list.${kind}`, `list:${name}`, result.error.code);
      return sendError(reply, result.error);
    }
    return { list: name, values: await store.lists.get(name) };
  };
  const listResponse = { 200: Type.Object({ list: Type.String(), values: Type.Array(Type.String()) }), ...errorResponses };
  app.post<{ Params: Static<typeof ListParams>; Body: Static<typeof ListValues> }>('/v1/lists/:name', {
    preValidation: editors,
    schema: { ...base, summary: 'Add entries to a risk list', params: ListParams, body: ListValues, response: listResponse },
  }, listAction('add'));
  app.post<{ Params: Static<typeof ListParams>; Body: Static<typeof ListValues> }>('/v1/lists/:name/remove', {
    preValidation: editors,
    schema: { ...base, summary: 'Remove entries from a risk list', params: ListParams, body: ListValues, response: listResponse },
  }, listAction('remove'));
}
