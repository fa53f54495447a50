import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { MongooseModule } from '@nestjs/mongoose';
import { PassportModule } from '@nestjs/passport';
import { ThrottlerModule } from '@nestjs/throttler';
import type { AppConfig } from '../config/app-config.js';
import { MailModule } from '../mail/mail.module.js';
import { ResilientThrottlerStorage } from '../redis/resilient-throttler-storage.js';
import { UsersModule } from '../users/users.module.js';
import { AuthController } from './auth.controller.js';
import { AuthService } from './auth.service.js';
import { EmailAddressController } from './email-verification/email-address.controller.js';
import { EmailChangeService } from './email-verification/email-change.service.js';
import { EmailLinks } from './email-tokens/email-links.js';
import { EmailToken, EmailTokenSchema } from './email-tokens/email-token.schema.js';
import { EmailTokensService } from './email-tokens/email-tokens.service.js';
import { EmailVerificationService } from './email-verification/email-verification.service.js';
import { PasswordResetController } from './password-reset/password-reset.controller.js';
import { PasswordResetService } from './password-reset/password-reset.service.js';
import { PasswordGrantService } from './oauth/password-grant.service.js';
import { CsrfOriginGuard } from './guards/csrf-origin.guard.js';
import { EmailVerifiedGuard } from './guards/email-verified.guard.js';
import { SessionGuard } from './guards/session.guard.js';
import { PasswordConfirmation } from './password/password-confirmation.js';
import { PasswordHasher } from './password/password-hasher.js';
import { PasswordReplacement } from './password/password-replacement.js';
import { PasswordPolicy } from './password/password-policy.js';
import { AuthThrottlerGuard } from './throttling/auth-throttler.guard.js';
import { SessionCookie } from './sessions/session-cookie.js';
import { Session, SessionSchema } from './sessions/session.schema.js';
import { JWT_ALGORITHM, SessionAuthenticator } from './sessions/session-authenticator.js';
import { SessionsService } from './sessions/sessions.service.js';
import { SignInMethods } from './sign-in/sign-in-methods.js';
import { SignInPipeline } from './sign-in/sign-in.pipeline.js';
import { SignInResponder } from './sign-in/sign-in.responder.js';
import { JwtCookieStrategy } from './strategies/jwt-cookie.strategy.js';
import { LoginFailure, LoginFailureSchema } from './throttling/login-failure.schema.js';
import { KnownDevices } from './throttling/known-devices.js';
import { LoginAttemptsService } from './throttling/login-attempts.service.js';
import { MailRequestCount, MailRequestCountSchema } from './throttling/mail-request-count.schema.js';
import { MailRequestQuota } from './throttling/mail-request-quota.service.js';
import { ChallengeCookie } from './two-factor/challenge-cookie.js';
import {
  TwoFactorChallenge,
  TwoFactorChallengeSchema,
} from './two-factor/schemas/two-factor-challenge.schema.js';
import { TwoFactor, TwoFactorSchema } from './two-factor/schemas/two-factor.schema.js';
import { SecondFactorGate } from './two-factor/second-factor.gate.js';
import { SecondFactorVerifier } from './two-factor/second-factor.verifier.js';
import { TwoFactorSecretBox } from './two-factor/secret-box.js';
import { TwoFactorChallenges } from './two-factor/two-factor-challenges.js';
import { TwoFactorController } from './two-factor/two-factor.controller.js';
import { TwoFactorSignIn } from './two-factor/two-factor-sign-in.service.js';
import { TwoFactorService } from './two-factor/two-factor.service.js';

@Module({
  imports: [
    UsersModule,
    MailModule,
    PassportModule,
    MongooseModule.forFeature([
      { name: Session.name, schema: SessionSchema },
      { name: LoginFailure.name, schema: LoginFailureSchema },
      { name: EmailToken.name, schema: EmailTokenSchema },
      { name: MailRequestCount.name, schema: MailRequestCountSchema },
      { name: TwoFactor.name, schema: TwoFactorSchema },
      { name: TwoFactorChallenge.name, schema: TwoFactorChallengeSchema },
    ]),
    JwtModule.registerAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>) => ({
        secret: config.get('auth.jwtSecret', { infer: true }),
        signOptions: { algorithm: JWT_ALGORITHM },
        verifyOptions: { algorithms: [JWT_ALGORITHM] },
      }),
    }),
    ThrottlerModule.forRootAsync({
      inject: [ConfigService, ResilientThrottlerStorage],
      useFactory: (config: ConfigService<AppConfig, true>, storage: ResilientThrottlerStorage) => {
        const perMinute = config.get('auth.rateLimitPerMinute', { infer: true });
        return {
          throttlers: [{ name: 'default', ttl: 60_000, limit: Math.max(perMinute, 1) }],
          skipIf: () => perMinute === 0,
          storage,
        };
      },
    }),
  ],
  controllers: [AuthController, PasswordResetController, EmailAddressController, TwoFactorController],
  providers: [
    // Order matters: the CSRF origin check, then the session, then whether its email is verified,
    // then the rate limit of @RateLimited() routes. configureApp adds the body parser after them.
    { provide: APP_GUARD, useClass: CsrfOriginGuard },
    { provide: APP_GUARD, useClass: SessionGuard },
    { provide: APP_GUARD, useClass: EmailVerifiedGuard },
    { provide: APP_GUARD, useClass: AuthThrottlerGuard },
    AuthService,
    SignInPipeline,
    SignInResponder,
    SignInMethods,
    SecondFactorGate,
    SecondFactorVerifier,
    TwoFactorChallenges,
    TwoFactorSecretBox,
    TwoFactorService,
    TwoFactorSignIn,
    ChallengeCookie,
    PasswordGrantService,
    PasswordReplacement,
    SessionsService,
    SessionAuthenticator,
    SessionCookie,
    PasswordHasher,
    PasswordPolicy,
    LoginAttemptsService,
    KnownDevices,
    JwtCookieStrategy,
    PasswordConfirmation,
    MailRequestQuota,
    EmailTokensService,
    EmailLinks,
    PasswordResetService,
    EmailVerificationService,
    EmailChangeService,
  ],
  exports: [
    EmailTokensService,
    SessionsService,
    SessionAuthenticator,
    SessionCookie,
    PasswordHasher,
    PasswordPolicy,
    PasswordConfirmation,
    PasswordReplacement,
    SignInPipeline,
    SignInResponder,
    SignInMethods,
  ],
})
export class AuthModule {}
