import { BadRequestException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { PASSWORD_MAX_LENGTH, PasswordPolicy } from './password-policy.js';

function policyWith(passwordMinLength: number): PasswordPolicy {
  return new PasswordPolicy(new ConfigService({ auth: { passwordMinLength } }));
}

/** The 400 body assertAcceptable throws, or null when the password is accepted. */
function rejection(policy: PasswordPolicy, password: string, field?: string) {
  try {
    policy.assertAcceptable(password, field);
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequestException);
    return (error as BadRequestException).getResponse() as {
      message: string;
      errors: Array<{ field: string; message: string }>;
    };
  }
}

describe('PasswordPolicy', () => {
  const policy = policyWith(8);

  it('takes its minimum length from the configuration', () => {
    const strict = policyWith(12);
    expect(rejection(strict, 'tulip-wharf')?.message).toBe('password must be at least 12 characters long');
    expect(rejection(strict, 'tulip-wharfs')).toBeNull();
    expect(rejection(policy, 'tulip-wh')).toBeNull();
    expect(rejection(policy, 'tulip-w')?.message).toBe('password must be at least 8 characters long');
  });

  it(`accepts ${PASSWORD_MAX_LENGTH} characters and refuses more`, () => {
    expect(PASSWORD_MAX_LENGTH).toBe(128);
    const max = 'harbour-'.repeat(16);
    expect(max).toHaveLength(128);
    expect(rejection(policy, max)).toBeNull();
    expect(rejection(policy, `${max}x`)?.message).toBe('password must be at most 128 characters long');
  });

  it('counts characters as the user does, not UTF-16 units', () => {
    expect(rejection(policy, '🔑🚪🌙🦉')?.message).toMatch(/at least 8/); // 8 UTF-16 units
    expect(rejection(policy, '🔑🚪🌙🦉🍵🎻🧭🪁')).toBeNull();
    expect(rejection(policy, '🔑'.repeat(128))).toBeNull();
    expect(rejection(policy, '🔑'.repeat(129))?.message).toMatch(/at most 128/);
  });

  it.each(['password', 'Password', 'BASEBALL', 'FootBall', 'Trustno1', 'QWERTYUIOP', '1qaz2wsx3edc'])(
    'refuses the common password %s, whatever its case',
    (password) => {
      expect(rejection(policy, password)?.message).toBe(
        'password is too common, please choose a less guessable one',
      );
    },
  );

  it('does not read two neighbouring entries of the list as one password', () => {
    // 'password' and '12345678' follow each other in the list, one per line.
    expect(rejection(policy, 'password\n12345678')).toBeNull();
    expect(rejection(policy, 'unguessable-violet-kettle')).toBeNull();
  });

  it('accepts a long passphrase', () => {
    expect(rejection(policy, 'correct horse battery staple on a violet kettle')).toBeNull();
  });

  it('names the given field in the message and in the field errors', () => {
    const body = rejection(policy, 'short', 'newPassword');
    expect(body).toEqual({
      message: 'newPassword must be at least 8 characters long',
      errors: [{ field: 'newPassword', message: 'newPassword must be at least 8 characters long' }],
    });
  });
});
