import fc from 'fast-check';

/** A route as the OpenAPI document lists it: method and path template (`/api/auth/sessions/{id}`). */
export interface Route {
  method: string;
  path: string;
}

/** How a generated request authenticates; the test turns it into a real header with live tokens. */
export type Credential =
  | { kind: 'none' }
  | { kind: 'session'; via: 'cookie' | 'bearer' }
  | { kind: 'token'; token: TokenAttack; via: 'cookie' | 'bearer' }
  | { kind: 'raw-cookie'; value: string };

export type TokenAttack =
  | { attack: 'tampered'; at: number }
  | { attack: 'foreign-key' }
  | { attack: 'alg-none' }
  | { attack: 'expired' }
  | { attack: 'odd-payload'; payload: unknown }
  | { attack: 'garbage'; text: string };

export interface HostileRequest {
  method: string;
  path: string;
  contentType?: string;
  contentEncoding?: string;
  body?: Buffer;
  credential: Credential;
}

const FIELDS = ['email', 'password', 'fullName', 'profilePic', 'currentPassword', 'newPassword'];
const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype'];
const VALID_OBJECT_ID = fc.stringMatching(/^[0-9a-f]{24}$/);

const specialString = fc.constantFrom(
  '',
  '\u0000',
  'nul\u0000byte@example.com',
  'a\ud800@x.io',
  '\udfff',
  'ada@example.com',
  'ADA@EXAMPLE.COM ',
  '$gt',
  '{"$ne":null}',
  '../../etc/passwd',
  'data:image/png;base64,AAAA',
  'data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciLz4=',
  'data:image/png;base64,' + 'A'.repeat(2000),
  'https://evil.example/x.png',
  '0123456789abcdef01234567',
  'violet-kettle-harbour-42',
  '\u202Eevil',
  '<script>alert(1)</script>',
);

const hostileString = fc.oneof(
  { weight: 4, arbitrary: specialString },
  { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ maxLength: 20 }).map((text) => `${text}\u0000${text}`) },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 140_000 }).map((length) => 'x'.repeat(length)) },
);

const key = fc.oneof(
  fc.constantFrom(...FIELDS, ...PROTOTYPE_KEYS, '$where', '$set', 'a.b', ''),
  fc.string({ unit: 'binary', maxLength: 8 }),
);

const { value: jsonValue } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    hostileString,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 4 }),
  ),
}));

/** An object written key by key, so that `"__proto__"` appears in the text as an attacker sends it. */
const objectText = fc
  .array(fc.tuple(key, jsonValue), { maxLength: 6 })
  .map(
    (entries) =>
      `{${entries.map(([name, value]) => `${JSON.stringify(name)}:${JSON.stringify(value) ?? 'null'}`).join(',')}}`,
  );

const jsonText = fc.oneof(
  { weight: 6, arbitrary: objectText },
  { weight: 2, arbitrary: jsonValue.map((value) => JSON.stringify(value) ?? 'null') },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1, max: 20_000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 1, max: 5_000 })
      .map((depth) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '{"__proto__":{"polluted":"yes"}}',
      '{"constructor":{"prototype":{"polluted":"yes"}}}',
      '{"email":{"__proto__":{"polluted":"yes"}},"password":"x"}',
      '{"fullName":"a","__proto__":{"polluted":"yes"},"email":"a@b.co","password":"violet-kettle-harbour-42"}',
      '{"email":"a@b.co","email":"b@b.co","password":"x"}',
      '{"email":1e99999,"password":-0}',
      '{"profilePic":"data:image/png;base64,\\u0000"}',
      '\ufeff{"email":"a@b.co","password":"x"}',
      '',
      ' ',
      'null',
      'nul',
      '{',
      '{"email":"a@b.co",}',
      "{'email':'a@b.co'}",
    ),
  },
);

const INVALID_UTF8 = [
  [0xff],
  [0xc3],
  [0xed, 0xa0, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xc0, 0xaf],
  [0x00],
];

