import createClient from 'openapi-fetch';
// Written by test/platform/typed-client.e2e-spec.ts from the served document (git-ignored).
import type { paths } from './generated/api.js';

export interface SessionFlowResult {
  checkedEmail: string;
  renamedTo: string;
  sessionCount: number;
  currentSessionCount: number;
  statusAfterLogout: number;
  messageAfterLogout: string;
}

/**
 * What a client generated from the OpenAPI document does: sign in for a token, use it, sign out.
 * Type-checked by the test with `tsc`, so a document that stops describing these calls fails it.
 */
export async function runSessionFlow(
  baseUrl: string,
  email: string,
  password: string,
): Promise<SessionFlowResult> {
  const client = createClient<paths>({ baseUrl });

  const granted = await client.POST('/api/auth/token', { body: { email, password } });
  if (!granted.data) throw new Error(`token: ${granted.response.status} ${granted.error?.message}`);
  const headers = { Authorization: `${granted.data.token_type} ${granted.data.access_token}` };

  const checked = await client.GET('/api/auth/check', { headers });
  if (!checked.data) throw new Error(`check: ${checked.response.status}`);

  const renamed = await client.PATCH('/api/users/me', { headers, body: { fullName: 'Typed Client' } });
  if (!renamed.data) throw new Error(`rename: ${renamed.error?.message}`);

  const sessions = await client.GET('/api/auth/sessions', { headers });
  if (!sessions.data) throw new Error(`sessions: ${sessions.response.status}`);

  await client.POST('/api/auth/logout', { headers });
  const refused = await client.GET('/api/auth/check', { headers });

  // @ts-expect-error The document has no such route: the generated types must refuse it.
  await client.GET('/api/auth/nope');

  return {
    checkedEmail: checked.data.email,
    renamedTo: renamed.data.fullName,
    sessionCount: sessions.data.length,
    currentSessionCount: sessions.data.filter((session) => session.current).length,
    statusAfterLogout: refused.response.status,
    messageAfterLogout: refused.error?.message ?? '',
  };
}
