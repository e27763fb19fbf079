import type { DriverErrorFacts } from '../logging/driver-errors';

export interface DriverErrorAnswer {
  status: 400 | 409;
  body: Record<string, unknown>;
}

/**
 * Data exceptions that only the caller's input can cause (PostgreSQL Appendix A, class 22): a value that
 * passed validation but that the column cannot hold. Anything else from the database is gatesync's fault.
 */
const CALLER_DATA_ERRORS: Record<string, string> = {
  '22001': 'valueTooLong',
  '22003': 'numericOutOfRange',
  '22007': 'invalidDatetimeFormat',
  '22008': 'datetimeFieldOverflow',
  '22021': 'invalidByteSequence',
  '22P02': 'invalidTextRepresentation',
  '22P05': 'untranslatableCharacter',
};

/**
 * The answer for a database error the caller caused: a unique violation is a 409 (the thing exists already,
 * typically a concurrent request won), a value the column cannot hold a 400. The reason names the constraint
 * or column, never the values. Null for every other database error (a 500).
 */
export function driverErrorAnswer(facts: DriverErrorFacts): DriverErrorAnswer | null {
  if (facts.code === '23505') {
    return {
      status: 409,
      body: { error: `${alreadyExists(facts)} already exists`, reason: 'alreadyExists', constraint: facts.constraint },
    };
  }
  const reason = facts.code === undefined ? undefined : CALLER_DATA_ERRORS[facts.code];
  if (reason === undefined) return null;
  const where = facts.column === undefined ? '' : ` (${facts.column})`;
  return { status: 400, body: { error: `a value the database cannot store${where}: ${facts.message}`, reason } };
}

/** "a photo with the same person and version", from the table and the key's columns. */
function alreadyExists(facts: DriverErrorFacts): string {
  const what = facts.table === undefined ? 'a record' : `a ${words(facts.table)}`;
  const columns = facts.keyColumns ?? columnsFromConstraint(facts);
  return columns.length === 0 ? `${what} like this` : `${what} with the same ${columns.map(words).join(' and ')}`;
}

/** `photo_person_id_version_unique` on `photo` → [`person_id_version`]: the name without table and suffix. */
function columnsFromConstraint(facts: DriverErrorFacts): string[] {
  if (facts.constraint === undefined) return [];
  let name = facts.constraint.replace(/_(unique|key|pkey|uniq|idx)$/, '');
  if (facts.table !== undefined && name.startsWith(`${facts.table}_`)) name = name.slice(facts.table.length + 1);
  return name === '' ? [] : [name];
}

function words(identifier: string): string {
  return identifier.replace(/_id$/, '').replace(/_/g, ' ');
}
