import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { MailModule } from '../../mail/mail.module.js';
import { UsersModule } from '../../users/users.module.js';
import { AuthModule } from '../auth.module.js';
import { PasskeyChallenges } from './passkey-challenges.js';
import { PasskeyCredentials } from './passkey-credentials.js';
import { PasskeyRegistration } from './passkey-registration.service.js';
import { PasskeySignIn } from './passkey-sign-in.service.js';
import { PasskeysController } from './passkeys.controller.js';
import { PasskeysService } from './passkeys.service.js';
import { PasskeyChallenge, PasskeyChallengeSchema } from './schemas/passkey-challenge.schema.js';
import { PasskeyUser, PasskeyUserSchema } from './schemas/passkey-user.schema.js';
import { Passkey, PasskeySchema } from './schemas/passkey.schema.js';
import { StepUp } from './step-up.js';

/** Passkeys (WebAuthn): registration, management, and signing in through the sign-in pipeline. */
@Module({
  imports: [
    AuthModule,
    UsersModule,
    MailModule,
    MongooseModule.forFeature([
      { name: Passkey.name, schema: PasskeySchema },
      { name: PasskeyUser.name, schema: PasskeyUserSchema },
      { name: PasskeyChallenge.name, schema: PasskeyChallengeSchema },
    ]),
  ],
  controllers: [PasskeysController],
  providers: [
    PasskeyCredentials,
    PasskeyChallenges,
    PasskeyRegistration,
    PasskeySignIn,
    PasskeysService,
    StepUp,
  ],
})
export class PasskeysModule {}
