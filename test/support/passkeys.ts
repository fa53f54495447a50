import type { INestApplication } from '@nestjs/common';
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import request from 'supertest';
import { GOOD_PASSWORD } from './auth.js';
import type { Bent, SoftwareAuthenticator } from './software-authenticator.js';

/** The one answer to a refused passkey sign-in (src/auth/passkeys). */
export const PASSKEY_SIGN_IN_FAILED = 'Passkey sign-in failed';
export const PASSKEY_REGISTRATION_FAILED = 'Passkey registration failed';

/** Awaits a request the helpers below made, and checks its status (naming the body when it differs). */
export async function answered(
  pending: Promise<request.Response>,
  status: number,
): Promise<request.Response> {
  const res = await pending;
  expect(res.status, `answered ${res.status}: ${res.text}`).toBe(status);
  return res;
}

/** Creation options for the session in `cookie` (with the password, so a session's age does not matter). */
export async function registrationOptions(
  app: INestApplication,
  cookie: string,
  password: string | undefined = GOOD_PASSWORD,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const res = await request(app.getHttpServer())
    .post('/api/auth/passkeys/registration-options')
    .set('Cookie', cookie)
    .send(password === undefined ? {} : { password })
    .expect(200);
  return res.body as PublicKeyCredentialCreationOptionsJSON;
}

export async function authenticationOptions(
  app: INestApplication,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const res = await request(app.getHttpServer())
    .post('/api/auth/passkeys/authentication-options')
    .expect(200);
  return res.body as PublicKeyCredentialRequestOptionsJSON;
}

/** Registers a new passkey of `authenticator` for the session in `cookie`; answers the registration's response. */
export async function addPasskey(
  app: INestApplication,
  cookie: string,
  authenticator: SoftwareAuthenticator,
  { name, bent }: { name?: string; bent?: Bent } = {},
): Promise<request.Response> {
  const options = await registrationOptions(app, cookie);
  return await request(app.getHttpServer())
    .post('/api/auth/passkeys/registration')
    .set('Cookie', cookie)
    .send({ response: authenticator.create(options, bent), ...(name === undefined ? {} : { name }) });
}

/** Signs in with the newest passkey `authenticator` holds for the API's RP (fresh options each time). */
export async function passkeySignIn(
  app: INestApplication,
  authenticator: SoftwareAuthenticator,
  bent: Bent = {},
) {
  const options = await authenticationOptions(app);
  return await request(app.getHttpServer())
    .post('/api/auth/passkeys/authentication')
    .send({ response: authenticator.get(options, bent) });
}
