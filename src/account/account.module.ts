import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { MediaModule } from '../media/media.module.js';
import { UsersModule } from '../users/users.module.js';
import { AccountDeletionController } from './account-deletion.controller.js';
import { AccountController } from './account.controller.js';
import { AccountService } from './account.service.js';
import { ActivityController } from './activity.controller.js';
import { ProfilePictureController } from './profile-picture.controller.js';
import { ProfilePictureService } from './profile-picture.service.js';
import { ProfileController } from './profile.controller.js';

/**
 * The signed-in user's own routes: profile and picture, sessions, logout everywhere, password
 * change, deletion and the activity feed. Nothing imports this module.
 */
@Module({
  imports: [UsersModule, AuthModule, MediaModule],
  controllers: [
    ProfileController,
    AccountController,
    AccountDeletionController,
    ProfilePictureController,
    ActivityController,
  ],
  providers: [AccountService, ProfilePictureService],
})
export class AccountModule {}
