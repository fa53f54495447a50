import type { TransformFnParams } from 'class-transformer';

/** Trims strings; other types pass through untouched so the type validators reject them. */
export const trim = ({ value }: TransformFnParams): unknown =>
  typeof value === 'string' ? value.trim() : value;

/** Emails are compared and stored trimmed, Unicode NFC and lower-case. */
export const normalisedEmail = (email: string): string => email.trim().normalize('NFC').toLowerCase();

/** normalisedEmail as a DTO transform. */
export const normalizeEmail = ({ value }: TransformFnParams): unknown =>
  typeof value === 'string' ? normalisedEmail(value) : value;
