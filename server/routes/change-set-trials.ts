import type { ClickHouseClient } from '@clickhouse/client';
import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import { countShadowHits } from '../../analytics/backtest/shadow-hits.ts';
import type { ChangeSets } from '../../rules/change-sets.ts';
import { sendError } from '../http-errors.ts';
import { errorResponses } from '../schemas/common.ts';

const IdParams = Type.Object({ id: Type.String({ pattern: '^cs_[a-f0-9]{24}$' }) });
const Hits = Type.Object({
  from: Type.String(),
  to: Type.String(),
  running: Type.Boolean(),
  payments: Type.Integer(),
  rules: Type.Array(Type.Object({ trialId: Type.String(), ruleId: Type.String(), trialHits: Type.Integer(), liveHits: Type.Integer() })),
});

/**
 * A change set's shadow period read back (docs/rules.md, "Governance"): its trial rules' hits
 * next to the live rules', counted in ClickHouse; served where ClickHouse is.
 */
export default async function changeSetTrialRoutes(app: FastifyInstance, options: { changeSets: ChangeSets; clickhouse: ClickHouseClient; database: string }) {
  app.get<{ Params: Static<typeof IdParams> }>('/v1/change-sets/:id/shadow-hits', {
    preValidation: app.requireRole('risk_officer', 'compliance', 'admin'),
    schema: {
      tags: ['rules'],
      security: [{ operatorToken: [] }],
      summary: "A change set's shadow period: each changed rule's hits in shadow next to the live rule's, over the period (so far)",
      params: IdParams,
      response: { 200: Hits, ...errorResponses },
    },
  }, async (request, reply) => {
    const set = await options.changeSets.get(request.params.id);
    if (!set) return sendError(reply, { code: 'CHANGE_SET_NOT_FOUND', message: 'no such change set' });
    const shadow = set.evidence.shadow as { from: string; until: string; endedAt?: string; rules: Record<string, string> } | undefined;
    if (!shadow) return sendError(reply, { code: 'SHADOW_PERIOD_NOT_FOUND', message: 'this change set had no shadow period (submit it with shadowHours)' });
    return countShadowHits(options.clickhouse, options.database, shadow);
  });
}
