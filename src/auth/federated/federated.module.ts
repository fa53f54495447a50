import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { MailModule } from '../../mail/mail.module.js';
import { UsersModule } from '../../users/users.module.js';
import { AuthModule } from '../auth.module.js';
import { AccountLinking } from './account-linking.js';
import { FederatedController } from './federated.controller.js';
import { FederatedSignIn } from './federated-sign-in.service.js';
import { FlowCookie } from './flow-cookie.js';
import { IdentitiesController } from './identities.controller.js';
import { IdentitiesService } from './identities.service.js';
import { LandingPages } from './landing-pages.js';
import { LinkedIdentities } from './linked-identities.service.js';
import { SignInProviders } from './providers/sign-in-providers.js';
import { Identity, IdentitySchema } from './schemas/identity.schema.js';
import { UsedFlowState, UsedFlowStateSchema } from './schemas/used-flow-state.schema.js';
import { UsedFlowStates } from './used-flow-states.js';

/** Sign-in with Google, GitHub or an OpenID Connect provider, and the identities linked to accounts. */
@Module({
  imports: [
    AuthModule,
    UsersModule,
    MailModule,
    MongooseModule.forFeature([
      { name: Identity.name, schema: IdentitySchema },
      { name: UsedFlowState.name, schema: UsedFlowStateSchema },
    ]),
  ],
  controllers: [FederatedController, IdentitiesController],
  providers: [
    SignInProviders,
    FederatedSignIn,
    AccountLinking,
    LinkedIdentities,
    IdentitiesService,
    UsedFlowStates,
    FlowCookie,
    LandingPages,
  ],
})
export class FederatedModule {}
