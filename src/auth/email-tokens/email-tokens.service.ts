import { randomBytes } from 'node:crypto';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, trusted, Types } from 'mongoose';
import { secretDigest } from '../../common/crypto/secret-digest.js';
import { isDuplicateKeyError } from '../../database/database-errors.js';
import { EmailToken, type EmailTokenPurpose } from './email-token.schema.js';

export interface EmailTokenGrant {
  user: Types.ObjectId;
  purpose: EmailTokenPurpose;
  email: string;
  newEmail?: string | null;
}

const TOKEN_BYTES = 32;
/** base64url of TOKEN_BYTES bytes, without padding. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** Single-use, expiring tokens for the links in emails. */
@Injectable()
export class EmailTokensService implements OnModuleInit {
  constructor(@InjectModel(EmailToken.name) private readonly tokens: Model<EmailToken>) {}

  async onModuleInit(): Promise<void> {
    await this.tokens.init();
  }

  /** A new token for the grant, replacing the user's previous one for the same purpose. */
  async issue(grant: EmailTokenGrant, ttlMs: number): Promise<string> {
    const token = randomBytes(TOKEN_BYTES).toString('base64url');
    const replace = () =>
      this.tokens
        .updateOne({ user: grant.user, purpose: grant.purpose }, this.fields(grant, token, ttlMs), {
          upsert: true,
        })
        .exec();
    // Two concurrent first requests can both try to insert; the loser updates the winner's record.
    await replace().catch((error: unknown) => {
      if (!isDuplicateKeyError(error)) throw error;
      return replace();
    });
    return token;
  }

  /**
   * Like issue(), unless the user's live token for the purpose was issued less than `minAgeMs` ago:
   * then that link stays the valid one and null is returned (nothing new to send). Whoever asks again
   * and again for someone else's address cannot keep voiding the link the owner is about to use.
   */
  async issueUnlessRecent(grant: EmailTokenGrant, ttlMs: number, minAgeMs: number): Promise<string | null> {
    const token = randomBytes(TOKEN_BYTES).toString('base64url');
    // Issued at expiresAt - ttlMs: old enough to replace when it expires no later than this.
    const replaceable = { expiresAt: trusted({ $lte: new Date(Date.now() + ttlMs - minAgeMs) }) };
    try {
      await this.tokens
        .updateOne(
          { user: grant.user, purpose: grant.purpose, ...replaceable },
          this.fields(grant, token, ttlMs),
          {
            upsert: true,
          },
        )
        .exec();
      return token;
    } catch (error) {
      // The unique (user, purpose) index: a recent token exists, maybe one a concurrent request just made.
      if (isDuplicateKeyError(error)) return null;
      throw error;
    }
  }

  private fields(grant: EmailTokenGrant, token: string, ttlMs: number) {
    return {
      $set: {
        tokenHash: secretDigest(token),
        email: grant.email,
        newEmail: grant.newEmail ?? null,
        expiresAt: new Date(Date.now() + ttlMs),
      },
    };
  }

  /** The grant of a live token of one of `purposes`, which is used up by this call; null otherwise. */
  async consume(token: string, purposes: EmailTokenPurpose[]): Promise<EmailTokenGrant | null> {
    if (!TOKEN_SHAPE.test(token)) return null;
    return this.tokens
      .findOneAndDelete({
        tokenHash: secretDigest(token),
        purpose: trusted({ $in: purposes }),
        expiresAt: trusted({ $gt: new Date() }),
      })
      .lean<EmailTokenGrant>()
      .exec();
  }

  /**
   * Voids every live link of the user, whatever its purpose: after a new password or a logout
   * everywhere, a link mailed before (a reset, an email change) must not outlive the change.
   */
  async revokeAll(user: Types.ObjectId): Promise<void> {
    await this.tokens.deleteMany({ user }).exec();
  }
}
