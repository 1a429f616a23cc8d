import { FACTS, type Facts } from '../facts/catalog.ts';

/** A fact with every catalogued name at a neutral value (0, '', false), then the given overrides. */
export function factsWith(overrides: Partial<Record<keyof Facts, number | string | boolean>> = {}): Facts {
  const facts: Record<string, number | string | boolean> = {};
  for (const [name, def] of Object.entries(FACTS)) facts[name] = def.type === 'number' ? 0 : def.type === 'string' ? '' : false;
  return { ...facts, ...overrides } as Facts;
}
