/** HTML that is already safe to embed; anything else interpolated by `markup` gets escaped. */
export class SafeHtml {
  constructor(readonly value: string) {}

  toString(): string {
    return this.value;
  }
}

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => ENTITIES[char]);
}

/** Tagged template: every interpolated value is escaped unless it is SafeHtml (or a list of them). */
export function markup(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  const parts = strings.map((chunk, index) => (index === 0 ? chunk : render(values[index - 1]) + chunk));
  return new SafeHtml(parts.join(''));
}

function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}
