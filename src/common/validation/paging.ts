import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export const limitMessage = (max: number) => `limit must be an integer from 1 to ${max}`;
/**
 * Paged lists take `before`, the id of the last item already shown, and follow `_id`: ObjectIds grow
 * with time and are unique, so no page skips or repeats an item. (Checked with an inline `@Matches`
 * so the Swagger plugin documents its pattern.)
 */
export const beforeMessage = (item: string) => `before must be a 24-character hexadecimal ${item} id`;

/** An optional `limit` query parameter: a plain decimal integer from 1 to `max`. */
export function OptionalLimit(max: number) {
  const message = limitMessage(max);
  return applyDecorators(
    IsOptional(),
    // Query strings arrive as strings, and implicit conversion is off.
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' && /^\d{1,6}$/.test(value) ? Number(value) : value,
    ),
    Min(1, { message }),
    Max(max, { message }),
    IsInt({ message }),
  );
}
