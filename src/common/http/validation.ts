import { BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';
import type { FieldError } from '../filters/all-exceptions.filter.js';

/** A 400 about one field, in the same shape as the ValidationPipe's. */
export function invalidField(field: string, message: string): BadRequestException {
  return new BadRequestException({ message, errors: [{ field, message }] });
}

/** Global DTO validation: unknown fields are rejected, nothing is converted implicitly. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    // Not forbidUnknownValues: it refuses every value of a class without any rule, so a DTO with no
    // fields yet (as `nest g resource` writes it) would refuse `{}`. The whitelist above already
    // refuses any field such a class does not declare, nested plain objects' fields included, and the
    // body parser refuses bodies that are not JSON objects.
    forbidUnknownValues: false,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    stopAtFirstError: true,
    exceptionFactory: (errors) => {
      const fields = flatten(errors);
      return new BadRequestException({
        message: fields[0]?.message ?? 'Invalid request body',
        errors: fields,
      });
    },
  });
}

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    if (!error.property) {
      return [{ field: 'body', message: 'The request body must be a JSON object' }];
    }
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({
      field,
      message: message.replace(/^property (\S+) should not exist$/, `$1 is not an allowed field`),
    }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}
