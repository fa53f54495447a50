import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Types } from 'mongoose';
import type { AppConfig } from '../../config/app-config.js';

const VERSION = 'v1';
const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;

/**
 * Seals TOTP secrets for storage: AES-256-GCM under a key derived (HKDF-SHA-256) from
 * TWO_FACTOR_ENCRYPTION_KEY, bound to the user's id, so a stolen database or backup holds no usable
 * secret and a sealed secret copied onto another account does not open.
 */
@Injectable()
export class TwoFactorSecretBox {
  private readonly key: Buffer;

  constructor(config: ConfigService<AppConfig, true>) {
    const material = config.get('twoFactor.encryptionKey', { infer: true });
    this.key = Buffer.from(hkdfSync('sha256', material, '', 'chat-auth two-factor secret', 32));
  }

  seal(secret: string, owner: Types.ObjectId): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.key, iv);
    cipher.setAAD(Buffer.from(owner.toHexString()));
    const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return [VERSION, iv, cipher.getAuthTag(), sealed].map(encode).join('.');
  }

  /** The secret; throws when the value was tampered with, belongs to another user or another key. */
  open(value: string, owner: Types.ObjectId): string {
    const [version, iv, tag, sealed] = value.split('.');
    if (version !== VERSION || !iv || !tag || !sealed) throw new Error('Not a sealed two-factor secret');
    const decipher = createDecipheriv(ALGORITHM, this.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(owner.toHexString()));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(sealed, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  }
}

function encode(part: string | Buffer): string {
  return typeof part === 'string' ? part : part.toString('base64url');
}
