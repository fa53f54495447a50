import { VerifiedTokens } from './verified-tokens.js';

describe('VerifiedTokens', () => {
  const now = Date.now();
  const payload = (sid: string, sub: string, expInSeconds = 600) => ({
    sid,
    sub,
    exp: Math.floor(now / 1000) + expInSeconds,
  });

  it('serves a verified token until its exp, then forgets it', () => {
    const tokens = new VerifiedTokens();
    const claims = payload('s1', 'u1', 60);
    tokens.set('t1', claims);
    expect(tokens.get('t1', now)).toBe(claims);
    expect(tokens.get('t1', claims.exp * 1000 - 1)).toBe(claims);
    expect(tokens.get('t1', claims.exp * 1000)).toBeUndefined();
    expect(tokens.size).toBe(0);
  });

  it('keeps only tokens with an expiry and our claims, and at most maxEntries (oldest out first)', () => {
    const tokens = new VerifiedTokens(2);
    tokens.set('no-exp', { sid: 's', sub: 'u' });
    tokens.set('not-ours', { exp: Math.floor(now / 1000) + 60 });
    tokens.set('null', null);
    expect(tokens.size).toBe(0);
    tokens.set('t1', payload('s1', 'u1'));
    tokens.set('t2', payload('s2', 'u1'));
    tokens.set('t3', payload('s3', 'u1'));
    expect([tokens.get('t1', now), tokens.get('t2', now), tokens.get('t3', now)].map(Boolean)).toEqual([
      false,
      true,
      true,
    ]);
  });

  it('forgets the tokens of a revoked session, of every session of a user but one, and of a changed user', () => {
    const tokens = new VerifiedTokens();
    tokens.set('a1', payload('sa1', 'ua'));
    tokens.set('a2', payload('sa2', 'ua'));
    tokens.set('a3', payload('sa3', 'ua'));
    tokens.set('b1', payload('sb1', 'ub'));
    tokens.set('c1', payload('sc1', 'uc'));

    tokens.forget('sessions', { cache: 'sessions', key: 'sa1' });
    expect(tokens.get('a1', now)).toBeUndefined();
    expect(tokens.get('a2', now)).toBeDefined();

    tokens.forget('sessions', { cache: 'sessions', tag: 'ua', exceptKey: 'sa3' });
    expect(tokens.get('a2', now)).toBeUndefined();
    expect(tokens.get('a3', now)).toBeDefined();

    tokens.forget('users', { cache: 'users', key: 'ub' });
    expect(tokens.get('b1', now)).toBeUndefined();
    tokens.forget('other', { cache: 'other', key: 'uc' });
    expect(tokens.get('c1', now)).toBeDefined();

    tokens.forget('sessions', undefined);
    expect(tokens.size).toBe(0);
  });
});
