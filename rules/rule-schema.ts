import Type, { type Static } from 'typebox';

/**
 * The rule format: rules are data (JSON), validated by these schemas and by the semantic
 * checks in validate-rule.ts (known facts, matching types, one operator per comparison),
 * then compiled to closures. docs/rules.md describes it with examples.
 */

export const RULE_MODES = ['enforce', 'shadow', 'off'] as const;
export type RuleMode = (typeof RULE_MODES)[number];

export const COMPARISON_OPERATORS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte'] as const;
export type ComparisonOperator = (typeof COMPARISON_OPERATORS)[number];

export const RuleIdSchema = Type.String({ pattern: '^[a-z0-9]+(-[a-z0-9]+)*$', minLength: 1, maxLength: 64 });
export const RuleModeSchema = Type.Union([Type.Literal('enforce'), Type.Literal('shadow'), Type.Literal('off')]);

const LiteralSchema = Type.Union([Type.String({ maxLength: 200 }), Type.Number(), Type.Boolean()]);
const FactRefSchema = Type.Object({ fact: Type.String() }, { additionalProperties: false });
const OperandSchema = Type.Union([LiteralSchema, FactRefSchema]);

/** A fact compared with one operator; which one, and that it is only one, is checked semantically. */
const ComparisonSchema = Type.Object(
  {
    fact: Type.String(),
    eq: Type.Optional(OperandSchema),
    ne: Type.Optional(OperandSchema),
    gt: Type.Optional(OperandSchema),
    gte: Type.Optional(OperandSchema),
    lt: Type.Optional(OperandSchema),
    lte: Type.Optional(OperandSchema),
    in: Type.Optional(Type.Array(LiteralSchema, { minItems: 1, maxItems: 200 })),
    between: Type.Optional(Type.Tuple([Type.Number(), Type.Number()])),
  },
  { additionalProperties: false },
);

export const ConditionSchema = Type.Cyclic(
  {
    Condition: Type.Union([
      Type.Object({ all: Type.Array(Type.Ref('Condition'), { minItems: 1 }) }, { additionalProperties: false }),
      Type.Object({ any: Type.Array(Type.Ref('Condition'), { minItems: 1 }) }, { additionalProperties: false }),
      Type.Object({ not: Type.Ref('Condition') }, { additionalProperties: false }),
      ComparisonSchema,
    ]),
  },
  'Condition',
);

export const OutcomeSchema = Type.Object(
  {
    score: Type.Integer({ minimum: 0, maximum: 1000 }),
    floor: Type.Optional(Type.Union([Type.Literal('review'), Type.Literal('decline')])),
    /** A payment this (enforced) rule helps send to review is approved with its settlement held until its case clears it (docs/cases.md). */
    holdSettlement: Type.Optional(Type.Boolean()),
    reason: Type.String({ minLength: 1, maxLength: 300 }),
    value: Type.Optional(Type.String()),
    threshold: Type.Optional(Type.Union([Type.Number(), Type.String()])),
  },
  { additionalProperties: false },
);

const ruleProperties = {
  id: RuleIdSchema,
  version: Type.Optional(Type.Integer({ minimum: 1 })),
  description: Type.String({ minLength: 1, maxLength: 500 }),
  typology: Type.String({ pattern: '^[a-z0-9]+(-[a-z0-9]+)*$', maxLength: 64 }),
  priority: Type.Integer({ minimum: 1, maximum: 1000 }),
  mode: RuleModeSchema,
  then: OutcomeSchema,
};

/** A rule as written by a risk officer (`version` is assigned by the store and ignored on input). */
export const RuleSchema = Type.Object({ ...ruleProperties, when: ConditionSchema }, { additionalProperties: false });

/** The same envelope with `when` left to the condition walker, whose errors carry exact paths. */
export const RuleEnvelopeSchema = Type.Object({ ...ruleProperties, when: Type.Unknown() }, { additionalProperties: false });

export type Rule = Static<typeof RuleSchema>;
export type Condition = Static<typeof ConditionSchema>;
export type Outcome = Static<typeof OutcomeSchema>;
export type Literal = string | number | boolean;
export type Operand = Literal | { fact: string };

/** A rule as the store keeps it: one immutable version, plus who wrote it and when. */
export interface StoredRule extends Rule {
  version: number;
  createdAt: number;
  createdBy: string;
  /** A version made live by a change set: who approved it, and the set (rules/change-sets.ts). */
  approvedBy?: string;
  changeSet?: string;
}
