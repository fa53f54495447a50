import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isPhoneNumber } from 'class-validator';

/** Every .ts file under `folder`. */
function sources(folder: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join(folder, name));
}

describe('libphonenumber-js, replaced by vendor/no-phone-numbers (package.json overrides)', () => {
  it('is needed by no code of ours: nothing validates a phone number', () => {
    const users = sources('src').filter((file) => /\bisPhoneNumber\b/i.test(readFileSync(file, 'utf8')));
    expect(users).toEqual([]);
  });

  it('is what class-validator loads: its phone check refuses even a valid number', () => {
    expect(isPhoneNumber('+14155552671')).toBe(false);
  });
});
