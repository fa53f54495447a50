import { BadRequestException, Injectable, PipeTransform } from '@nestjs/common';
import { Types } from 'mongoose';

/** Route ids are 24 hex characters; anything else is a 400 before it reaches a query. */
@Injectable()
export class ObjectIdPipe implements PipeTransform<string, Types.ObjectId> {
  transform(value: string): Types.ObjectId {
    if (!/^[a-f0-9]{24}$/i.test(value)) {
      throw new BadRequestException('id must be a 24-character hexadecimal id');
    }
    return new Types.ObjectId(value);
  }
}
