import { describe, expect, it } from 'vitest';
import { postgresLogLine } from '../../src/dev/postgres-log-line';

/** Lines as the embedded PostgreSQL server writes them (its default log_line_prefix "%m [%p] "). */
describe('postgresLogLine', () => {
  it('given error, detail and statement lines, should keep their severity and drop the quoted values', () => {
    const lines = [
      '2026-12-02 06:00:00.000 UTC [42] ERROR:  duplicate key value violates unique constraint "person_ci_unique"',
      '2026-12-02 06:00:00.000 UTC [42] DETAIL:  Key (ci)=(1311112222) already exists.',
      '2026-12-02 06:00:00.000 UTC [42] STATEMENT:  insert into "person" ("ci") values ($1)',
      '2026-12-02 06:00:00.000 UTC [42] ERROR:  invalid input syntax for type integer: "\\xffd8ffe0"',
    ];
    const out = lines.map(postgresLogLine);
    expect(out.join('\n')).not.toMatch(/1311112222|insert into|ffd8|person_ci_unique/);
    expect(out.map((l) => /\b(ERROR|DETAIL|STATEMENT):/.exec(l)?.[1])).toEqual([
      'ERROR',
      'DETAIL',
      'STATEMENT',
      'ERROR',
    ]);
  });

  it('given an ordinary line, should keep it', () => {
    const line = '2026-12-02 06:00:00.000 UTC [42] LOG:  database system is ready to accept connections';
    expect(postgresLogLine(line)).toBe(line);
  });
});
