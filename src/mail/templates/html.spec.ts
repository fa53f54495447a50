import { escapeHtml, markup } from './html.js';

describe('markup template tag', () => {
  it('escapes every interpolated value', () => {
    const name = `<img src=x onerror="alert('x')">&`;
    expect(markup`<p>Hi ${name}</p>`.value).toBe(
      '<p>Hi &lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;&amp;</p>',
    );
  });

  it('keeps nested templates and lists of them as they are', () => {
    const items = ['a<b', 'c'].map((item) => markup`<li>${item}</li>`);
    expect(markup`<ul>${items}</ul>`.value).toBe('<ul><li>a&lt;b</li><li>c</li></ul>');
  });

  it('escapes attribute quotes', () => {
    expect(escapeHtml(`"'`)).toBe('&quot;&#39;');
  });
});
