import { SetMetadata } from '@nestjs/common';

export const ALLOW_UNVERIFIED_KEY = 'allowUnverified';

/** A signed-in route that stays open to users whose email is not verified (REQUIRE_EMAIL_VERIFICATION). */
export const AllowUnverified = () => SetMetadata(ALLOW_UNVERIFIED_KEY, true);
