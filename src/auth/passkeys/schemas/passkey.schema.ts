import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';

/**
 * A WebAuthn credential a user registered: what checking its signatures takes (the public key, the
 * signature counter) and what the owner sees (a name, when it was added and last used). Deleted when
 * the owner removes it, and with the account.
 */
@Schema({ collection: 'passkeys', versionKey: false })
export class Passkey {
  @Prop({ type: Types.ObjectId, required: true })
  user: Types.ObjectId;

  /** The credential id the authenticator chose, base64url: unique across all users. */
  @Prop({ required: true })
  credentialId: string;

  /** The COSE public key, base64url. */
  @Prop({ required: true })
  publicKey: string;

  /** The last signature counter seen; 0 for authenticators that keep none. Moved only by a conditional update. */
  @Prop({ required: true, default: 0 })
  counter: number;

  /** How the browser can reach the authenticator (`internal`, `hybrid`, `usb`, ...), as it said at registration. */
  @Prop({ type: [String], default: [] })
  transports: string[];

  /** `multiDevice` when the credential may be synced (backup eligible), else `singleDevice`. */
  @Prop({ required: true })
  deviceType: string;

  /** Whether the credential is backed up (synced) now; updated at each sign-in. */
  @Prop({ required: true })
  backedUp: boolean;

  /** The authenticator model's AAGUID (all zeros when it does not say). */
  @Prop({ required: true })
  aaguid: string;

  @Prop({ required: true })
  name: string;

  @Prop({ required: true })
  createdAt: Date;

  @Prop({ type: Date, default: null })
  lastUsedAt: Date | null;
}

export const PasskeySchema = SchemaFactory.createForClass(Passkey);
PasskeySchema.index({ credentialId: 1 }, { unique: true });
PasskeySchema.index({ user: 1 });
