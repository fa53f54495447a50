/**
 * The challenge a credential's client data carries (`response.clientDataJSON`, base64url JSON), read
 * before the library checks anything so the challenge can be used up first; undefined when unreadable.
 */
export function challengeOf(credential: { response?: { clientDataJSON?: unknown } }): string | undefined {
  const encoded = credential?.response?.clientDataJSON;
  if (typeof encoded !== 'string') return undefined;
  try {
    const clientData = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as {
      challenge?: unknown;
    };
    return typeof clientData?.challenge === 'string' && clientData.challenge.length > 0
      ? clientData.challenge
      : undefined;
  } catch {
    return undefined;
  }
}
