import { RETURN_TO } from './return-to.dto.js';

describe('RETURN_TO: a path of the app, never another host', () => {
  it.each(['/', '/chat', '/chat?room=1&x=%2F%2Fa', '/settings/security#passkeys', '/a//b'])(
    'takes %s',
    (path) => {
      expect(RETURN_TO.test(path)).toBe(true);
    },
  );

  it.each([
    '',
    'chat',
    '//evil.example',
    '///evil.example',
    '/\\evil.example',
    '/\\/evil.example',
    '/chat\\..\\x',
    'https://evil.example/',
    'javascript:alert(1)',
    '/ chat',
    '/chat\tx',
    '/chat\nx',
  ])('refuses %j', (path) => {
    expect(RETURN_TO.test(path)).toBe(false);
  });
});
