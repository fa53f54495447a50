import type { MailMessage } from '../mailer.js';
import { markup } from './html.js';

/** What a message says; layout() renders it as plain text and as HTML in the same words. */
export interface MessageContent {
  subject: string;
  /** Unset: a greeting without a name. */
  fullName?: string;
  paragraphs: string[];
  action?: { label: string; url: string };
  /** Paragraphs after the action button. */
  closing?: string[];
}

const BUTTON_STYLE =
  'display: inline-block; padding: 10px 18px; background: #2563eb; color: #fff; text-decoration: none; border-radius: 6px';

export function layout(to: string, content: MessageContent): MailMessage {
  const { subject, fullName, paragraphs, action, closing = [] } = content;
  const greeting = fullName === undefined ? 'Hello,' : `Hello ${fullName},`;
  const text = [
    greeting,
    ...paragraphs,
    ...(action ? [`${action.label}: ${action.url}`] : []),
    ...closing,
  ].join('\n\n');
  const paragraph = (words: string) => markup`<p>${words}</p>\n`;
  const button = action
    ? markup`<p><a href="${action.url}" style="${BUTTON_STYLE}">${action.label}</a></p>
<p style="font-size: 13px; color: #555">If the button does not work, open this link: <a href="${action.url}">${action.url}</a></p>\n`
    : '';
  const body = markup`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${subject}</title></head>
<body style="font-family: Arial, sans-serif; line-height: 1.5; color: #222; max-width: 560px">
<p>${greeting}</p>
${paragraphs.map(paragraph)}${button}${closing.map(paragraph)}</body>
</html>
`;
  return { to, subject, text: `${text}\n`, html: body.value };
}