const body = fc.oneof(
  { weight: 6, arbitrary: jsonText.map((text) => Buffer.from(text)) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(jsonText, fc.nat())
      .map(([text, cut]) => Buffer.from(text).subarray(0, cut % (text.length + 1))),
  },
  {
    weight: 2,
    arbitrary: fc.tuple(jsonText, fc.nat(), fc.constantFrom(...INVALID_UTF8)).map(([text, at, bytes]) => {
      const bytesOfText = Buffer.from(text);
      const cut = at % (bytesOfText.length + 1);
      return Buffer.concat([bytesOfText.subarray(0, cut), Buffer.from(bytes), bytesOfText.subarray(cut)]);
    }),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)) },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

const contentType = fc.oneof(
  { weight: 8, arbitrary: fc.constant('application/json') },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      undefined,
      '',
      'application/json; charset=utf-8',
      'application/json; charset=latin1',
      'application/json; charset=utf-16',
      'Application/JSON',
      'application/merge-patch+json',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data',
      'multipart/form-data; boundary=xyz',
      'multipart/form-data; boundary=',
      'application/octet-stream',
      'not a type',
    ),
  },
);

const pathParameter = fc.oneof(
  VALID_OBJECT_ID,
  fc.constantFrom(
    'zzzzzzzzzzzzzzzzzzzzzzzz',
    '0123456789abcdef0123456',
    '%',
    '%ff',
    '%00',
    '%ED%A0%80',
    '..%2F..',
    '-1',
    '[object%20Object]',
    'a'.repeat(5000),
  ),
  fc.string({ unit: 'binary', maxLength: 30 }).map(encodeURIComponent),
);

const querySuffix = fc.constantFrom(
  '',
  '',
  '',
  '?__proto__[polluted]=yes',
  '?constructor[prototype][polluted]=yes',
  '?a=%',
  '?a=%ED%A0%80',
  `?x=${'y'.repeat(8000)}`,
);

const tokenAttack: fc.Arbitrary<TokenAttack> = fc.oneof(
  fc.record({ attack: fc.constant('tampered' as const), at: fc.nat() }),
  fc.record({ attack: fc.constant('foreign-key' as const) }),
  fc.record({ attack: fc.constant('alg-none' as const) }),
  fc.record({ attack: fc.constant('expired' as const) }),
  fc.record({
    attack: fc.constant('odd-payload' as const),
    payload: fc.oneof(
      fc.constantFrom(
        null,
        42,
        [],
        'sub',
        true,
        { sub: { $ne: null }, sid: 'x' },
        { sub: '0123456789abcdef01234567', sid: { $gt: '' } },
      ),
      jsonValue,
    ),
  }),
  fc.record({
    attack: fc.constant('garbage' as const),
    text: fc.string({ unit: 'grapheme-ascii', maxLength: 200 }),
  }),
);

const via = fc.constantFrom('cookie' as const, 'bearer' as const);

const credential: fc.Arbitrary<Credential> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('session' as const), via }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('token' as const), token: tokenAttack, via }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('raw-cookie' as const),
      value: fc.constantFrom(
        'jwt=j:{"__proto__":{"polluted":"yes"}}',
        'jwt=j:[1,2]',
        'jwt=%',
        'jwt=',
        'jwt=a; jwt=b',
        '__proto__=x',
      ),
    }),
  },
);

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'];

/** Requests against the given routes: mostly their own method, sometimes another one or a stray path. */
export function hostileRequests(routes: Route[]): fc.Arbitrary<HostileRequest> {
  const target = fc.oneof(
    { weight: 10, arbitrary: fc.constantFrom(...routes) },
    {
      weight: 1,
      arbitrary: fc.record({
        method: fc.constantFrom(...METHODS),
        path: fc.constantFrom(...routes.map((route) => route.path)),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        method: fc.constantFrom(...METHODS),
        path: fc.constantFrom('/api', '/api/{id}', '/media/{id}/{id}', '/{id}'),
      }),
    },
  );
  return fc
    .record({
      target,
      parameters: fc.array(pathParameter, { minLength: 2, maxLength: 2 }),
      query: querySuffix,
      contentType,
      contentEncoding: fc.option(fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'bogus'), {
        freq: 10,
        nil: undefined,
      }),
      body,
      credential,
    })
    .map(({ target: { method, path }, parameters, query, ...rest }) => {
      let index = 0;
      const filled = path.replace(/\{[^}]+\}/g, () => parameters[index++ % parameters.length]);
      return { method, path: filled + query, ...rest };
    });
}
