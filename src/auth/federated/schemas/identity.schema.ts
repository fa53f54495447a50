import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';
import { FEDERATED_PROVIDER_IDS, type FederatedProviderId } from '../providers/sign-in-provider.js';

/**
 * An account at a provider that signs a user in. It is found by (provider, issuer, subject), never by
 * email: the provider's address may change, or be someone else's tomorrow. No provider token is kept.
 */
@Schema({ collection: 'identities', versionKey: false })
export class Identity {
  @Prop({ type: String, required: true, enum: FEDERATED_PROVIDER_IDS })
  provider: FederatedProviderId;

  /**
   * The OpenID issuer or the GitHub server that vouches for `subject`: an operator who points
   * OIDC_ISSUER at another provider does not hand its accounts to whoever has the same subject there.
   */
  @Prop({ required: true })
  issuer: string;

  /** The provider's stable id of the account. */
  @Prop({ required: true })
  subject: string;

  @Prop({ type: Types.ObjectId, required: true })
  user: Types.ObjectId;

  /** The address the provider last gave, for the owner to recognise the account; never used to match. */
  @Prop({ type: String, default: '' })
  email: string;

  @Prop({ required: true })
  linkedAt: Date;
}

export const IdentitySchema = SchemaFactory.createForClass(Identity);
IdentitySchema.index({ provider: 1, issuer: 1, subject: 1 }, { unique: true });
/** One account per provider and user: the one DELETE /api/auth/identities/:provider names. */
IdentitySchema.index({ user: 1, provider: 1 }, { unique: true });
