import { BadRequestException, Injectable, PipeTransform } from '@nestjs/common';

export const INVALID_OBJECT_ID = 'id must be a 24-character hexadecimal id';

/**
 * Route ids are 24 hex characters; anything else is a 400 before it reaches a query. The id stays a
 * string: a parameter typed as ObjectId would make the global ValidationPipe try to build one.
 */
@Injectable()
export class ObjectIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!/^[a-f0-9]{24}$/i.test(value)) {
      throw new BadRequestException(INVALID_OBJECT_ID);
    }
    return value.toLowerCase();
  }
}
