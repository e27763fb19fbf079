import { randomUUID } from 'node:crypto';
import type { z } from 'zod';

/** The parts of zod 4's internal definition a sample needs. */
interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  keyType?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  innerType?: z.ZodType;
  in?: z.ZodType;
  entries?: Record<string, string | number>;
  values?: unknown[];
}
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;
const exampleOf = (s: z.ZodType): unknown => (s.meta() as { example?: unknown } | undefined)?.example;

/**
 * A valid value of `schema` with every optional field present, so that each field can be made bad in turn while
 * the rest stays valid. A string that "Sample" does not satisfy needs a `.meta({ example })` (which the OpenAPI
 * document shows too); without one this throws, naming the field.
 */
export function fullSample(schema: z.ZodType, path: string[] = []): unknown {
  const example = exampleOf(schema);
  if (example !== undefined) return example;
  const def = defOf(schema);
  const where = path.join('.') || '(root)';
  switch (def.type) {
    case 'string': {
      const format = (schema as z.ZodString).format;
      if (format === 'uuid') return randomUUID();
      if (format === 'datetime') return new Date().toISOString();
      const text = 'Sample'.padEnd((schema as z.ZodString).minLength ?? 1, 's');
      if (!schema.safeParse(text).success)
        throw new Error(`${where}: no valid sample; give the schema a .meta({ example })`);
      return text;
    }
    case 'number': {
      const n = schema as z.ZodNumber;
      return n.minValue !== null && Number.isFinite(n.minValue) ? n.minValue : Math.min(1, n.maxValue ?? 1);
    }
    case 'boolean':
      return true;
    case 'literal':
      return def.values?.[0];
    case 'enum':
      return Object.values(def.entries ?? {})[0];
    case 'object':
      return Object.fromEntries(
        Object.entries(def.shape ?? ({} as Record<string, z.ZodType>)).map(([k, v]) => [
          k,
          fullSample(v, [...path, k]),
        ]),
      );
    case 'array':
      return [fullSample(def.element as z.ZodType, [...path, '0'])];
    case 'record': {
      const key = fullSample(def.keyType as z.ZodType, [...path, '(key)']) as string;
      return { [key]: fullSample(def.valueType as z.ZodType, [...path, key]) };
    }
    case 'union':
      for (const option of def.options ?? []) {
        const v = fullSample(option, path);
        if (option.safeParse(v).success) return v;
      }
      throw new Error(`${where}: no option of the union could be sampled`);
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'nonoptional':
      return fullSample(def.innerType as z.ZodType, path);
    case 'pipe':
      return fullSample(def.in as z.ZodType, path);
    case 'unknown':
    case 'any':
      return 'Sample';
    default:
      throw new Error(`${where}: cannot sample a zod ${def.type}`);
  }
}

export type LeafPath = Array<string | number>;

/** Every string, number and object key in a sample, by path (`key` leaves name the object holding the key). */
export function leavesOf(
  value: unknown,
  path: LeafPath = [],
): Array<{ path: LeafPath; kind: 'string' | 'number' | 'key' }> {
  if (typeof value === 'string') return [{ path, kind: 'string' }];
  if (typeof value === 'number') return [{ path, kind: 'number' }];
  if (Array.isArray(value)) return value.flatMap((v, i) => leavesOf(v, [...path, i]));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([k, v]) => [
      { path: [...path, k], kind: 'key' as const },
      ...leavesOf(v, [...path, k]),
    ]);
  }
  return [];
}

/** A deep copy of `value` with the leaf at `path` replaced (or, for a key leaf, the key renamed). */
export function withLeaf(value: unknown, path: LeafPath, replacement: unknown, renameKey = false): unknown {
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let node: Record<string | number, unknown> = copy;
  for (const step of path.slice(0, -1)) node = node[step] as Record<string | number, unknown>;
  const last = path.at(-1) as string | number;
  if (renameKey) {
    const v = node[last];
    delete node[last];
    node[replacement as string] = v;
  } else {
    node[last] = replacement;
  }
  return copy;
}
