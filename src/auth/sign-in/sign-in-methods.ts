import { Injectable } from '@nestjs/common';
import type { Types } from 'mongoose';
import { UsersService } from '../../users/users.service.js';

/** How many ways of signing in of one kind a user has (a password, linked identities, passkeys). */
export type SignInMethodCounter = (user: Types.ObjectId) => Promise<number>;

/**
 * The ways a person can sign in, counted across methods so that the last one is never removed. The
 * password counts here; each other method registers its own counter when its module starts.
 */
@Injectable()
export class SignInMethods {
  private readonly counters = new Map<string, SignInMethodCounter>();

  constructor(users: UsersService) {
    this.register('password', async (user) => ((await users.getPasswordHash(user)) ? 1 : 0));
  }

  register(kind: string, counter: SignInMethodCounter): void {
    this.counters.set(kind, counter);
  }

  /** Whether the user has any way to sign in: checked again after a removal, which may have raced another. */
  async hasAny(user: Types.ObjectId): Promise<boolean> {
    const counts = await Promise.all([...this.counters.values()].map((count) => count(user)));
    return counts.some((count) => count > 0);
  }

  /** Whether the user would still have a way to sign in after removing one of `kind`. */
  async hasAnotherThan(user: Types.ObjectId, kind: string): Promise<boolean> {
    const counts = await Promise.all(
      [...this.counters].map(async ([name, count]) => (await count(user)) - (name === kind ? 1 : 0)),
    );
    return counts.some((left) => left > 0);
  }
}
