import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { HydratedDocument } from 'mongoose';

/**
 * The reference backend's `users` collection, field for field, so its accounts keep working here.
 * `password` holds the hash and is never selected unless asked for; an account created by signing in
 * with Google, GitHub or an OpenID provider has none until its owner sets one by a reset link.
 */
@Schema({ collection: 'users', timestamps: true, strict: true })
export class User {
  @Prop({ required: true, trim: true, lowercase: true, maxlength: 254 })
  email: string;

  @Prop({ required: true, trim: true, maxlength: 100 })
  fullName: string;

  @Prop({ type: String, select: false })
  password?: string;

  @Prop({ default: '' })
  profilePic: string;

  /** Whether the owner proved they read `email`. Absent on the reference backend's accounts: false. */
  @Prop({ default: false })
  emailVerified: boolean;

  /**
   * Whether sign-in asks for a second factor: a copy kept by the two-factor feature (which owns the
   * factor itself) for the user responses. Absent on the reference backend's accounts: false.
   */
  @Prop({ default: false })
  twoFactorEnabled: boolean;

  /**
   * Counts password changes and resets (not hash upgrades). A login checks it did not move while its
   * password was being verified, so a reset cannot miss a session created meanwhile. Never returned.
   */
  @Prop({ type: Number, select: false, default: 0 })
  passwordVersion: number;

  /** Where the current profile picture is stored (so the old one can be deleted); never returned. */
  @Prop({ type: String, select: false, default: null })
  profilePicKey: string | null;

  createdAt: Date;
  updatedAt: Date;
}

export type UserDocument = HydratedDocument<User>;
export const UserSchema = SchemaFactory.createForClass(User);
UserSchema.index({ email: 1 }, { unique: true });
/** The chat sidebar lists users by name: read in index order, stopped at the limit. */
UserSchema.index({ fullName: 1, _id: 1 });
