import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Types } from 'mongoose';
import request from 'supertest';
import { createTestApp, databaseOf } from '../support/app/test-app.js';
import { LogCapture } from '../support/app/log-capture.js';
import { TestClock } from '../support/app/test-clock.js';
import { GOOD_PASSWORD, signUp, USER_KEYS, WRONG_PASSWORD } from '../support/auth.js';
import { errorBody } from '../support/http/errors.js';
import { OutboxMailbox } from '../support/mail/mailbox.js';
import {
  addPasskey,
  answered,
  authenticationOptions,
  PASSKEY_REGISTRATION_FAILED,
  PASSKEY_SIGN_IN_FAILED,
  passkeySignIn,
  registrationOptions,
} from '../support/passkeys.js';
import { type Bent, SoftwareAuthenticator, strangerKey } from '../support/software-authenticator.js';
import { cookiesOf, enableTwoFactor } from '../support/two-factor.js';

const ORIGIN = 'http://localhost:5173';
const STEP_UP_REQUIRED =
  'This session signed in more than 10 minutes ago: send your password, or sign in again';
const MINUTE = 60_000;

describe('Passkeys (e2e, with a software authenticator)', () => {
  // Sessions are stamped with the real time: the clock starts there, so a session's age is the clock's.
  const clock = new TestClock(new Date());
  let app: NestExpressApplication;
  let outbox: OutboxMailbox;
  let logs: LogCapture;
  const http = () => request(app.getHttpServer());
  const auditEvents = () => databaseOf(app).collection('auditevents');

  beforeAll(async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'passkeys-'));
    app = await createTestApp({ DATA_DIR: dataDir }, { overrides: [clock.provider] });
    outbox = OutboxMailbox.of(dataDir);
    logs = LogCapture.attach(app);
  });
  afterAll(() => app.close());
  // Tests move the clock (expiry); each starts from the real time again.
  beforeEach(() => clock.set(new Date()));

  /** A signed-up account with one passkey on a fresh authenticator. */
  async function withPasskey(options: ConstructorParameters<typeof SoftwareAuthenticator>[1] = {}) {
    const account = await signUp(app);
    const authenticator = new SoftwareAuthenticator(ORIGIN, options);
    const added = await answered(addPasskey(app, account.cookie, authenticator), 201);
    return { ...account, authenticator, passkey: added.body as { id: string; name: string } };
  }

  const list = async (cookie: string) =>
    (await http().get('/api/auth/passkeys').set('Cookie', cookie).expect(200)).body as Array<{
      id: string;
      name: string;
      lastUsedAt: string | null;
    }>;

  describe('registration', () => {
    it('offers creation options for a discoverable, user-verifying passkey, with an opaque user id', async () => {
      const { cookie, email, user } = await signUp(app, { fullName: 'Ada Lovelace' });
      const res = await http()
        .post('/api/auth/passkeys/registration-options')
        .set('Cookie', cookie)
        .send({})
        .expect(200);
      expect(res.headers['cache-control']).toBe('no-store');
      const options = res.body;
      expect(options).toMatchObject({
        rp: { id: 'localhost', name: 'Chat auth' },
        user: { name: email, displayName: 'Ada Lovelace' },
        timeout: 5 * MINUTE,
        attestation: 'none',
        excludeCredentials: [],
        authenticatorSelection: {
          residentKey: 'required',
          requireResidentKey: true,
          userVerification: 'required',
        },
        extensions: { credProps: true },
      });
      expect(options.pubKeyCredParams.map(({ alg }: { alg: number }) => alg)).toEqual(
        expect.arrayContaining([-7, -257]),
      );
      const userId = Buffer.from(options.user.id as string, 'base64url');
      expect(userId).toHaveLength(32);
      for (const known of [email, user._id as string]) expect(userId.toString('utf8')).not.toContain(known);
      expect(options.user.id).not.toContain(user._id);

      // The same handle each time for this account, another for another account; a fresh challenge each time.
      const again = await registrationOptions(app, cookie);
      expect(again.user.id).toBe(options.user.id);
      expect(again.challenge).not.toBe(options.challenge);
      expect(Buffer.from(again.challenge, 'base64url').length).toBeGreaterThanOrEqual(16);
      const other = await registrationOptions(app, (await signUp(app)).cookie);
      expect(other.user.id).not.toBe(options.user.id);
    });

    it('adds the passkey: 201 with its public fields, audited, a notice mailed, excluded from the next options', async () => {
      const { cookie, email, user } = await signUp(app);
      const authenticator = new SoftwareAuthenticator(ORIGIN);
      const res = await answered(addPasskey(app, cookie, authenticator, { name: 'Work laptop' }), 201);
      expect(Object.keys(res.body).sort()).toEqual(['createdAt', 'id', 'lastUsedAt', 'name']);
      expect(res.body).toMatchObject({
        name: 'Work laptop',
        lastUsedAt: null,
        createdAt: clock.now().toISOString(),
      });

      const mail = await outbox.waitFor(email, 'A passkey was added to your account');
      expect(mail.text).toContain('A passkey');
      expect(await auditEvents().countDocuments({ type: 'passkey.added', user: toObjectId(user._id) })).toBe(
        1,
      );

      const options = await registrationOptions(app, cookie);
      expect(options.excludeCredentials).toEqual([
        { id: authenticator.credentials[0].id, type: 'public-key', transports: ['internal', 'hybrid'] },
      ]);
      // What is stored: the key and its bookkeeping, the credential id unique.
      const stored = await databaseOf(app)
        .collection('passkeys')
        .findOne({ credentialId: authenticator.credentials[0].id });
      expect(stored).toMatchObject({
        counter: 0,
        transports: ['internal', 'hybrid'],
        deviceType: 'singleDevice',
        backedUp: false,
        aaguid: '00000000-0000-0000-0000-000000000000',
      });
      expect(typeof stored!.publicKey).toBe('string');
    });

    it('names a passkey "Passkey" by default; lists, renames, and finds only the caller\'s own', async () => {
      const { cookie, passkey } = await withPasskey();
      expect(passkey.name).toBe('Passkey');
      expect(await list(cookie)).toEqual([passkey]);

      const renamed = await http()
        .patch(`/api/auth/passkeys/${passkey.id}`)
        .set('Cookie', cookie)
        .send({ name: '  Phone  ' })
        .expect(200);
      expect(renamed.body).toEqual({ ...passkey, name: 'Phone' });
      await http()
        .patch(`/api/auth/passkeys/${passkey.id}`)
        .set('Cookie', cookie)
        .send({ name: '' })
        .expect(400);
      await http().patch('/api/auth/passkeys/nope').set('Cookie', cookie).send({ name: 'x' }).expect(400);

      const stranger = await signUp(app);
      const notTheirs = await http()
        .patch(`/api/auth/passkeys/${passkey.id}`)
        .set('Cookie', stranger.cookie)
        .send({ name: 'Mine now' })
        .expect(404);
      expect(notTheirs.body).toEqual(errorBody(404, 'Passkey not found'));
      await http()
        .delete(`/api/auth/passkeys/${passkey.id}`)
        .set('Cookie', stranger.cookie)
        .send({ password: GOOD_PASSWORD })
        .expect(404);
      expect(await list(stranger.cookie)).toEqual([]);
      await http().get('/api/auth/passkeys').expect(401);
    });

    it('asks for the password once the session is 10 minutes old', async () => {
      const { cookie } = await signUp(app);
      const options = () => http().post('/api/auth/passkeys/registration-options').set('Cookie', cookie);
      await options().send({}).expect(200);
      clock.advance(10 * MINUTE + 1000);
      expect((await options().send({}).expect(401)).body).toEqual(errorBody(401, STEP_UP_REQUIRED));
      expect((await options().send({ password: WRONG_PASSWORD }).expect(401)).body).toEqual(
        errorBody(401, 'Current password is incorrect'),
      );
      await options().send({ password: GOOD_PASSWORD }).expect(200);
    });

    it('refuses a wrong password even within the 10 minutes', async () => {
      const { cookie } = await signUp(app);
      await http()
        .post('/api/auth/passkeys/registration-options')
        .set('Cookie', cookie)
        .send({ password: WRONG_PASSWORD })
        .expect(401);
    });

    const registrationRefusals: Array<
      [string, (cookie: string) => Promise<{ options: object; bent: Bent }>]
    > = [
      [
        'another origin',
        async (cookie) => ({
          options: await registrationOptions(app, cookie),
          bent: { origin: 'https://evil.example' },
        }),
      ],
      [
        'another RP ID',
        async (cookie) => ({
          options: await registrationOptions(app, cookie),
          bent: { rpId: 'evil.example' },
        }),
      ],
      [
        'no user verification',
        async (cookie) => ({
          options: await registrationOptions(app, cookie),
          bent: { userVerified: false },
        }),
      ],
      [
        'a challenge not issued by us',
        async (cookie) => ({
          options: await registrationOptions(app, cookie),
          bent: { challenge: randomBytes(32).toString('base64url') },
        }),
      ],
      [
        'a sign-in challenge',
        async (cookie) => ({
          options: await registrationOptions(app, cookie),
          bent: { challenge: (await authenticationOptions(app)).challenge },
        }),
      ],
      [
        'a challenge issued to another account',
        async (cookie) => ({
          options: await registrationOptions(app, cookie),
          bent: { challenge: (await registrationOptions(app, (await signUp(app)).cookie)).challenge },
        }),
      ],
      [
        'a get instead of a create',
        async (cookie) => ({
          options: await registrationOptions(app, cookie),
          bent: { type: 'webauthn.get' },
        }),
      ],
    ];

    it.each(registrationRefusals)(
      'refuses a new passkey with %s: 400, nothing stored',
      async (_case, arrange) => {
        const { cookie } = await signUp(app);
        const authenticator = new SoftwareAuthenticator(ORIGIN);
        const { options, bent } = await arrange(cookie);
        const res = await http()
          .post('/api/auth/passkeys/registration')
          .set('Cookie', cookie)
          .send({ response: authenticator.create(options as never, bent) })
          .expect(400);
        expect(res.body).toEqual(errorBody(400, PASSKEY_REGISTRATION_FAILED));
        expect(await list(cookie)).toEqual([]);
      },
    );

    it('refuses an expired or used registration challenge', async () => {
      const { cookie } = await signUp(app);
      const authenticator = new SoftwareAuthenticator(ORIGIN);
      const register = (response: object) =>
        http().post('/api/auth/passkeys/registration').set('Cookie', cookie).send({ response });

      const expiring = await registrationOptions(app, cookie);
      clock.advance(5 * MINUTE);
      await register(authenticator.create(expiring)).expect(400);

      const options = await registrationOptions(app, cookie);
      const response = authenticator.create(options);
      await register(response).expect(201);
      // The same answer again: its challenge is used up (and the credential is registered).
      expect((await register(response).expect(400)).body).toEqual(
        errorBody(400, PASSKEY_REGISTRATION_FAILED),
      );
      expect(await list(cookie)).toHaveLength(1);
    });

    it('answers 409 to a credential id already registered, by anyone', async () => {
      const owner = await withPasskey();
      const other = await signUp(app);
      const options = await registrationOptions(app, other.cookie);
      const res = await http()
        .post('/api/auth/passkeys/registration')
        .set('Cookie', other.cookie)
        .send({
          response: owner.authenticator.create(options, { credential: owner.authenticator.credentials[0] }),
        })
        .expect(409);
      expect(res.body).toEqual(errorBody(409, 'This passkey is already registered'));
      expect(await list(other.cookie)).toEqual([]);
    });

    it('keeps only the transports that are short strings, whatever a hand-made body sends', async () => {
      const { cookie } = await signUp(app);
      const authenticator = new SoftwareAuthenticator(ORIGIN);
      const response = authenticator.create(await registrationOptions(app, cookie));
      response.response.transports = ['usb', { nfc: true }, 'x'.repeat(100)] as never;
      await http()
        .post('/api/auth/passkeys/registration')
        .set('Cookie', cookie)
        .send({ response })
        .expect(201);
      const stored = await databaseOf(app).collection('passkeys').findOne({ credentialId: response.id });
      expect(stored!.transports).toEqual(['usb']);
    });

    it('refuses a response that is not an object, and an unknown field', async () => {
      const { cookie } = await signUp(app);
      const send = (body: object) =>
        http().post('/api/auth/passkeys/registration').set('Cookie', cookie).send(body);
      await send({}).expect(400);
      await send({ response: 'x' }).expect(400);
      await send({ response: {}, extra: 1 }).expect(400);
      expect((await send({ response: {} }).expect(400)).body).toEqual(
        errorBody(400, PASSKEY_REGISTRATION_FAILED),
      );
    });
  });

  describe('sign-in', () => {
    it('offers request options for discoverable credentials: a fresh challenge, user verification, no email', async () => {
      const res = await http().post('/api/auth/passkeys/authentication-options').expect(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toEqual({
        rpId: 'localhost',
        challenge: expect.stringMatching(/^[\w-]{22,}$/),
        allowCredentials: [],
        timeout: 5 * MINUTE,
        userVerification: 'required',
      });
      expect((await authenticationOptions(app)).challenge).not.toBe(res.body.challenge);
    });

    it('signs in with the passkey alone: what login answers, a listed session, audited with method passkey', async () => {
      const { email, authenticator, cookie, user } = await withPasskey();
      const res = await answered(passkeySignIn(app, authenticator), 200);
      const login = await http().post('/api/auth/login').send({ email, password: GOOD_PASSWORD }).expect(200);
      expect(Object.keys(res.body).sort()).toEqual(USER_KEYS);
      expect(res.body).toEqual({ ...login.body, updatedAt: res.body.updatedAt });
      expect([...cookiesOf(res).keys()].sort()).toEqual([...cookiesOf(login).keys()].sort());

      const session = `jwt=${cookiesOf(res).get('jwt')}`;
      expect((await http().get('/api/auth/check').set('Cookie', session).expect(200)).body._id).toBe(
        user._id,
      );
      const sessions = (await http().get('/api/auth/sessions').set('Cookie', session).expect(200)).body;
      expect(sessions.filter((listed: { current: boolean }) => listed.current)).toHaveLength(1);
      expect(sessions).toHaveLength(3);

      const requestId = res.headers['x-request-id'] as string;
      expect(await auditEvents().findOne({ requestId })).toMatchObject({
        type: 'login.succeeded',
        method: 'passkey',
      });
      const [listed] = await list(cookie);
      expect(listed.lastUsedAt).toBe(clock.now().toISOString());
    });

    it('counts as both factors: a two-factor account gets its session, no challenge', async () => {
      const { cookie, authenticator } = await withPasskey();
      await enableTwoFactor(app, clock, cookie, GOOD_PASSWORD);
      const res = await answered(passkeySignIn(app, authenticator), 200);
      expect(res.body).not.toHaveProperty('twoFactorRequired');
      expect(res.body.twoFactorEnabled).toBe(true);
      await http()
        .get('/api/auth/check')
        .set('Cookie', `jwt=${cookiesOf(res).get('jwt')}`)
        .expect(200);
    });

    it('works with authenticators that keep no counter, again and again', async () => {
      const { authenticator } = await withPasskey({ keepsCounter: false, backupEligible: true });
      await answered(passkeySignIn(app, authenticator), 200);
      await answered(passkeySignIn(app, authenticator), 200);
    });

    /** Each way a sign-in must fail; `arrange` may sign in first (with the same passkey). */
    const signInRefusals: Array<
      [string, (context: Awaited<ReturnType<typeof withPasskey>>) => Promise<request.Response>]
    > = [
      [
        'an unknown credential',
        async () => {
          const { cookie } = await signUp(app);
          const unregistered = new SoftwareAuthenticator(ORIGIN);
          unregistered.create(await registrationOptions(app, cookie));
          return passkeySignIn(app, unregistered);
        },
      ],
      [
        'a bad signature',
        async ({ authenticator }) => passkeySignIn(app, authenticator, { signingKey: strangerKey() }),
      ],
      [
        'an origin not allowed',
        async ({ authenticator }) => passkeySignIn(app, authenticator, { origin: 'https://evil.example' }),
      ],
      [
        'a wrong RP ID hash',
        async ({ authenticator }) => passkeySignIn(app, authenticator, { rpId: 'evil.example' }),
      ],
      [
        'a challenge not issued by us',
        async ({ authenticator }) =>
          passkeySignIn(app, authenticator, { challenge: randomBytes(32).toString('base64url') }),
      ],
      [
        'no user verification',
        async ({ authenticator }) => passkeySignIn(app, authenticator, { userVerified: false }),
      ],
      [
        'a registration challenge',
        async ({ authenticator, cookie }) =>
          passkeySignIn(app, authenticator, {
            challenge: (await registrationOptions(app, cookie)).challenge,
          }),
      ],
      [
        'a create instead of a get',
        async ({ authenticator }) => passkeySignIn(app, authenticator, { type: 'webauthn.create' }),
      ],
      [
        'a counter that went backwards',
        async ({ authenticator }) => {
          await answered(passkeySignIn(app, authenticator, { counter: 5 }), 200);
          return passkeySignIn(app, authenticator, { counter: 3 });
        },
      ],
      [
        'a counter that did not move',
        async ({ authenticator }) => {
          await answered(passkeySignIn(app, authenticator, { counter: 5 }), 200);
          return passkeySignIn(app, authenticator, { counter: 5 });
        },
      ],
      [
        "another account's user handle",
        async ({ authenticator }) => {
          const other = await withPasskey();
          return passkeySignIn(app, authenticator, {
            userHandle: other.authenticator.credentials[0].userHandle,
          });
        },
      ],
      ['no user handle', async ({ authenticator }) => passkeySignIn(app, authenticator, { userHandle: '' })],
    ];

    it.each(signInRefusals)(
      'refuses %s: 401 "Passkey sign-in failed", no session',
      async (_case, arrange) => {
        const context = await withPasskey();
        const before = await auditEvents().countDocuments({ type: 'login.succeeded' });
        const failedBefore = await auditEvents().countDocuments({ type: 'login.failed' });
        const logged = logs.lines.length;
        const res = await answered(arrange(context), 401);
        expect(res.body).toEqual(errorBody(401, PASSKEY_SIGN_IN_FAILED));
        expect(cookiesOf(res).has('jwt')).toBe(false);
        const succeededMeanwhile = _case.startsWith('a counter') ? 1 : 0;
        expect(await auditEvents().countDocuments({ type: 'login.succeeded' })).toBe(
          before + succeededMeanwhile,
        );
        // Logged with its reason and request id for the operator, not recorded as a failed sign-in
        // of an account.
        const prefix = 'warn [PasskeySignIn] ';
        const refusal = logs.lines.slice(logged).find((line) => line.startsWith(prefix));
        expect(JSON.parse(refusal?.slice(prefix.length) ?? '{}')).toEqual({
          msg: expect.stringMatching(/^Passkey sign-in refused: /),
          requestId: res.headers['x-request-id'],
        });
        expect(res.headers['x-request-id']).toBeTruthy();
        expect(await auditEvents().countDocuments({ type: 'login.failed' })).toBe(failedBefore);
        // The passkey itself still works.
        await answered(passkeySignIn(app, context.authenticator, { counter: 100 }), 200);
      },
    );

    it('refuses an expired challenge (5 minutes) and a used one', async () => {
      const { authenticator } = await withPasskey();
      const signIn = (response: object) =>
        http().post('/api/auth/passkeys/authentication').send({ response });

      const expiring = await authenticationOptions(app);
      clock.advance(5 * MINUTE);
      expect((await signIn(authenticator.get(expiring)).expect(401)).body).toEqual(
        errorBody(401, PASSKEY_SIGN_IN_FAILED),
      );

      const options = await authenticationOptions(app);
      const response = authenticator.get(options);
      await signIn(response).expect(200);
      await signIn(response).expect(401);
      // A new assertion on the used challenge, counter and all.
      await signIn(authenticator.get(options)).expect(401);
    });

    it('uses a challenge up even when the sign-in fails', async () => {
      const { authenticator } = await withPasskey();
      const options = await authenticationOptions(app);
      const signIn = (bent: Bent) =>
        http()
          .post('/api/auth/passkeys/authentication')
          .send({ response: authenticator.get(options, bent) });
      await signIn({ signingKey: strangerKey() }).expect(401);
      await signIn({}).expect(401);
    });

    it('refuses a malformed body', async () => {
      const signIn = (body: object) => http().post('/api/auth/passkeys/authentication').send(body);
      await signIn({}).expect(400);
      await signIn({ response: [] }).expect(400);
      expect((await signIn({ response: {} }).expect(401)).body).toEqual(
        errorBody(401, PASSKEY_SIGN_IN_FAILED),
      );
      const options = await authenticationOptions(app);
      await signIn({
        response: {
          id: 42,
          response: {
            clientDataJSON: Buffer.from(JSON.stringify({ challenge: options.challenge })).toString(
              'base64url',
            ),
          },
        },
      }).expect(401);
    });
  });

  describe('removal', () => {
    it('removes a passkey: 204, it no longer signs in, audited and mailed', async () => {
      const { cookie, email, user, authenticator, passkey } = await withPasskey();
      await http().delete(`/api/auth/passkeys/${passkey.id}`).set('Cookie', cookie).send({}).expect(204);
      expect(await list(cookie)).toEqual([]);
      await answered(passkeySignIn(app, authenticator), 401);
      expect(
        await auditEvents().countDocuments({ type: 'passkey.removed', user: toObjectId(user._id) }),
      ).toBe(1);
      await outbox.waitFor(email, 'A passkey was removed from your account');
      await http().delete(`/api/auth/passkeys/${passkey.id}`).set('Cookie', cookie).send({}).expect(404);
    });

    it('asks for the password once the session is 10 minutes old', async () => {
      const { cookie, passkey } = await withPasskey();
      const remove = (body: object) =>
        http().delete(`/api/auth/passkeys/${passkey.id}`).set('Cookie', cookie).send(body);
      clock.advance(10 * MINUTE + 1000);
      expect((await remove({}).expect(401)).body).toEqual(errorBody(401, STEP_UP_REQUIRED));
      await remove({ password: WRONG_PASSWORD }).expect(401);
      expect(await list(cookie)).toHaveLength(1);
      await remove({ password: GOOD_PASSWORD }).expect(204);
    });

    it('refuses to remove the last way to sign in (409)', async () => {
      const { cookie, user, authenticator, passkey } = await withPasskey();
      const second = await answered(addPasskey(app, cookie, new SoftwareAuthenticator(ORIGIN)), 201);
      // An account without a password (as one made by another sign-in method would be).
      await databaseOf(app)
        .collection('users')
        .updateOne({ _id: toObjectId(user._id) }, { $unset: { password: 1 } });
      await http().delete(`/api/auth/passkeys/${second.body.id}`).set('Cookie', cookie).send({}).expect(204);
      const res = await http()
        .delete(`/api/auth/passkeys/${passkey.id}`)
        .set('Cookie', cookie)
        .send({})
        .expect(409);
      expect(res.body).toEqual(
        errorBody(409, 'This passkey is the only way left to sign in to this account: add another first'),
      );
      await answered(passkeySignIn(app, authenticator), 200);
    });

    it('goes with the account: deletion removes every passkey and the user handle', async () => {
      const { cookie, user, authenticator } = await withPasskey();
      await registrationOptions(app, cookie);
      await http()
        .delete('/api/users/me')
        .set('Cookie', cookie)
        .send({ password: GOOD_PASSWORD })
        .expect(204);
      const owner = toObjectId(user._id);
      const db = databaseOf(app);
      expect(await db.collection('passkeys').countDocuments({ user: owner })).toBe(0);
      expect(await db.collection('passkey_users').countDocuments({ user: owner })).toBe(0);
      expect(await db.collection('passkey_challenges').countDocuments({ user: owner })).toBe(0);
      await answered(passkeySignIn(app, authenticator), 401);
    });
  });
});

function toObjectId(id: string): Types.ObjectId {
  return new Types.ObjectId(id);
}
